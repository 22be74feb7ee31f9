// Extracting a tar stream (hostile until proven otherwise) into a directory of an untrusted
// root, as Docker's Untar does for `docker cp`: member names are taken relative to the
// destination (absolute names are rooted there, `..` may not climb out of it), hard links
// must point inside it, existing entries are replaced (directories merged), and modes,
// owners, times and xattrs are applied. Every parent is resolved with openat2 IN_ROOT and
// every node is made with one *at call on its parent's descriptor, never following a final
// symlink: a symlink in the archive or planted by a process inside can lead a path only to
// another place in the root, never out of it.
import { chmodSync, closeSync, fchmodSync, fchownSync, write, type BigIntStats } from 'node:fs';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { Readable, type Transform, pipeline } from 'node:stream';
import { WharfError, errnoCode, forbidden, invalidParameter, messageOf, systemError } from '../../lib/errors.ts';
import { peek } from '../../lib/peek.ts';
import type { TarHeader, TarTime } from '../../lib/tar/header.ts';
import { type TarEntry, readTarEntries } from '../../lib/tar/entries.ts';
import { makedev } from '../syscalls.ts';
import {
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_PATH,
  O_RDONLY,
  O_WRONLY,
  fsetxattr,
  futimens,
  lchownat,
  linkat,
  lutimensat,
  mkdirat,
  mknodat,
  openat,
  symlinkat,
} from '../openat2.ts';
import { ensureDirIn, removeAllAt } from './remove.ts';
import { onPseudoFs, openIn, statFd, withFd } from './resolve.ts';

const writeAsync = promisify(write);
const BATCH = 1 << 20; // file data is written in pieces of up to this many bytes,
const IN_FLIGHT = 4; // this many at a time

export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory or the reverse. */
  noOverwriteDirNonDir: boolean;
  /** Owners: each member's own ids, fixed ids for all (copyUIDGID), or whoever creates (a CLI). */
  owner: 'header' | 'keep' | { uid: number; gid: number };
  /** Renames members (and hard link targets) first: the CLI's rebase of the top name. */
  rename?: (name: string) => string;
  /** Told about metadata that could not be applied (xattrs a filesystem refuses). */
  warn?: (message: string) => void;
}

/**
 * Extracts `input` into `dest`, an absolute, symlink-free path of a directory in `root` (a
 * descriptor). The stream may be gzip or zstd compressed.
 */
export async function extractInRoot(input: AsyncIterable<Uint8Array>, root: number, dest: string, opts: ExtractOptions): Promise<void> {
  const dirs: { path: string; h: TarHeader }[] = [];
  for await (const entry of readTarEntries(await decompressed(input))) {
    const h = entry.header;
    if (h.type === 'global') continue;
    if (h.type === 'other') throw invalidParameter(`tar: ${h.name}: unsupported member type '${h.typeflag}'`);
    const name = opts.rename ? opts.rename(h.name) : h.name;
    const rel = memberPath(name);
    if (rel === undefined) throw invalidParameter(`Error processing tar file: ${JSON.stringify(h.name)} is outside of ${JSON.stringify(dest)}`);
    if (rel === '') {
      if (h.type === 'directory') continue; // "./": the destination itself stays as it is
      throw invalidParameter(`tar: ${JSON.stringify(h.name)} would replace the extraction directory ${dest}`);
    }
    const path = posix.join(dest, rel);
    await guard(path, () => extractOne(entry, root, dest, path, opts));
    if (h.type === 'directory') dirs.push({ path, h });
  }
  // Directory times last: creating their children changed them.
  for (const { path, h } of dirs.reverse()) {
    await guard(path, () => {
      const fd = openIn(root, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      try {
        futimens(fd, accessTime(h), h.mtime);
      } finally {
        closeSync(fd);
      }
    });
  }
}

/**
 * A member name as a path relative to the destination ('' is the destination itself), as
 * Docker cleans it: a leading "/" roots it at the destination; undefined when `..` leaves it.
 */
export function memberPath(name: string): string | undefined {
  const parts: string[] = [];
  const absolute = name.startsWith('/');
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p !== '..') parts.push(p);
    else if (parts.length > 0) parts.pop();
    else if (!absolute) return undefined;
  }
  return parts.join('/');
}

