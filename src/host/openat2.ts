// The *at family of syscalls, anchored at directory descriptors, for walking a tree someone
// else controls (a container's filesystem): openat2(2) with RESOLVE_IN_ROOT resolves a path
// the way a chroot at the directory would, so `..` and absolute symlinks stay inside it, and
// every other call here acts on one name in an already-open directory without following a
// final symlink. Absolute symlinks met by a plain *at call would resolve against OUR root
// (the host), so nothing here follows a final symlink except through openat2.
// openat2 needs Linux 5.6; glibc has no wrapper, so it goes through syscall(2).
import { constants } from 'node:fs';
import { check, libc, SyscallError } from './libc.ts';
import type { Timespec } from './syscalls.ts';

const SYS_OPENAT2 = 437; // the same number on every architecture (unified syscall table)

export const O_RDONLY = constants.O_RDONLY;
export const O_WRONLY = constants.O_WRONLY;
export const O_CREAT = constants.O_CREAT;
export const O_EXCL = constants.O_EXCL;
export const O_NOFOLLOW = constants.O_NOFOLLOW;
export const O_DIRECTORY = constants.O_DIRECTORY;
export const O_NONBLOCK = constants.O_NONBLOCK;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;

export const RESOLVE_NO_XDEV = 0x01;
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_NO_SYMLINKS = 0x04;
export const RESOLVE_BENEATH = 0x08;
export const RESOLVE_IN_ROOT = 0x10;

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_EMPTY_PATH = 0x1000;
export const AT_RECURSIVE = 0x8000;
export const OPEN_TREE_CLONE = 1;
export const OPEN_TREE_CLOEXEC = O_CLOEXEC;
export const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
export const MOVE_MOUNT_T_EMPTY_PATH = 0x40;
export const MOUNT_ATTR_RDONLY = 0x1;

const PATH_MAX = 4096;
const ENODATA = 61;
const ENOSYS = 38;

// Scratch buffers: every call is synchronous.
const how = Buffer.alloc(24); // struct open_how { u64 flags; u64 mode; u64 resolve; }
const times = Buffer.alloc(32);
const linkBuf = Buffer.alloc(PATH_MAX);
const statfsBuf = Buffer.alloc(128);
const mountAttr = Buffer.alloc(32); // struct mount_attr { u64 set, clr, propagation, userns_fd }
let xattrBuf: Buffer | undefined;

/** openat2(2): `path` resolved under `dirfd` with RESOLVE_* flags. Returns the new descriptor. */
export function openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number): number {
  const f = libc().fn('long syscall(long nr, int dirfd, const char *path, void *how, size_t size)');
  how.writeBigUInt64LE(BigInt(flags | O_CLOEXEC), 0);
  how.writeBigUInt64LE(BigInt(mode), 8);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  const fd = Number(f(SYS_OPENAT2, dirfd, path, how, how.length));
  if (fd >= 0) return fd;
  const errno = libc().koffi.errno();
  if (errno === ENOSYS) throw new Error('this kernel has no openat2(2) (Linux 5.6 or later is needed to resolve paths safely)');
  throw new SyscallError('openat2', errno, path);
}

/** openat(2) of one name (callers pass O_NOFOLLOW unless they mean to follow). */
export function openat(dirfd: number, name: string, flags: number, mode = 0): number {
  const f = libc().fn('int openat(int dirfd, const char *path, int flags, uint32_t mode)');
  return check(f(dirfd, name, flags | O_CLOEXEC, mode), 'openat', name);
}

export function mkdirat(dirfd: number, name: string, mode: number): void {
  const f = libc().fn('int mkdirat(int dirfd, const char *path, uint32_t mode)');
  check(f(dirfd, name, mode), 'mkdirat', name);
}

export function symlinkat(target: string, dirfd: number, name: string): void {
  const f = libc().fn('int symlinkat(const char *target, int dirfd, const char *path)');
  check(f(target, dirfd, name), 'symlinkat', name);
}

/** linkat(2) without AT_SYMLINK_FOLLOW: a symlink is linked as itself. */
export function linkat(olddirfd: number, oldname: string, newdirfd: number, newname: string): void {
  const f = libc().fn('int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)');
  check(f(olddirfd, oldname, newdirfd, newname, 0), 'linkat', newname);
}

export function unlinkat(dirfd: number, name: string, flags = 0): void {
  const f = libc().fn('int unlinkat(int dirfd, const char *path, int flags)');
  check(f(dirfd, name, flags), 'unlinkat', name);
}

