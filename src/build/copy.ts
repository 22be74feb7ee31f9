// COPY and ADD into a build container's mounted rootfs, with Docker's rules: sources are
// globs in the context (or paths in another stage's or image's filesystem), a directory's
// contents are copied (not the directory itself), several sources need a destination ending
// in "/", files keep their mode and mtime and belong to root unless --chown, parents are made
// 0755, ADD unpacks local tar archives (gzip, bzip2, xz too) and downloads URLs.
import { createReadStream } from 'node:fs';
import { chmod, chown, copyFile, lchown, lstat, mkdir, open, readdir, readlink, rm, stat, symlink, utimes } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { spawn } from 'node:child_process';
import { invalidParameter } from '../lib/errors.ts';
import { cleanPath } from '../lib/ignore-patterns.ts';
import { closeSync, openSync } from 'node:fs';
import { O_DIRECTORY, O_PATH } from '../host/openat2.ts';
import { extractInRoot } from '../host/inroot/extract.ts';
import { resolveInRoot } from './in-root.ts';

/** Where sources come from: the context directory, or another filesystem (COPY --from). */
export interface SourceTree {
  /** Host directory holding the tree. */
  root: string;
  /** Paths (relative, "/"-separated) matching a glob; undefined when the tree has no index. */
  list?: () => string[];
  /** Whether sources resolve through symlinks inside the tree (another image's filesystem). */
  inImage: boolean;
}

export interface CopyRequest {
  sources: string[];
  /** Absolute destination inside the image (WORKDIR applied); a trailing "/" means a directory. */
  dest: string;
  owner?: { uid: number; gid: number };
  mode?: number;
  /** ADD: unpack local archives. */
  unpack: boolean;
  /** The instruction's name for messages ("COPY", "ADD"). */
  what: string;
}