async function extractOne(entry: TarEntry, root: number, dest: string, path: string, opts: ExtractOptions): Promise<void> {
  const h = entry.header;
  const base = posix.basename(path);
  const parent = ensureDirIn(root, posix.dirname(path));
  try {
    if (onPseudoFs(parent)) throw forbidden(`${posix.dirname(path)} is a kernel filesystem: nothing can be extracted there`);
    replaceExisting(parent, base, path, dest, h, opts);
    switch (h.type) {
      case 'directory':
        return makeDir(parent, base, h, opts);
      case 'file':
        return await makeFile(entry, parent, base, opts);
      case 'symlink':
        symlinkat(h.linkname, parent, base);
        if (opts.owner !== 'keep') lchownat(parent, base, ...ids(h, opts));
        lutimensat(parent, base, accessTime(h), h.mtime);
        return;
      case 'hardlink':
        return makeHardlink(root, dest, parent, base, h, opts);
      case 'char':
      case 'block':
      case 'fifo':
        return makeNode(parent, base, h, opts);
    }
  } finally {
    closeSync(parent);
  }
}

/** Docker's rule: an existing node is replaced, except a directory by a directory (merged). */
function replaceExisting(parent: number, base: string, path: string, dest: string, h: TarHeader, opts: ExtractOptions): void {
  let st: BigIntStats;
  try {
    st = withFd(openat(parent, base, O_PATH | O_NOFOLLOW), statFd);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  const isDir = st.isDirectory();
  const wantDir = h.type === 'directory';
  if (opts.noOverwriteDirNonDir && isDir && !wantDir) {
    throw invalidParameter(`cannot overwrite directory ${JSON.stringify(path)} with non-directory ${JSON.stringify(dest)}`);
  }
  if (opts.noOverwriteDirNonDir && !isDir && wantDir) {
    throw invalidParameter(`cannot overwrite non-directory ${JSON.stringify(path)} with directory ${JSON.stringify(dest)}`);
  }
  if (!(isDir && wantDir)) removeAllAt(parent, base, path);
}

function makeDir(parent: number, base: string, h: TarHeader, opts: ExtractOptions): void {
  try {
    mkdirat(parent, base, 0o700);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  const fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  try {
    applyMeta(fd, h, opts);
  } finally {
    closeSync(fd);
  }
}

async function makeFile(entry: TarEntry, parent: number, base: string, opts: ExtractOptions): Promise<void> {
  const h = entry.header;
  const fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  const writer = new PipelinedWriter(fd, h.size);
  try {
    for await (const chunk of entry.body()) await writer.add(chunk);
    await writer.finish();
    applyMeta(fd, h, opts);
    futimens(fd, accessTime(h), h.mtime);
  } finally {
    await writer.settle();
    closeSync(fd);
  }
}

/**
 * File data written while the archive keeps being read: the parser's chunks (views, valid
 * until the next one) are copied into batch buffers, and up to IN_FLIGHT full batches are
 * being written (pwrite in libuv's pool) while the next one fills.
 */
class PipelinedWriter {
  private readonly fd: number;
  private readonly size: number;
  private readonly inflight: { buf: Buffer; done: Promise<void> }[] = [];
  private cur: Buffer | undefined;
  private fill = 0;
  private pos = 0;
  private failure: unknown;

  constructor(fd: number, size: number) {
    this.fd = fd;
    this.size = size;
  }

  async add(chunk: Buffer): Promise<void> {
    for (let off = 0; off < chunk.length; ) {
      const buf = this.cur ?? (await this.take());
      const n = chunk.copy(buf, this.fill, off);
      this.fill += n;
      off += n;
      if (this.fill === buf.length) this.launch();
    }
  }

  async finish(): Promise<void> {
    if (this.fill > 0) this.launch();
    await this.settle();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for every write in flight (errors are kept for finish()). */
  async settle(): Promise<void> {
    while (this.inflight.length > 0) await this.inflight.shift()?.done;
  }

  private async take(): Promise<Buffer> {
    let buf: Buffer | undefined;
    if (this.inflight.length >= IN_FLIGHT) {
      const oldest = this.inflight.shift() as { buf: Buffer; done: Promise<void> };
      await oldest.done;
      buf = oldest.buf;
    }
    if (this.failure !== undefined) throw this.failure;
    buf ??= Buffer.allocUnsafe(Math.min(BATCH, Math.max(this.size, 1)));
    this.cur = buf;
    this.fill = 0;
    return buf;
  }

  private launch(): void {
    const buf = this.cur as Buffer;
    const len = this.fill;
    const at = this.pos;
    this.pos += len;
    this.cur = undefined;
    this.fill = 0;
    const done = (async () => {
      for (let off = 0; off < len; ) off += (await writeAsync(this.fd, buf, off, len - off, at + off)).bytesWritten;
    })().catch((err: unknown) => {
      this.failure ??= err;
    });
    this.inflight.push({ buf, done });
  }
}

function makeHardlink(root: number, dest: string, parent: number, base: string, h: TarHeader, opts: ExtractOptions): void {
  const linkname = opts.rename ? opts.rename(h.linkname) : h.linkname;
  const rel = memberPath(linkname);
  if (rel === undefined) {
    const where = posix.join(dest, linkname);
    throw invalidParameter(`Error processing tar file: invalid hardlink ${JSON.stringify(where)} -> ${JSON.stringify(h.linkname)}`);
  }
  const target = posix.join(dest, rel);
  let tparent: number;
  try {
    tparent = openIn(root, posix.dirname(target), O_PATH | O_DIRECTORY);
  } catch (err) {
    throw invalidParameter(`Error processing tar file: hardlink ${JSON.stringify(h.name)} -> ${JSON.stringify(h.linkname)}: ${errnoCode(err) ?? messageOf(err)}`);
  }
  try {
    linkat(tparent, posix.basename(target), parent, base);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'EXDEV' || code === 'EPERM') {
      throw invalidParameter(`Error processing tar file: hardlink ${JSON.stringify(h.name)} -> ${JSON.stringify(h.linkname)}: ${code}`);
    }
    throw err;
  } finally {
    closeSync(tparent);
  }
}

function makeNode(parent: number, base: string, h: TarHeader, opts: ExtractOptions): void {
  const type = h.type === 'char' ? 0o020000 : h.type === 'block' ? 0o060000 : 0o010000;
  mknodat(parent, base, type | (h.mode & 0o7777), h.type === 'fifo' ? 0n : makedev(h.devmajor, h.devminor));
  if (opts.owner !== 'keep') lchownat(parent, base, ...ids(h, opts));
  // chmod through the pinned inode (mknod's mode was cut by the umask); never by name, which
  // would follow a symlink swapped in meanwhile.
  const fd = openat(parent, base, O_PATH | O_NOFOLLOW);
  try {
    if (statFd(fd).isSymbolicLink()) throw systemError(`${base} was replaced while being created`);
    chmodSync(`/proc/self/fd/${fd}`, h.mode & 0o7777);
  } finally {
    closeSync(fd);
  }
  lutimensat(parent, base, accessTime(h), h.mtime);
}

/** Owner, mode (after chown, which clears setuid bits) and xattrs of an open file or directory. */
function applyMeta(fd: number, h: TarHeader, opts: ExtractOptions): void {
  if (opts.owner !== 'keep') fchownSync(fd, ...ids(h, opts));
  fchmodSync(fd, h.mode & 0o7777);
  for (const [key, value] of h.xattrs ?? []) {
    if (key.startsWith('trusted.overlay.')) continue; // overlayfs's own bookkeeping, never data
    try {
      fsetxattr(fd, key, value);
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EPERM') throw err;
      opts.warn?.(`${h.name}: xattr ${key} not set: ${code}`);
    }
  }
}

function ids(h: TarHeader, opts: ExtractOptions): [number, number] {
  return typeof opts.owner === 'object' ? [opts.owner.uid, opts.owner.gid] : [h.uid, h.gid];
}

/** Docker's access time: the member's, unless older than its mtime. */
function accessTime(h: TarHeader): TarTime {
  const a = h.atime;
  return a && (a.sec > h.mtime.sec || (a.sec === h.mtime.sec && a.nsec > h.mtime.nsec)) ? a : h.mtime;
}

/** Runs one step; errno failures become errors naming the path in the root. */
async function guard(path: string, fn: () => void | Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof WharfError) throw err;
    const code = errnoCode(err);
    if (code === 'EROFS') throw forbidden(`${path}: read-only file system`);
    if (code === 'ELOOP') throw invalidParameter(`${path}: too many levels of symbolic links`);
    if (code === 'ENOTDIR') throw invalidParameter(`${path}: not a directory`);
    throw systemError(`${path}: ${messageOf(err)}`, err);
  }
}

/** The tar itself, or what a gzip or zstd stream of it decompresses to. */
export async function decompressed(input: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array>> {
  const { head, stream } = await peek(input, 6);
  if (head[0] === 0x1f && head[1] === 0x8b) return through(stream, createGunzip());
  if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return through(stream, createZstdDecompress());
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
    throw invalidParameter('xz-compressed archives are not supported (plain tar, gzip or zstd)');
  }
  if (head.subarray(0, 3).toString('latin1') === 'BZh') {
    throw invalidParameter('bzip2-compressed archives are not supported (plain tar, gzip or zstd)');
  }
  return stream;
}

function through(input: AsyncIterable<Uint8Array>, t: Transform): Transform {
  pipeline(Readable.from(input), t, () => {}); // an error on either side destroys t, which reports it
  return t;
}
