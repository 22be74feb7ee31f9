// A container's mounts at start and stop: the OCI mount inputs for its mount points (binds
// as rbind with rprivate unless told otherwise, read-only as recursive `rro` where the kernel
// has mount_setattr, tmpfs with Docker's defaults, image views read-only), volumes mounted by
// their driver while in use, and subpaths (volume-subpath, image-subpath) bound through a
// staging directory under <exec-root>/mounts/<id>, looked up with openat2(RESOLVE_IN_ROOT)
// so no symlink inside a volume or image can point the bind outside it.
import { fstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, constants as fsc } from 'node:fs';
import { release as kernelRelease } from 'node:os';
import { join } from 'node:path';
import { errnoCode, invalidParameter, messageOf } from '../lib/errors.ts';
import { log } from '../lib/log.ts';
import { mountAll, type MountSpec, unmount } from '../host/mount.ts';
import { openPathIn, withFd } from '../host/inroot/resolve.ts';
import { O_PATH } from '../host/openat2.ts';
import { type FsSyscalls, MS_BIND, MS_REC } from '../host/syscalls.ts';
import type { MountInput } from '../runtime/spec/input.ts';
import type { ContainerMount } from '../container/model.ts';
import { mergeTmpfsOptions } from './parse.ts';
import type { VolumeService } from './service.ts';


export interface ContainerMountsDeps {
  volumes: VolumeService;
  sys: FsSyscalls;
  /** <exec-root>/mounts: per-container staging of subpath binds and image views. */
  stagingRoot: string;
  /** The read-only view of an image's top layer (the snapshotter's mounts for it). */
  imageView(layer: string): Promise<MountSpec[]>;
}

/** Recursively read-only binds need mount_setattr(2): Linux 5.12 (runc and crun both take `rro`). */
export function kernelHasRecursiveReadOnly(release = kernelRelease()): boolean {
  const [major = 0, minor = 0] = release.split(/[.-]/).map(Number);
  return major > 5 || (major === 5 && minor >= 12);
}

export class ContainerMounts {
  private readonly deps: ContainerMountsDeps;
  readonly recursiveReadOnly: boolean;

  constructor(deps: ContainerMountsDeps, recursiveReadOnly = kernelHasRecursiveReadOnly()) {
    this.deps = deps;
    this.recursiveReadOnly = recursiveReadOnly;
  }

  /**
   * The spec's mount inputs for a starting container (its volumes mounted, subpaths staged,
   * missing `-v` sources made). The cp helper's stopped-container case may use it too: every
   * input of type 'bind' is a host path to bind at its destination. Pair with release().
   */
  async prepare(id: string, mounts: readonly ContainerMount[]): Promise<MountInput[]> {
    const out: MountInput[] = [];
    try {
      for (const [i, m] of mounts.entries()) {
        const d = m.Details ?? {};
        if (m.Type === 'volume' && m.Name) {
          let src = this.deps.volumes.activate(m.Name, id);
          this.deps.volumes.emitMount(m.Name, 'mount', { container: id, destination: m.Destination, 'read/write': String(m.RW), propagation: m.Propagation });
          if (d.subpath) src = this.stageBeneath(id, `${i}`, src, d.subpath, `volume ${m.Name}`);
          out.push(this.bind(m, src));
        } else if (m.Type === 'bind') {
          if (!exists(m.Source)) {
            if (!d.createSource) throw invalidParameter(`invalid mount config for type "bind": bind source path does not exist: ${m.Source}`);
            mkdirSync(m.Source, { recursive: true, mode: 0o755 });
          }
          out.push(this.bind(m, m.Source));
        } else if (m.Type === 'tmpfs') {
          out.push(tmpfsInput(m.Destination, d.tmpfsData ?? ''));
        } else if (m.Type === 'image') {
          if (!d.layer) throw invalidParameter(`image ${m.Source} has no layers to mount`);
          const view = await this.deps.imageView(d.layer);
          if (!d.imageSubpath && view.length === 1) {
            const v = view[0]!;
            out.push({ destination: m.Destination, type: v.type, source: v.source, options: v.options.includes('ro') ? v.options : [...v.options, 'ro'] });
          } else {
            const root = this.stageDir(id, `${i}-image`);
            mountAll(this.deps.sys, view, root);
            const src = d.imageSubpath ? this.stageBeneath(id, `${i}`, root, d.imageSubpath, `image ${m.Source}`) : root;
            out.push(this.bind({ ...m, RW: false }, src));
          }
        }
      }
    } catch (err) {
      this.release(id, mounts);
      throw err;
    }
    return out;
  }

