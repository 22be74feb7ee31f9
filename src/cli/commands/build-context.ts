// The build context as the docker CLI makes it: a directory walked in lexical order with its
// .dockerignore applied (the Dockerfile and .dockerignore always sent: TrimBuildFilesFromExcludes),
// packed as a tar with owners 0:0, modes and mtimes (seconds) kept, symlinks as symlinks and
// hard links as links; a Dockerfile outside the context (or from stdin) is added under a random
// name (AddDockerfileToBuildContext). From stdin: a tar as is, or a bare Dockerfile put in one.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { IgnoreMatcher, readIgnoreFile } from '../../lib/ignore-patterns.ts';
import { peek } from '../../lib/peek.ts';
import { packTar, type TarWriteEntry } from '../../lib/tar/writer.ts';

export const DEFAULT_DOCKERFILE = 'Dockerfile';

export interface LocalContext {
  /** The tar stream to upload. */
  tar: Readable;
  /** The Dockerfile's path inside the context ("/"-separated). */
  dockerfile: string;
}

/**
 * The context of directory `dir`. `dockerfile` is -f as given (relative to the current
 * directory, "-" for `dockerfileText`), or "" for PATH/Dockerfile (or PATH/dockerfile).
 */
export async function contextFromDir(dir: string, dockerfile: string, dockerfileText?: Buffer): Promise<LocalContext> {
  const root = await realpath(dir).catch(() => {
    throw new Error(`unable to prepare context: path "${dir}" not found`);
  });
  if (!(await stat(root)).isDirectory()) throw new Error(`unable to prepare context: path "${dir}" is not a directory`);
  let rel: string | undefined;
  let outside: Buffer | undefined;
  if (dockerfile === '-') {
    outside = dockerfileText ?? Buffer.alloc(0);
  } else {
    const abs = await locateDockerfile(root, dockerfile);
    rel = relative(root, abs).split(sep).join('/');
    if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) {
      outside = await readFile(abs);
      rel = undefined;
    }
  }
  const ignoreText = await readFile(join(root, '.dockerignore'), 'utf8').catch(() => undefined);
  const patterns = ignoreText === undefined ? [] : readIgnoreFile(ignoreText);
  // TrimBuildFilesFromExcludes: whatever the patterns say, these two are sent.
  const first = new IgnoreMatcher(patterns);
  if (first.matches('.dockerignore')) patterns.push('!.dockerignore');
  if (rel !== undefined && first.matches(rel)) patterns.push(`!${rel}`);
  const matcher = new IgnoreMatcher(patterns);

  if (outside === undefined) return { tar: Readable.from(packTar(walk(root, matcher))), dockerfile: rel! };
  // AddDockerfileToBuildContext: the Dockerfile under a random name, which .dockerignore then lists.
  const name = `.dockerfile.${randomBytes(10).toString('hex')}`;
  const ignoreBody = Buffer.from(`${ignoreText ?? '.dockerignore'}\n${name}\n`);
  const now = { sec: Math.floor(Date.now() / 1000), nsec: 0 };
  async function* entries(): AsyncGenerator<TarWriteEntry> {
    for await (const e of walk(root, matcher)) if (e.header.name !== '.dockerignore') yield e;
    yield { header: { name, type: 'file', mode: 0o600, size: outside!.length, mtime: now, uid: 0, gid: 0 }, body: outside! };
    yield { header: { name: '.dockerignore', type: 'file', mode: 0o600, size: ignoreBody.length, mtime: now, uid: 0, gid: 0 }, body: ignoreBody };
  }
  return { tar: Readable.from(packTar(entries())), dockerfile: name };
}

