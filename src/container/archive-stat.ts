// The X-Docker-Container-Path-Stat answer: a path's name, size, mode, mtime and, for a
// symlink, where it leads in the container, shaped as dockerd's ContainerPathStat (the mode
// in Go's os.FileMode bits, which the docker CLI decodes).
import type { BigIntStats } from 'node:fs';
import { followSymlinksInScope, statFd } from '../host/inroot/resolve.ts';
import { goRfc3339Nano } from '../lib/gotime.ts';

export interface ContainerPathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

// Go's os.FileMode type bits.
export const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
} as const;

/** os.FileMode of a stat(2) mode, as Go's fillFileStatFromSys computes it. */
export function goFileMode(mode: number): number {
  let m = mode & 0o777;
  switch (mode & 0o170000) {
    case 0o060000:
      m += GO_MODE.device;
      break;
    case 0o020000:
      m += GO_MODE.device + GO_MODE.charDevice;
      break;
    case 0o040000:
      m += GO_MODE.dir;
      break;
    case 0o010000:
      m += GO_MODE.namedPipe;
      break;
    case 0o120000:
      m += GO_MODE.symlink;
      break;
    case 0o140000:
      m += GO_MODE.socket;
      break;
  }
  if (mode & 0o4000) m += GO_MODE.setuid;
  if (mode & 0o2000) m += GO_MODE.setgid;
  if (mode & 0o1000) m += GO_MODE.sticky;
  return m;
}

/** Go's filepath.Base: "/" for the root, "." for "/etc/.", trailing slashes ignored. */
export function goBase(path: string): string {
  const p = path.replace(/\/+$/, '');
  if (p === '') return '/';
  return p.slice(p.lastIndexOf('/') + 1);
}

/** The stat of the object `fd` holds, reached by the absolute container path `abs`. */
export function pathStat(root: number, fd: number, abs: string): ContainerPathStat {
  const st = statFd(fd);
  return {
    name: goBase(abs),
    size: Number(st.size),
    mode: goFileMode(Number(st.mode)),
    mtime: goTime(st),
    linkTarget: st.isSymbolicLink() ? followSymlinksInScope(root, abs) : '',
  };
}

/** The mtime as Go marshals a time.Time in UTC (RFC 3339, nanoseconds, zeros trimmed). */
function goTime(st: BigIntStats): string {
  const sec = st.mtimeNs / 1_000_000_000n;
  const nsec = st.mtimeNs % 1_000_000_000n;
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  return goRfc3339Nano(`${base}.${String(nsec).padStart(9, '0')}Z`);
}
