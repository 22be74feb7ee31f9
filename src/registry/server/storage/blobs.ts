// The registry's content-addressed blob store: blobs/<alg>/<2 hex>/<hex>, one file per digest,
// shared by every repository. A file appears here only by rename after its digest was
// verified, so a reader never sees partial or wrong content.
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../../lib/errors.ts';
import { fsyncDir, writeFileAtomic } from '../../../lib/fsutil.ts';
import { algorithmOf, type Digest, hexOf, isDigest } from '../names.ts';

export interface BlobInfo {
  size: number;
  mtimeMs: number;
}

export class BlobStore {
  readonly dir: string;
  constructor(root: string) {
    this.dir = join(root, 'blobs');
  }

  path(d: Digest): string {
    const hex = hexOf(d);
    return join(this.dir, algorithmOf(d), hex.slice(0, 2), hex);
  }

  async stat(d: Digest): Promise<BlobInfo | undefined> {
    try {
      const st = await stat(this.path(d));
      return { size: st.size, mtimeMs: st.mtimeMs };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Moves a verified, fsynced file into place. A blob already stored is identical: keep it. */
  async commitFile(src: string, d: Digest): Promise<void> {
    const dest = this.path(d);
    const dir = join(dest, '..');
    await mkdir(dir, { recursive: true });
    await rename(src, dest);
    await fsyncDir(dir);
  }

  /** Stores small content (manifests) whose digest the caller computed from these very bytes. */
  async putBytes(d: Digest, data: Uint8Array): Promise<void> {
    if (await this.stat(d)) return;
    await writeFileAtomic(this.path(d), data);
  }

  async read(d: Digest): Promise<Buffer> {
    return readFile(this.path(d));
  }

  /** Opens the file first so a concurrent delete cannot turn a 200 into a broken body. */
  async openHandle(d: Digest) {
    try {
      return await open(this.path(d), 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(d: Digest): Promise<void> {
    await rm(this.path(d), { force: true });
  }

  /** Every stored digest (for garbage collection). */
  async *list(): AsyncGenerator<Digest> {
    for (const alg of ['sha256', 'sha512']) {
      for (const prefix of await names(join(this.dir, alg))) {
        for (const hex of await names(join(this.dir, alg, prefix))) {
          const d = `${alg}:${hex}`;
          if (isDigest(d)) yield d;
        }
      }
    }
  }
}

/** Directory entries, none for a missing directory; temp files (".x.tmp") are not content. */
export async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
    throw err;
  }
}
