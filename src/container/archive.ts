// The filesystem API: HEAD/GET/PUT /containers/{id}/archive (docker cp), running or stopped.
// Paths are the container's: resolved under its root (archive-view.ts) with symlinks followed
// as its processes would follow them; nothing can lead outside it (src/host/inroot).
import { closeSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { extractInRoot } from '../host/inroot/extract.ts';
import { packObject } from '../host/inroot/pack.ts';
import { cleanAbs, followSymlinksInScope, onPseudoFs, openIn, openPathIn, statFd, withFd } from '../host/inroot/resolve.ts';
import { O_RDONLY } from '../host/openat2.ts';
import { WharfError, errnoCode, forbidden, invalidParameter, messageOf, notFound, systemError } from '../lib/errors.ts';
import { log } from '../lib/log.ts';
import { packTar } from '../lib/tar/writer.ts';
import { type ContainerPathStat, goBase, pathStat } from './archive-stat.ts';
import { type ContainerView, withContainerView } from './archive-view.ts';
import type { ContainerService } from './service.ts';

export type { ContainerPathStat } from './archive-stat.ts';

export interface ExtractOptions {
  noOverwriteDirNonDir: boolean;
  copyUIDGID: boolean;
}

/** HEAD /containers/{id}/archive. */
export function statContainerPath(svc: ContainerService, ref: string, path: string): Promise<ContainerPathStat> {
  return withContainerView(svc, ref, false, async (v) => {
    const abs = absPath(path);
    return withFd(openObject(v, abs, path, ref), (fd) => pathStat(v.root, fd, abs));
  });
}

/**
 * GET /containers/{id}/archive: the path's stat and a tar of it, its members named from the
 * path's base name ("etc/...", "./..." for "/etc/.", "/..." for "/"). A stopped container's
 * view (and its lock) is held until the tar stream closes, as dockerd holds it.
 */
export function archiveContainerPath(svc: ContainerService, ref: string, path: string): Promise<{ stat: ContainerPathStat; tar: Readable }> {
  return new Promise((resolve, reject) => {
    withContainerView(svc, ref, false, async (v) => {
      const abs = absPath(path);
      const fd = openObject(v, abs, path, ref);
      try {
        const stat = pathStat(v.root, fd, abs);
        const warn = (message: string) => log.warn('archive', { container: v.rec.id, message });
        const tar = Readable.from(packTar(packObject(fd, statFd(fd), { name: goBase(abs), warn })));
        const closed = new Promise<void>((r) => tar.once('close', () => r()));
        svc.emit(v.rec, 'archive-path');
        resolve({ stat, tar });
        await closed;
      } finally {
        closeSync(fd);
      }
    }).catch(reject);
  });
}

/** PUT /containers/{id}/archive: extracts a tar into the directory `path`. */
export function extractToContainer(svc: ContainerService, ref: string, path: string, body: AsyncIterable<Uint8Array>, opts: ExtractOptions): Promise<void> {
  return withContainerView(svc, ref, true, async (v) => {
    // The destination with every symlink followed, the last one too (a link to a directory
    // is a fine destination); later lookups are anchored on this name.
    const dest = followSymlinksInScope(v.root, absPath(path));
    withFd(openExisting(v, dest, path, ref, true), (fd) => {
      if (!statFd(fd).isDirectory()) throw invalidParameter('extraction point is not a directory');
      if (onPseudoFs(fd)) throw forbidden(`${dest} is a kernel filesystem: nothing can be extracted there`);
    });
    checkWritable(v, dest);
    const owner = (opts.copyUIDGID && containerOwner(v.root, v.rec.config.User ?? '')) || 'header';
    const warn = (message: string) => log.warn('archive: extract', { container: v.rec.id, message });
    await extractInRoot(body, v.root, dest, { noOverwriteDirNonDir: opts.noOverwriteDirNonDir, owner, warn });
    svc.emit(v.rec, 'extract-to-dir');
  });
}

/** The path as absolute in the container, keeping a trailing "/" or "/." (they mean "follow"). */
export function absPath(path: string): string {
  const clean = cleanAbs(path);
  if ((path.endsWith('/.') || path === '.') && !clean.endsWith('/.')) return clean === '/' ? '/.' : `${clean}/.`;
  if (path.endsWith('/') && !clean.endsWith('/')) return `${clean}/`;
  return clean;
}

/** The object the path names: a final symlink as itself, unless the path ends in "/" or "/.". */
function openObject(v: ContainerView, abs: string, path: string, ref: string): number {
  const follow = abs.endsWith('/') || abs.endsWith('/.');
  const fd = openExisting(v, abs, path, ref, follow);
  try {
    const st = statFd(fd);
    // Kernel files (/proc/..., /sys/...) are not content: as in dockerd's view, they are absent.
    if (!st.isDirectory() && onPseudoFs(fd)) throw fileNotFound(path, ref);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

function openExisting(v: ContainerView, abs: string, path: string, ref: string, follow: boolean): number {
  try {
    return openPathIn(v.root, abs, follow);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw fileNotFound(path, ref);
    if (code === 'ELOOP') throw invalidParameter(`${path}: too many levels of symbolic links`);
    if (err instanceof WharfError) throw err;
    throw systemError(`${path}: ${messageOf(err)}`, err);
  }
}

function fileNotFound(path: string, ref: string): WharfError {
  return notFound(`Could not find the file ${path} in container ${ref}`);
}

/**
 * dockerd's checks before extracting: a destination in a read-only volume or, outside any
 * volume, in a read-only rootfs is refused. (The kernel refuses the rest: a stopped view's
 * mounts are read-only where the container's are.)
 */
function checkWritable(v: ContainerView, dest: string): void {
  let best: { dest: string; rw: boolean } | undefined;
  const mounts = [
    ...(v.rec.mountPoints ?? []).map((m) => ({ dest: cleanAbs(m.Destination), rw: m.RW })),
    ...Object.entries(v.rec.hostConfig.Tmpfs ?? {}).map(([d, o]) => ({ dest: cleanAbs(d), rw: !o.split(',').includes('ro') })),
  ];
  for (const m of mounts) {
    const inside = m.dest === '/' || dest === m.dest || dest.startsWith(`${m.dest}/`);
    if (inside && (!best || m.dest.length > best.dest.length)) best = m;
  }
  if (best && !best.rw) throw forbidden('mounted volume is marked read-only');
  if (!best && v.rec.hostConfig.ReadonlyRootfs) throw forbidden('container rootfs is marked read-only');
}

/**
 * copyUIDGID: with a container user ("name", "uid", "user:group"), everything extracted is
 * owned by it, looked up in the container's own /etc/passwd and /etc/group (dockerd looks in
 * the host's). Without a user, members keep their own ids.
 */
export function containerOwner(root: number, user: string): { uid: number; gid: number } | undefined {
  if (user === '') return undefined;
  const [u = '', g] = user.split(':', 2);
  const passwd = readSmallFile(root, '/etc/passwd');
  let uid: number;
  let gid = 0;
  const byUid = /^\d+$/.test(u);
  const pw = passwd.find((f) => (byUid ? f[2] === u : f[0] === u));
  if (byUid) uid = Number(u);
  else if (pw) uid = Number(pw[2]);
  else throw invalidParameter(`unable to find user ${u}: no matching entries in passwd file`);
  if (pw) gid = Number(pw[3]);
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const gr = readSmallFile(root, '/etc/group').find((f) => f[0] === g);
      if (!gr) throw invalidParameter(`unable to find group ${g}: no matching entries in group file`);
      gid = Number(gr[2]);
    }
  }
  return { uid, gid };
}

/** A colon-separated file of the container (passwd, group) as fields; [] when absent. */
function readSmallFile(root: number, path: string): string[][] {
  let text: string;
  try {
    text = withFd(openIn(root, path, O_RDONLY), (fd) => {
      if (statFd(fd).size > 4 << 20) throw invalidParameter(`${path} in the container is too large`);
      return readFileSync(fd, 'utf8');
    });
  } catch (err) {
    if (err instanceof WharfError) throw err;
    return [];
  }
  return text.split('\n').map((l) => l.split(':'));
}