/** Expands the sources' globs into concrete relative paths; none found is Docker's error. */
export function expandSources(tree: SourceTree, sources: string[], what: string): string[] {
  const out: string[] = [];
  for (const raw of sources) {
    const src = cleanPath(raw).replace(/^\/+/, '');
    const rel = src === '.' ? '' : src;
    if (/[*?[]/.test(rel) && tree.list) {
      const re = globRegex(rel);
      const found = tree.list().filter((p) => re.test(p));
      if (found.length === 0) throw notFound(what, raw);
      out.push(...found.sort());
    } else out.push(rel);
  }
  return out;
}

function notFound(what: string, src: string): Error {
  return invalidParameter(`${what} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);
}

function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      re += end < 0 ? '\\[' : `[${pattern.slice(i + 1, end).replace(/^!/, '^')}]`;
      if (end >= 0) i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Performs the copy into `rootfs`. `paths` are expandSources' result. */
export async function copyInto(rootfs: string, tree: SourceTree, paths: string[], req: CopyRequest): Promise<void> {
  const destIsDir = req.dest.endsWith('/') || req.dest.endsWith('/.') || req.dest === '.';
  if (paths.length > 1 && !destIsDir) throw invalidParameter(`When using ${req.what} with more than one source file, the destination must be a directory and end with a /`);
  for (const rel of paths) {
    const host = tree.inImage ? resolveInRoot(tree.root, `/${rel}`) : join(tree.root, rel);
    const st = await stat(host).catch(() => undefined);
    if (!st) throw notFound(req.what, rel || '.');
    if (st.isDirectory()) {
      const target = await ensureDir(rootfs, req.dest, req.owner);
      await copyTree(host, target, req);
      continue;
    }
    const kind = req.unpack ? await archiveKind(host) : undefined;
    if (kind) {
      const target = await ensureDir(rootfs, req.dest, req.owner);
      await unpackArchive(archiveStream(host, kind), target.slice(rootfs.length) || '/', rootfs);
      continue;
    }
    const existing = await stat(resolveInRoot(rootfs, req.dest)).catch(() => undefined);
    const destPath = destIsDir || existing?.isDirectory() ? posix.join(req.dest, basename(rel)) : req.dest;
    const parent = await ensureDir(rootfs, posix.dirname(destPath), req.owner);
    await copyEntry(host, join(parent, posix.basename(destPath)), req);
  }
}

/** mkdir -p inside the rootfs (symlinks followed in the image); new directories get the owner. */
async function ensureDir(rootfs: string, dir: string, owner?: { uid: number; gid: number }): Promise<string> {
  const parts = dir.split('/').filter(Boolean);
  let cur = '/';
  for (const p of parts) {
    cur = posix.join(cur, p);
    const host = resolveInRoot(rootfs, cur);
    const st = await stat(host).catch(() => undefined);
    if (st?.isDirectory()) continue;
    if (st) throw invalidParameter(`cannot copy to ${dir}: ${cur} is not a directory`);
    await mkdir(host, { mode: 0o755 });
    await chmod(host, 0o755);
    if (owner) await chown(host, owner.uid, owner.gid);
  }
  return resolveInRoot(rootfs, dir || '/');
}

async function copyTree(srcDir: string, destDir: string, req: CopyRequest): Promise<void> {
  for (const name of await readdir(srcDir)) {
    await copyEntry(join(srcDir, name), join(destDir, name), req);
  }
}

/** One file, symlink or directory (recursively), ownership and mode as COPY sets them. */
async function copyEntry(src: string, dest: string, req: CopyRequest): Promise<void> {
  const st = await lstat(src);
  const uid = req.owner?.uid ?? 0;
  const gid = req.owner?.gid ?? 0;
  const existing = await lstat(dest).catch(() => undefined);
  if (st.isDirectory()) {
    if (existing && !existing.isDirectory()) await rm(dest, { recursive: true, force: true });
    if (!existing?.isDirectory()) await mkdir(dest);
    await copyTree(src, dest, req);
    await chown(dest, uid, gid);
    await chmod(dest, req.mode ?? st.mode & 0o7777);
    await utimes(dest, st.atime, st.mtime);
    return;
  }
  if (existing?.isDirectory()) throw invalidParameter(`cannot overwrite directory ${dest} with a non-directory`);
  if (existing) await rm(dest, { force: true });
  if (st.isSymbolicLink()) {
    await symlink(await readlink(src), dest);
    await lchown(dest, uid, gid);
    return;
  }
  if (!st.isFile()) return; // devices and fifos are not copied, as Docker's copier skips them
  await copyFile(src, dest);
  await chown(dest, uid, gid);
  await chmod(dest, req.mode ?? st.mode & 0o7777);
  await utimes(dest, st.atime, st.mtime);
}

type ArchiveKind = 'gzip' | 'bzip2' | 'xz' | 'tar';

async function archiveKind(path: string): Promise<ArchiveKind | undefined> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(512);
    const { bytesRead } = await fh.read(b, 0, 512, 0);
    if (bytesRead >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (bytesRead >= 3 && b.subarray(0, 3).toString() === 'BZh') return 'bzip2';
    if (bytesRead >= 6 && b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    return bytesRead >= 262 && b.subarray(257, 262).toString() === 'ustar' ? 'tar' : undefined;
  } finally {
    await fh.close();
  }
}

/** A tar's stream, decompressed (bzip2 and xz through the host's tools). */
function archiveStream(path: string, kind: ArchiveKind): Readable {
  if (kind === 'gzip') return pipeline(createReadStream(path), createGunzip(), () => {}); // errors reach the reader
  if (kind === 'tar') return createReadStream(path);
  return spawn(kind, ['-dc', path], { stdio: ['ignore', 'pipe', 'ignore'] }).stdout;
}

/** ADD of a local archive: unpacked into destDir (inside `rootfs`), no entry leaving it. */
async function unpackArchive(archive: Readable, destInImage: string, rootfs: string): Promise<void> {
  const fd = openSync(rootfs, O_PATH | O_DIRECTORY);
  try {
    await extractInRoot(archive, fd, destInImage, { noOverwriteDirNonDir: false, owner: 'header' });
  } finally {
    closeSync(fd);
  }
}
