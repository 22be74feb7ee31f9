// The container's filesystem as its processes see it, held as one directory descriptor for
// the archive API (src/host/inroot resolves every path under it). A running container's is
// its mount namespace's root, /proc/<pid>/root: volumes, binds and tmpfs mounts included.
// A stopped container's is built on a private directory: the rw snapshot mounted there with
// each volume and bind cloned (open_tree) onto its destination, resolved in the root; tmpfs
// mounts of a stopped container hold nothing, so their directories show what is beneath.
// Holding the container's lock keeps a start from racing the temporary mounts.
import { closeSync, openSync, statSync } from 'node:fs';
import { mkdtemp, rmdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { mountAll } from '../host/mount.ts';
import { AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY, O_CREAT, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_WRONLY, OPEN_TREE_CLONE, moveMountOnto, mountSetattr, openTree, openat } from '../host/openat2.ts';
import { ensureDirIn } from '../host/inroot/remove.ts';
import { cleanAbs, openPathIn, statFd } from '../host/inroot/resolve.ts';
import { MNT_DETACH, MS_PRIVATE } from '../host/syscalls.ts';
import { log } from '../lib/log.ts';
import { errnoCode, messageOf } from '../lib/errors.ts';
import type { ContainerRecord } from './model.ts';
import { isMountPoint } from './rootfs.ts';
import type { ContainerService } from './service.ts';

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
  return svc.withLock(id, async () => {
    const again = liveRoot(svc, id); // started while we waited for the lock
    if (again) return useAndClose(again, fn);
    const rec = svc.records.resolve(id);
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
  if (!rec?.state.Running || rec.state.Pid <= 0) return undefined;
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

interface MountedView {
  root: number;
  close(): Promise<void>;
}

async function mountView(svc: ContainerService, rec: ContainerRecord, write: boolean): Promise<MountedView> {
  const sys = svc.deps.sys;
  const dir = await mkdtemp(join(svc.deps.execDir, `.archive-${rec.id.slice(0, 12)}-`));
  let mounted = false;
  let root = -1;
  const close = async () => {
    if (root >= 0) closeSync(root);
    if (mounted) sys.umount2(dir, MNT_DETACH); // the whole tree, binds included
    await rmdir(dir).catch((err: unknown) => log.warn('archive: cannot remove view directory', { dir, error: messageOf(err) }));
  };
  try {
    const live = svc.rootfsDir(rec.id);
    if (await isMountPoint(live)) {
      // Mounted but not running (created, or between restarts): a clone of that mount, since
      // an overlay's upper directory cannot be mounted twice.
      const m = openTree(AT_FDCWD, live, OPEN_TREE_CLONE | AT_RECURSIVE);
      const target = openSync(dir, O_PATH | O_DIRECTORY);
      try {
        moveMountOnto(m, target);
      } finally {
        closeSync(target);
        closeSync(m);
      }
    } else {
      mountAll(sys, await svc.deps.snapshotter.mounts(rec.snapshotKey), dir);
    }
    mounted = true;
    sys.mount('', dir, '', MS_PRIVATE); // nothing we mount below propagates anywhere
    root = openSync(dir, O_PATH | O_DIRECTORY);
    const points = [...(rec.mountPoints ?? [])].sort((a, b) => cleanAbs(a.Destination).length - cleanAbs(b.Destination).length);
    for (const mp of points) {
      if (mp.Type === 'tmpfs' || !mp.Source.startsWith('/')) continue;
      bindInto(root, mp.Source, cleanAbs(mp.Destination), mp.RW);
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

/** Clones the mount at host path `source` onto `dest` in the view, resolved in its root. */
function bindInto(root: number, source: string, dest: string, rw: boolean): void {
  let isDir: boolean;
  try {
    isDir = statSync(source).isDirectory();
  } catch (err) {
    log.warn('archive: mount source missing, not shown', { source, error: errnoCode(err) ?? messageOf(err) });
    return;
  }
  // Create the mount point as the runtime would at start (this writes to the rw layer).
  if (isDir) closeSync(ensureDirIn(root, dest));
  else {
    const parent = ensureDirIn(root, posix.dirname(dest));
    try {
      closeSync(openat(parent, posix.basename(dest), O_WRONLY | O_CREAT | O_NOFOLLOW, 0o755));
    } catch (err) {
      if (errnoCode(err) !== 'EISDIR' && errnoCode(err) !== 'ETXTBSY') throw err;
    } finally {
      closeSync(parent);
    }
  }
  const target = openPathIn(root, dest, true);
  const m = openTree(AT_FDCWD, source, OPEN_TREE_CLONE | AT_RECURSIVE);
  try {
    if (!rw) mountSetattr(m, MOUNT_ATTR_RDONLY, 0, true);
    moveMountOnto(m, target);
  } finally {
    closeSync(m);
    closeSync(target);
  }
}
