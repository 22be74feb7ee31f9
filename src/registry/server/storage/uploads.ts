// Blob upload sessions: repositories/<name>/_uploads/<uuid>/data grows by appends (PATCH,
// or the body of the closing PUT), is fsynced after each, and becomes a blob only once its
// digest matches. The file is the session's state, so a session survives a restart; a running
// sha256 per session saves re-reading the data at the end while the server lives.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errnoCode } from '../../../lib/errors.ts';
import { Hasher } from '../../../lib/digest.ts';
import { rangeError, RegistryError, regError } from '../errors.ts';
import { algorithmOf, type Digest } from '../names.ts';
import type { BlobStore } from './blobs.ts';
import { KeyedLock } from './lock.ts';
import type { RepoStore } from './repos.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Running hashes kept at most; abandoned sessions beyond that are re-read when they complete. */
const MAX_HASHERS = 1000;

export class UploadStore {
  private readonly repos: RepoStore;
  private readonly blobs: BlobStore;
  private readonly hashers = new Map<string, Hasher>();
  private readonly lock = new KeyedLock();

  constructor(repos: RepoStore, blobs: BlobStore) {
    this.repos = repos;
    this.blobs = blobs;
  }

  private dir(name: string, id: string): string {
    return join(this.repos.repoDir(name), '_uploads', id);
  }

  async create(name: string): Promise<string> {
    const id = randomUUID();
    const dir = this.dir(name, id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'startedat'), new Date().toISOString());
    await writeFile(join(dir, 'data'), '');
    this.hashers.set(id, new Hasher());
    if (this.hashers.size > MAX_HASHERS) this.hashers.delete(this.hashers.keys().next().value!);
    return id;
  }

  /** Bytes received so far; BLOB_UPLOAD_UNKNOWN for an unknown session. */
  async size(name: string, id: string): Promise<number> {
    if (!UUID_RE.test(id)) throw regError('BLOB_UPLOAD_UNKNOWN', { uuid: id });
    try {
      return (await stat(join(this.dir(name, id), 'data'))).size;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') throw regError('BLOB_UPLOAD_UNKNOWN', { uuid: id });
      throw err;
    }
  }

  /**
   * Appends a request body. `range` is the chunk's Content-Range: it must start where the data
   * ends (416 otherwise) and its length must be what arrives. Returns the new size.
   */
  append(name: string, id: string, body: Readable, range?: { start: number; end: number }): Promise<number> {
    return this.lock.run(id, () => this.appendLocked(name, id, body, range));
  }

  private async appendLocked(name: string, id: string, body: Readable, range?: { start: number; end: number }) {
    const have = await this.size(name, id);
    if (range && range.start !== have) {
      throw rangeError(have > 0 ? `0-${have - 1}` : '0-0', `chunk starts at ${range.start}, upload has ${have} bytes`);
    }
    const path = join(this.dir(name, id), 'data');
    let hasher = this.hashers.get(id);
    if (hasher && hasher.size !== have) hasher = undefined;
    let added = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hasher?.update(chunk);
        added += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(body, tap, createWriteStream(path, { flags: 'a', highWaterMark: 1 << 20 }));
      await fsyncFile(path);
    } catch (err) {
      // What arrived stays (the client may resume from GET's Range), but the running hash is unsure.
      this.hashers.delete(id);
      throw err;
    }
    if (range && added !== range.end - range.start + 1) {
      this.hashers.delete(id);
      await truncate(path, have);
      throw new RegistryError('SIZE_INVALID', { detail: { expected: range.end - range.start + 1, received: added } });
    }
    return have + added;
  }

  /** Appends the closing PUT's body, verifies the digest, and makes the blob visible in `name`. */
  complete(
    name: string,
    id: string,
    digest: Digest,
    body: Readable | undefined,
    range?: { start: number; end: number },
  ): Promise<number> {
    return this.lock.run(id, async () => {
      const size = body ? await this.appendLocked(name, id, body, range) : await this.size(name, id);
      const path = join(this.dir(name, id), 'data');
      const hasher = this.hashers.get(id);
      this.hashers.delete(id); // a Hash can be finished once
      const actual =
        hasher && hasher.size === size && algorithmOf(digest) === 'sha256' ? hasher.digest() : await hashFile(path, algorithmOf(digest));
      if (actual !== digest) throw regError('DIGEST_INVALID', { expected: digest, actual });
      await this.blobs.commitFile(path, digest);
      await this.repos.linkBlob(name, digest);
      await rm(this.dir(name, id), { recursive: true, force: true });
      return size;
    });
  }

  async cancel(name: string, id: string): Promise<void> {
    await this.size(name, id);
    await this.lock.run(id, async () => {
      this.hashers.delete(id);
      await rm(this.dir(name, id), { recursive: true, force: true });
    });
  }

  /** Sessions of `name` started before `before` (ms since epoch), for garbage collection. */
  async stale(name: string, before: number): Promise<string[]> {
    const dir = join(this.repos.repoDir(name), '_uploads');
    let ids: string[];
    try {
      ids = await readdir(dir);
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const id of ids) {
      const st = await stat(join(dir, id, 'data')).catch(() => undefined);
      if (!st || st.mtimeMs < before) out.push(id);
    }
    return out;
  }

  async remove(name: string, id: string): Promise<void> {
    this.hashers.delete(id);
    await rm(this.dir(name, id), { recursive: true, force: true });
  }
}

export async function hashFile(path: string, alg: 'sha256' | 'sha512'): Promise<Digest> {
  const h = createHash(alg);
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), async (src: AsyncIterable<Buffer>) => {
    for await (const chunk of src) h.update(chunk);
  });
  return `${alg}:${h.digest('hex')}`;
}

/** fsync through a second descriptor: it flushes the file, whichever descriptor wrote it. */
async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