  /** The container stopped: its volumes are released and its staged binds undone. Idempotent; never throws (exit handling calls it). */
  release(id: string, mounts: readonly ContainerMount[]): void {
    for (const m of mounts) {
      if (m.Type !== 'volume' || !m.Name || !this.deps.volumes.release(m.Name, id)) continue;
      this.deps.volumes.emitMount(m.Name, 'unmount', { container: id });
    }
    try {
      this.unstage(id);
    } catch (err) {
      log.warn('staged mounts of a stopped container', { id, error: messageOf(err) });
    }
  }

  /**
   * Start-up, after containers are recovered: running containers hold their volumes again
   * (mounted if the kernel lost them), staging of containers no longer running goes, and
   * optioned volumes nobody uses are unmounted.
   */
  recover(running: readonly { id: string; mountPoints: readonly ContainerMount[] }[]): void {
    const live = new Set(running.map((r) => r.id));
    for (const r of running) {
      for (const m of r.mountPoints) {
        if (m.Type !== 'volume' || !m.Name) continue;
        try {
          this.deps.volumes.activate(m.Name, r.id);
        } catch (err) {
          log.warn('recovery: volume of a running container', { id: r.id, name: m.Name, error: messageOf(err) });
        }
      }
    }
    let dirs: string[] = [];
    try {
      dirs = readdirSync(this.deps.stagingRoot);
    } catch {
      // nothing staged yet
    }
    for (const id of dirs) {
      if (live.has(id)) continue;
      try {
        this.unstage(id);
      } catch (err) {
        log.warn('recovery: staged mounts', { id, error: messageOf(err) });
      }
    }
    this.deps.volumes.unmountUnused();
  }

  private bind(m: ContainerMount, source: string): MountInput {
    const d = m.Details ?? {};
    const opts = [d.nonRecursive ? 'bind' : 'rbind'];
    if (m.RW) opts.push('rw');
    else if (d.readOnlyNonRecursive) opts.push('ro');
    // A file has no submounts; and crun 1.8 fails on `rro` for a file target ("Not a directory").
    else if (this.recursiveReadOnly && isDirectory(source)) opts.push('rro');
    else if (d.readOnlyForceRecursive) throw invalidParameter('recursively read-only mounts need Linux 5.12 or later (mount_setattr)');
    else opts.push('ro');
    opts.push(m.Propagation || 'rprivate');
    return { destination: m.Destination, type: 'bind', source, options: opts };
  }

  private stageDir(id: string, name: string): string {
    const dir = join(this.deps.stagingRoot, id, name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Binds `root`/`sub` on a staging path; symlinks on the way resolve inside `root` (openat2 RESOLVE_IN_ROOT). */
  private stageBeneath(id: string, name: string, root: string, sub: string, what: string): string {
    const fd = withFd(openSync(root, O_PATH | fsc.O_DIRECTORY), (rootFd) => {
      try {
        return openPathIn(rootFd, sub, true);
      } catch (err) {
        throw invalidParameter(`cannot access path ${sub} in ${what}: ${errnoCode(err) === 'ENOENT' ? 'no such file or directory' : messageOf(err)}`);
      }
    });
    return withFd(fd, () => {
      const target = join(this.deps.stagingRoot, id, name);
      if (fstatSync(fd).isDirectory()) this.stageDir(id, name);
      else {
        mkdirSync(join(this.deps.stagingRoot, id), { recursive: true, mode: 0o700 });
        writeFileSync(target, '', { mode: 0o600 });
      }
      this.deps.sys.mount(`/proc/self/fd/${fd}`, target, '', MS_BIND | MS_REC, undefined);
      return target;
    });
  }

  /** Unmounts everything staged for `id` (deepest first) and removes its directory once nothing is mounted there. */
  private unstage(id: string): void {
    const dir = join(this.deps.stagingRoot, id);
    for (let round = 0; round < 4; round++) {
      const points = mountsUnder(dir);
      if (points.length === 0) break;
      for (const p of points) {
        try {
          unmount(this.deps.sys, p);
        } catch (err) {
          if (errnoCode(err) === 'EBUSY') unmount(this.deps.sys, p, true);
          else if (errnoCode(err) !== 'EINVAL' && errnoCode(err) !== 'ENOENT') log.warn('unstage: unmount', { path: p, error: messageOf(err) });
        }
      }
    }
    if (mountsUnder(dir).length > 0) {
      log.warn('staged mounts left in place', { id });
      return;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Docker's tmpfs mount: noexec, nosuid, nodev, rprivate, then the user's options (later ones win). */
export function tmpfsInput(destination: string, data: string): MountInput {
  const options = mergeTmpfsOptions(['noexec', 'nosuid', 'nodev', 'rprivate', ...data.split(',').filter((o) => o !== '')]);
  return { destination, type: 'tmpfs', source: 'tmpfs', options };
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  const unoctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const p = unoctal(mp);
    if (p === dir || p.startsWith(`${dir}/`)) out.push(p);
  }
  return out.sort((a, b) => b.split('/').length - a.split('/').length);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return true; // made at start (a -v source): a directory
  }
}