/** getDockerfileRelPath: -f is relative to the current directory; the default is PATH/Dockerfile. */
async function locateDockerfile(root: string, given: string): Promise<string> {
  let abs = given === '' ? join(root, DEFAULT_DOCKERFILE) : resolve(given);
  if (given === '') {
    const lower = join(root, DEFAULT_DOCKERFILE.toLowerCase());
    const exists = (p: string) => lstat(p).then(() => true, () => false);
    if (!(await exists(abs)) && (await exists(lower))) abs = lower;
  }
  try {
    abs = await realpath(abs);
  } catch {
    throw new Error(`unable to prepare context: Cannot locate Dockerfile: ${JSON.stringify(abs)}`);
  }
  return abs;
}

/** The tree under `root` as tar entries, in filepath.Walk's order, skipping what is ignored. */
async function* walk(root: string, matcher: IgnoreMatcher): AsyncGenerator<TarWriteEntry> {
  const seen = new Map<string, string>(); // dev:ino of files with several links → first name
  async function* visit(dir: string, prefix: string): AsyncGenerator<TarWriteEntry> {
    const names = (await readdir(dir)).sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1));
    for (const name of names) {
      const path = prefix === '' ? name : `${prefix}/${name}`;
      const full = join(dir, name);
      const st = await lstat(full);
      const excluded = matcher.patterns.length > 0 && matcher.matches(path);
      if (st.isDirectory()) {
        // An excluded directory is still entered when a "!" pattern may bring back something in it.
        if (excluded && !mayReinclude(matcher, path)) continue;
        if (!excluded) yield { header: { ...common(st), name: `${path}/`, type: 'directory' } };
        yield* visit(full, path);
        continue;
      }
      if (excluded) continue;
      if (st.isSymbolicLink()) {
        yield { header: { ...common(st), name: path, type: 'symlink', linkname: await readlink(full) } };
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? seen.get(key) : undefined;
        if (first !== undefined) {
          yield { header: { ...common(st), name: path, type: 'hardlink', linkname: first } };
          continue;
        }
        if (st.nlink > 1) seen.set(key, path);
        yield { header: { ...common(st), name: path, type: 'file', size: st.size }, body: createReadStream(full) };
      }
      // Sockets, fifos and devices have no place in a build context.
    }
  }
  yield* visit(root, '');
}

function common(st: { mode: number; mtimeMs: number }) {
  return { mode: st.mode & 0o7777, uid: 0, gid: 0, mtime: { sec: Math.floor(st.mtimeMs / 1000), nsec: 0 } };
}

/** moby's walker: an excluded directory is entered only if a "!" pattern starts with it. */
function mayReinclude(matcher: IgnoreMatcher, dir: string): boolean {
  return matcher.patterns.some((p) => p.exclusion && `${p.pattern}/`.startsWith(`${dir}/`));
}

/** Stdin as a context: a tar (maybe compressed) is sent as is, anything else is a Dockerfile. */
export async function contextFromStdin(input: Readable): Promise<LocalContext> {
  const { head, stream } = await peek(input, 512);
  if (isArchive(head)) return { tar: Readable.from(stream), dockerfile: DEFAULT_DOCKERFILE };
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return dockerfileOnly(Buffer.concat(chunks));
}

/** A context holding only a Dockerfile (`build - < Dockerfile`, URL contexts that are text). */
export function dockerfileOnly(text: Buffer): LocalContext {
  const header = { name: DEFAULT_DOCKERFILE, type: 'file' as const, mode: 0o644, size: text.length, uid: 0, gid: 0, mtime: { sec: Math.floor(Date.now() / 1000), nsec: 0 } };
  return { tar: Readable.from(packTar([{ header, body: text }])), dockerfile: DEFAULT_DOCKERFILE };
}

/** IsArchive: gzip, bzip2, xz, zstd, or a tar header (ustar magic or a valid checksum). */
export function isArchive(head: Buffer): boolean {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
  if (head.length >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') return true;
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return true;
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return true;
  if (head.length < 512) return false;
  if (head.subarray(257, 262).toString('latin1') === 'ustar') return true;
  const stored = Number.parseInt(head.subarray(148, 156).toString('latin1').replace(/\0.*$/, '').trim(), 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : head[i]!;
  return Number.isFinite(stored) && stored === sum;
}
