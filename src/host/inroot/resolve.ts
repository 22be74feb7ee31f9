// Paths inside a root we do not trust (a container's filesystem, a download's destination),
// held as a directory descriptor. Every lookup is openat2(RESOLVE_IN_ROOT|NO_MAGICLINKS): the
// kernel resolves `..` and symlinks (absolute ones included) as if the descriptor were `/`,
// atomically, so a process inside swapping symlinks cannot make us reach outside; /proc's
// magic links (/proc/<pid>/root, fd/N) are refused.
import { closeSync, fstatSync, type BigIntStats } from 'node:fs';
import { posix } from 'node:path';
import { errnoCode } from '../../lib/errors.ts';
import { SyscallError } from '../libc.ts';
import { O_NOFOLLOW, O_PATH, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, fstatfsType, openat2, readlinkat } from '../openat2.ts';

export const IN_ROOT = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
const MAX_LINKS = 255; // as filepath.EvalSymlinks
const ELOOP = 40;

/** Opens `path` (taken as absolute in the root's terms) under `root`. */
export function openIn(root: number, path: string, flags: number, mode = 0): number {
  return openat2(root, path === '' ? '/' : path, flags, mode, IN_ROOT);
}

/** An O_PATH descriptor of `path`; `follow` false keeps a final symlink as itself. */
export function openPathIn(root: number, path: string, follow: boolean): number {
  return openIn(root, path, O_PATH | (follow ? 0 : O_NOFOLLOW));
}

/** fstat of a descriptor, with nanosecond times. */
export function statFd(fd: number): BigIntStats {
  return fstatSync(fd, { bigint: true });
}

/** Runs `fn` with `fd` and closes it afterwards. */
export function withFd<T>(fd: number, fn: (fd: number) => T): T {
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

/** "/a/b/../c/" → "/a/c": an absolute, clean path ("/" for the root). */
export function cleanAbs(p: string): string {
  return posix.normalize(`/${p}`).replace(/(.)\/+$/, '$1');
}

/**
 * The path `path` ends at once every symlink on it is followed inside the root, final one
 * included, as far as the links exist (moby's FollowSymlinkInScope): "/var/run/x" with
 * /var/run → /run gives "/run/x". Used for stat's linkTarget and to anchor later lookups;
 * it is a name, not a capability: every use of it goes through openIn again.
 */
export function followSymlinksInScope(root: number, path: string): string {
  const resolved: string[] = [];
  const pending = path.split('/').reverse();
  let links = 0;
  while (pending.length > 0) {
    const part = pending.pop() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = `/${[...resolved, part].join('/')}`;
    let target: string | undefined;
    try {
      withFd(openPathIn(root, candidate, false), (fd) => {
        if (statFd(fd).isSymbolicLink()) target = readlinkat(fd, '');
      });
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new SyscallError('readlink', ELOOP, path);
    if (target.startsWith('/')) resolved.length = 0;
    pending.push(...target.split('/').reverse());
  }
  return `/${resolved.join('/')}`;
}

// statfs f_type of the kernel's own filesystems: their files are not data (sizes lie, writes
// reach the kernel), so walks do not descend into them and extraction refuses them.
const PSEUDO_FS = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x27e0eb, // cgroup
  0x63677270, // cgroup2
  0x1cd1, // devpts
  0x19800202, // mqueue
  0x73636673, // securityfs
  0x64626720, // debugfs
  0x74726163, // tracefs
  0xcafe4a11, // bpf
  0x62656570, // configfs
  0x65735543, // fusectl
  0x6165676c, // pstore
  0xde5e81e4, // efivarfs
  0xf97cff8c, // selinuxfs
  0x43415d53, // smackfs
  0x42494e4d, // binfmt_misc
  0x6e736673, // nsfs
]);

/** True when the descriptor is on a kernel pseudo filesystem (proc, sysfs, cgroup...). */
export function onPseudoFs(fd: number): boolean {
  return PSEUDO_FS.has(fstatfsType(fd));
}
