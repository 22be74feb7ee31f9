// The container's filesystem as its processes see it, held as one directory descriptor for
// the archive API (src/host/inroot resolves every path under it). A running container's is
// its mount namespace's root, /proc/<pid>/root: volumes, binds and tmpfs mounts included.
// A stopped container's is built on a private directory: the rw snapshot mounted there with
// each volume and bind (as the volume service prepares them for a start) cloned with
// open_tree onto its destination, resolved in the root; tmpfs mounts of a stopped container
// hold nothing, so their directories show what is beneath.
// Holding the container's lock keeps a start from racing the temporary mounts.
import { closeSync, openSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rmdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { mountAll, mountOne } from '../host/mount.ts';
import { AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY, O_CREAT, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_WRONLY, OPEN_TREE_CLONE, moveMountOnto, mountSetattr, openTree, openat } from '../host/openat2.ts';
import { ensureDirIn } from '../host/inroot/remove.ts';
import { cleanAbs, openPathIn, statFd, withFd } from '../host/inroot/resolve.ts';
import { MNT_DETACH, MS_PRIVATE } from '../host/syscalls.ts';
import { log } from '../lib/log.ts';
import { conflict, errnoCode, messageOf } from '../lib/errors.ts';
import type { MountInput } from '../runtime/spec/input.ts';
import type { ContainerRecord } from './model.ts';
import { isMountPoint } from './rootfs.ts';
import type { ContainerService } from './service.ts';

/** How long an operation waits for the exit of a container whose process is already gone. */
const EXIT_WAIT_MS = 5000;

export interface ContainerView {
  rec: ContainerRecord;
  /** O_PATH descriptor of the container's `/`. */
  root: number;
}

/**
 * Runs `fn` on a view of the container's filesystem and tears the view down after. `write`
 * false makes a stopped container's view read-only (a running one is as the container has it).
 */
export async function withContainerView<T>(svc: ContainerService, ref: string, write: boolean, fn: (v: ContainerView) => Promise<T>): Promise<T> {
  const id = svc.records.resolve(ref).id;
  // A running container needs no lock: its root descriptor pins its mounts even if it exits.
  const live = liveRoot(svc, id);
  if (live) return useAndClose(live, fn);
  // Its process is gone but the exit is not recorded yet (`docker start -a` returns first):
  // wait for it, since a view built now would release the volumes the record still holds.
  if (isLive(svc.records.resolve(id))) await svc.waitExit(id).within(EXIT_WAIT_MS);
  return svc.withLock(id, async () => {
    const again = liveRoot(svc, id); // started while we waited for the lock
    if (again) return useAndClose(again, fn);
    const rec = svc.records.resolve(id);
    if (isLive(rec)) throw conflict(`Container ${rec.id} is exiting: try again`);
    const view = await mountView(svc, rec, write);
    try {
      return await fn({ rec, root: view.root });
    } finally {
      await view.close();
    }
  });
}

async function useAndClose<T>(v: ContainerView, fn: (v: ContainerView) => Promise<T>): Promise<T> {
  try {
    return await fn(v);
  } finally {
    closeSync(v.root);
  }
}

/**
 * /proc/<pid>/root of a running container, checked to be the container's own rootfs mount
 * (same device and inode as its bundle's rootfs): a PID that exited and was reused by a host
 * process must never hand us the host's `/`.
 */
function liveRoot(svc: ContainerService, id: string): ContainerView | undefined {
  const rec = svc.records.get(id);
  if (!rec || !isLive(rec)) return undefined;
  let fd: number;
  try {
    fd = openSync(`/proc/${rec.state.Pid}/root`, O_PATH | O_DIRECTORY);
  } catch {
    return undefined; // exited meanwhile: treated as stopped
  }
  try {
    const st = statFd(fd);
    const own = statSync(svc.rootfsDir(id), { bigint: true });
    if (st.dev === own.dev && st.ino === own.ino) return { rec, root: fd };
  } catch {
    // no rootfs mount: not this container's process
  }
  closeSync(fd);
  return undefined;
}

const VIEW_PREFIX = '.archive-';

/** A process of the container runs (restarting ones have none between runs). */
function isLive(rec: ContainerRecord): boolean {
  return rec.state.Running && !rec.state.Restarting && rec.state.Pid > 0;
}

interface MountedView {
  root: number;
  close(): Promise<void>;
}

async function mountView(svc: ContainerService, rec: ContainerRecord, write: boolean): Promise<MountedView> {
  const sys = svc.deps.sys;
  const dir = await mkdtemp(join(svc.deps.execDir, `${VIEW_PREFIX}${rec.id.slice(0, 12)}-`));
  let mounted = false;
  let prepared = false;
  let root = -1;
  const close = async () => {
    if (root >= 0) closeSync(root);
    if (mounted) sys.umount2(dir, MNT_DETACH); // the whole tree, binds included
    if (prepared) svc.deps.mounts.release(rec.id, rec.mountPoints);
    await rmdir(dir).catch((err: unknown) => log.warn('archive: cannot remove view directory', { dir, error: messageOf(err) }));
  };
  try {
    const live = svc.rootfsDir(rec.id);
    if (await isMountPoint(live)) {
      // Mounted but not running (created, or between restarts): a clone of that mount, since
      // an overlay's upper directory cannot be mounted twice.
      const m = openTree(AT_FDCWD, live, OPEN_TREE_CLONE | AT_RECURSIVE);
      try {
        withFd(openSync(dir, O_PATH | O_DIRECTORY), (target) => moveMountOnto(m, target));
      } finally {
        closeSync(m);
      }
    } else {
      mountAll(sys, await svc.deps.snapshotter.mounts(rec.snapshotKey), dir);
    }
    mounted = true;
    sys.mount('', dir, '', MS_PRIVATE); // nothing we mount below propagates anywhere
    root = openSync(dir, O_PATH | O_DIRECTORY);
    // The volume service's mounts for a start: volumes activated (driver mounts), subpaths
    // staged, bind sources checked; tmpfs mounts of a stopped container hold nothing.
    prepared = true;
    const inputs = await svc.deps.mounts.prepare(rec.id, rec.mountPoints);
    inputs.sort((a, b) => cleanAbs(a.destination).length - cleanAbs(b.destination).length);
    for (const m of inputs) {
      if (m.type !== 'tmpfs') mountInto(svc, root, m);
    }
    // Read-only where the container's is: the rootfs itself (binds keep their own mode), or
    // everything when only reading.
    if (!write) mountSetattr(root, MOUNT_ATTR_RDONLY, 0, true);
    else if (rec.hostConfig.ReadonlyRootfs) mountSetattr(root, MOUNT_ATTR_RDONLY, 0, false);
    return { root, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Mounts one of the container's mounts in the view at its destination, resolved in the root
 * (and created there as the runtime would at start: this writes to the rw layer). Binds are
 * cloned with open_tree and attached with move_mount, descriptor to descriptor.
 */
function mountInto(svc: ContainerService, root: number, m: MountInput): void {
  const opts = m.options ?? [];
  const isBind = m.type === 'bind' || opts.includes('bind') || opts.includes('rbind');
  const dest = cleanAbs(m.destination);
  let isDir = true;
  if (isBind) {
    try {
      isDir = statSync(m.source).isDirectory();
    } catch (err) {
      log.warn('archive: mount source missing, not shown', { source: m.source, error: errnoCode(err) ?? messageOf(err) });
      return;
    }
  }
  if (isDir) closeSync(ensureDirIn(root, dest));
  else {
    withFd(ensureDirIn(root, posix.dirname(dest)), (parent) => {
      try {
        closeSync(openat(parent, posix.basename(dest), O_WRONLY | O_CREAT | O_NOFOLLOW, 0o755));
      } catch (err) {
        if (errnoCode(err) !== 'EISDIR') throw err;
      }
    });
  }
  withFd(openPathIn(root, dest, true), (target) => {
    if (!isBind) {
      // An image view (an overlay): mounted onto the pinned destination through /proc.
      mountOne(svc.deps.sys, { type: m.type, source: m.source, options: opts }, `/proc/self/fd/${target}`);
      return;
    }
    const tree = openTree(AT_FDCWD, m.source, OPEN_TREE_CLONE | (opts.includes('bind') ? 0 : AT_RECURSIVE));
    try {
      if (opts.includes('ro') || opts.includes('rro')) mountSetattr(tree, MOUNT_ATTR_RDONLY, 0, true);
      moveMountOnto(tree, target);
    } finally {
      closeSync(tree);
    }
  });
}

/**
 * Start-up: views a crashed daemon left behind (<exec-root>/containers/.archive-*) are
 * unmounted and removed; never deleted recursively, since volumes may be mounted inside.
 */
export async function sweepArchiveViews(execDir: string, sys: ContainerService['deps']['sys']): Promise<void> {
  const names = await readdir(execDir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(VIEW_PREFIX)) continue;
    const dir = join(execDir, name);
    try {
      if (await isMountPoint(dir)) sys.umount2(dir, MNT_DETACH);
      await rmdir(dir);
    } catch (err) {
      log.warn('archive: stale view left in place', { dir, error: messageOf(err) });
    }
  }
}
