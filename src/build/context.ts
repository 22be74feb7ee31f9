// The build context: the tar the client uploads (plain, gzip or zstd), unpacked into a
// private directory with an index of every entry and a digest of each file's content, which
// is what COPY/ADD cache keys are made of. Entries are hostile: names are cleaned and kept
// inside the directory, and nothing is ever written through a symlink the tar made.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, rm, symlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pipeline as streamPipeline, Readable } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { invalidParameter } from '../lib/errors.ts';
import { cleanPath } from '../lib/ignore-patterns.ts';
import { peek } from '../lib/peek.ts';
import { readTarEntries } from '../lib/tar/entries.ts';

export interface ContextEntry {
  /** "/"-separated, relative to the context root, no leading "./". */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  size: number;
  /** sha256 of a file's content. */
  digest?: string;
  linkname?: string;
}

/** A bound on the unpacked context: a hostile client must not fill the disk. */
const MAX_CONTEXT_ENTRIES = 1_000_000;

export class BuildContext {
  readonly dir: string;
  readonly entries = new Map<string, ContextEntry>();

  private constructor(dir: string) {
    this.dir = dir;
    this.entries.set('', { path: '', type: 'dir', mode: 0o755, size: 0 });
  }

  /** Unpacks the uploaded context into `dir` (made here; the caller removes it with remove()). */
  static async unpack(input: Readable, dir: string): Promise<BuildContext> {
    const ctx = new BuildContext(dir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { head, stream } = await peek(input, 4);
    if (head.length === 0) return ctx; // an empty body: no context at all
    let source: Readable = Readable.from(stream);
    // The callback pipeline destroys the decompressor when the upload fails: the loop then throws.
    if (head[0] === 0x1f && head[1] === 0x8b) source = streamPipeline(source, createGunzip(), () => {});
    else if (head.length === 4 && head.readUInt32LE(0) === 0xfd2fb528) source = streamPipeline(source, createZstdDecompress(), () => {});
    for await (const e of readTarEntries(source, { lenientEnd: true })) {
      if (ctx.entries.size > MAX_CONTEXT_ENTRIES) throw invalidParameter('build context has too many files');
      const path = cleanPath(e.header.name).replace(/^\/+/, '');
      if (path === '.' || path === '') continue;
      if (path === '..' || path.startsWith('../')) throw invalidParameter(`build context entry ${e.header.name} is outside the context`);
      ctx.checkParents(path);
      const target = join(dir, path);
      const mode = e.header.mode & 0o7777;
      if (e.header.type === 'directory') {
        await mkdir(target, { recursive: true });
        await chmod(target, mode | 0o700);
        ctx.entries.set(path, { path, type: 'dir', mode, size: 0 });
      } else if (e.header.type === 'file') {
        await ctx.makeParents(path);
        const hash = createHash('sha256');
        const body = Readable.from(e.body());
        body.on('data', (c: Buffer) => hash.update(c));
        await pipeline(body, createWriteStream(target, { mode: 0o600 }));
        await chmod(target, mode);
        const t = e.header.mtime.sec;
        await utimes(target, t, t);
        ctx.entries.set(path, { path, type: 'file', mode, size: e.header.size, digest: hash.digest('hex') });
      } else if (e.header.type === 'symlink') {
        await ctx.makeParents(path);
        await rm(target, { force: true, recursive: true });
        await symlink(e.header.linkname, target);
        ctx.entries.set(path, { path, type: 'symlink', mode: 0o777, size: 0, linkname: e.header.linkname });
      } else if (e.header.type === 'hardlink') {
        const src = cleanPath(e.header.linkname).replace(/^\/+/, '');
        const orig = ctx.entries.get(src);
        if (orig?.type !== 'file') throw invalidParameter(`build context entry ${e.header.name} links to ${e.header.linkname}, which is not a file in the context`);
        await ctx.makeParents(path);
        await copyFile(join(dir, src), target);
        ctx.entries.set(path, { ...orig, path });
      }
      // Devices, fifos and the like have no place in a context: skipped, as docker's CLI never sends them.
    }
    return ctx;
  }

  /** Forgets an entry and deletes its file (moby's removeDockerfile). */
  async drop(path: string): Promise<void> {
    this.entries.delete(path);
    await rm(join(this.dir, path), { recursive: true, force: true });
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }

  /** Entries under (and including) `root`, sorted: a directory's listing for copies and hashes. */
  under(root: string): ContextEntry[] {
    const prefix = root === '' ? '' : `${root}/`;
    return [...this.entries.values()].filter((e) => e.path === root || e.path.startsWith(prefix)).sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  /** A digest of the content and modes at `root` (a file or a whole tree): COPY's cache key. */
  digestOf(root: string): string {
    const h = createHash('sha256');
    for (const e of this.under(root)) {
      const rel = root === '' ? e.path : e.path.slice(root.length);
      h.update(`${rel}\0${e.type}\0${(e.mode & 0o7777).toString(8)}\0${e.digest ?? e.linkname ?? ''}\n`);
    }
    return h.digest('hex');
  }

  /** A parent made by a symlink entry would make later writes land outside: refused. */
  private checkParents(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = this.entries.get(parts.slice(0, i).join('/'));
      if (parent && parent.type !== 'dir') throw invalidParameter(`build context entry ${path} is below ${parent.path}, which is not a directory`);
    }
  }

  private async makeParents(path: string): Promise<void> {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      if (this.entries.has(p)) continue;
      await mkdir(join(this.dir, p), { recursive: true });
      this.entries.set(p, { path: p, type: 'dir', mode: 0o755, size: 0 });
    }
    await mkdir(dirname(join(this.dir, path)), { recursive: true });
  }
}