/** readlinkat(2); `name` '' reads the symlink an O_PATH|O_NOFOLLOW descriptor holds. */
export function readlinkat(dirfd: number, name: string): string {
  const f = libc().fn('intptr_t readlinkat(int dirfd, const char *path, void *buf, size_t size)');
  const n = check(f(dirfd, name, linkBuf, linkBuf.length), 'readlinkat', name);
  return linkBuf.toString('utf8', 0, n);
}

/** fchownat(2) with AT_SYMLINK_NOFOLLOW (a symlink's own owner). */
export function lchownat(dirfd: number, name: string, uid: number, gid: number): void {
  const f = libc().fn('int fchownat(int dirfd, const char *path, uint32_t uid, uint32_t gid, int flags)');
  check(f(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW), 'fchownat', name);
}

/** utimensat(2) with AT_SYMLINK_NOFOLLOW. */
export function lutimensat(dirfd: number, name: string, atime: Timespec, mtime: Timespec): void {
  const f = libc().fn('int utimensat(int dirfd, const char *path, const void *times, int flags)');
  writeTimes(atime, mtime);
  check(f(dirfd, name, times, AT_SYMLINK_NOFOLLOW), 'utimensat', name);
}

export function futimens(fd: number, atime: Timespec, mtime: Timespec): void {
  const f = libc().fn('int futimens(int fd, const void *times)');
  writeTimes(atime, mtime);
  check(f(fd, times), 'futimens', `fd ${fd}`);
}

/** mknodat(2): `mode` carries the file type bits. */
export function mknodat(dirfd: number, name: string, mode: number, dev: bigint): void {
  const f = libc().fn('int mknodat(int dirfd, const char *path, uint32_t mode, uint64_t dev)');
  check(f(dirfd, name, mode, dev), 'mknodat', name);
}

/** The filesystem type (statfs f_type) of an open descriptor. */
export function fstatfsType(fd: number): number {
  const f = libc().fn('int fstatfs(int fd, void *buf)');
  check(f(fd, statfsBuf), 'fstatfs', `fd ${fd}`);
  return Number(statfsBuf.readBigUInt64LE(0) & 0xffffffffn);
}

export function fsetxattr(fd: number, name: string, value: Uint8Array): void {
  const f = libc().fn('int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)');
  check(f(fd, name, value, value.length, 0), 'fsetxattr', name);
}

/** fgetxattr(2): the value, or undefined when absent. */
export function fgetxattr(fd: number, name: string): Buffer | undefined {
  const f = libc().fn('intptr_t fgetxattr(int fd, const char *name, void *value, size_t size)');
  xattrBuf ??= Buffer.alloc(65536);
  const n = Number(f(fd, name, xattrBuf, xattrBuf.length));
  if (n === -1) {
    const errno = libc().koffi.errno();
    if (errno === ENODATA) return undefined;
    throw new SyscallError('fgetxattr', errno, name);
  }
  return Buffer.from(xattrBuf.subarray(0, n));
}

/** open_tree(2): with OPEN_TREE_CLONE, a detached copy of the mount (tree) at `path`. */
export function openTree(dirfd: number, path: string, flags: number): number {
  const f = libc().fn('int open_tree(int dirfd, const char *path, unsigned int flags)');
  return check(f(dirfd, path, flags | OPEN_TREE_CLOEXEC), 'open_tree', path);
}

/** mount_setattr(2) on the mount a descriptor holds (AT_EMPTY_PATH), and its submounts when `recursive`. */
export function mountSetattr(fd: number, set: number, clear: number, recursive: boolean): void {
  const f = libc().fn('int mount_setattr(int dirfd, const char *path, unsigned int flags, void *attr, size_t size)');
  mountAttr.fill(0);
  mountAttr.writeBigUInt64LE(BigInt(set), 0);
  mountAttr.writeBigUInt64LE(BigInt(clear), 8);
  check(f(fd, '', AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), mountAttr, mountAttr.length), 'mount_setattr', `fd ${fd}`);
}

/** move_mount(2) of a mount descriptor onto the directory (or file) a descriptor holds. */
export function moveMountOnto(mountFd: number, targetFd: number): void {
  const f = libc().fn('int move_mount(int fromDirfd, const char *fromPath, int toDirfd, const char *toPath, unsigned int flags)');
  check(f(mountFd, '', targetFd, '', MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH), 'move_mount', `fd ${targetFd}`);
}

function writeTimes(atime: Timespec, mtime: Timespec): void {
  let off = 0;
  for (const v of [atime.sec, atime.nsec, mtime.sec, mtime.nsec]) {
    times.writeBigInt64LE(BigInt(v), off);
    off += 8;
  }
}
