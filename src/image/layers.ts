// Layers: committed snapshots keyed by chain ID, each with its diff ID and the tar-split that
// rebuilds its exact tar. A layer is unpacked once and shared by every image that has it.
import type { Readable } from 'node:stream';
import type { Db } from '../store/db.ts';
import { type Digest, sha256 } from '../lib/digest.ts';
import type { Snapshotter } from '../snapshot/snapshotter.ts';
import { reassembleLayer } from '../snapshot/apply.ts';
import { systemError } from '../lib/errors.ts';

export interface LayerRow {
  chain_id: Digest;
  diff_id: Digest;
  parent: Digest | null;
  size: number;
  tar_size: number;
  created_at: string;
}

/** A layer diff unpacked into a staging directory, not yet registered. */
export interface StagedLayer {
  dir: string;
  diffId: Digest;
  size: number;
  tarSize: number;
  tarSplit: Buffer;
}

export interface LayerBlob {
  digest: Digest;
  media_type: string;
  size: number;
}

/** chainID(L0) = diffID(L0); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). */
export function chainIds(diffIds: Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) {
    const prev = out.at(-1);
    out.push(prev === undefined ? d : sha256(`${prev} ${d}`));
  }
  return out;
}

export class LayerStore {
  private readonly db: Db;
  readonly snapshotter: Snapshotter;

  constructor(db: Db, snapshotter: Snapshotter) {
    this.db = db;
    this.snapshotter = snapshotter;
  }

  get(chainId: string): LayerRow | undefined {
    return this.db
      .prepare('SELECT chain_id, diff_id, parent, size, tar_size, created_at FROM layers WHERE chain_id = ?')
      .get(chainId) as LayerRow | undefined;
  }

  all(): LayerRow[] {
    return this.db.prepare('SELECT chain_id, diff_id, parent, size, tar_size, created_at FROM layers').all() as unknown as LayerRow[];
  }

  /** The chain from the bottom layer up to `top`. */
  chain(top: string | null): LayerRow[] {
    const out: LayerRow[] = [];
    let cur = top;
    while (cur) {
      const row = this.get(cur);
      if (!row) throw systemError(`layer ${cur} is missing from the metadata store`);
      out.unshift(row);
      cur = row.parent;
    }
    return out;
  }

  /**
   * Makes a staged diff the committed layer `chainId` over `parent`. The snapshot is renamed
   * into place first; the row is written last, so a crash in between leaves an orphan
   * directory that start-up cleanup removes, never a row without data.
   */
  async register(staged: StagedLayer, chainId: Digest, parent: Digest | null): Promise<void> {
    await this.snapshotter.commitStaged(staged.dir, chainId, parent ?? undefined);
    this.db
      .prepare('INSERT INTO layers (chain_id, diff_id, parent, size, tar_size, tar_split, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(chainId, staged.diffId, parent, staged.size, staged.tarSize, staged.tarSplit, new Date().toISOString());
  }

  async remove(chainId: string): Promise<void> {
    this.db.prepare('DELETE FROM layers WHERE chain_id = ?').run(chainId);
    await this.snapshotter.remove(chainId);
  }

  /** The layer's gzipped tar-split (for readers that rebuild the tar elsewhere, e.g. in a worker). */
  tarSplit(chainId: string): Buffer {
    const row = this.db.prepare('SELECT tar_split FROM layers WHERE chain_id = ?').get(chainId);
    if (!row) throw systemError(`layer ${chainId} not found`);
    return Buffer.from(row.tar_split as Uint8Array);
  }

  /** The layer's exact uncompressed tar, rebuilt from its snapshot and tar-split. */
  async tarStream(chainId: string): Promise<Readable> {
    const row = this.db.prepare('SELECT tar_split FROM layers WHERE chain_id = ?').get(chainId);
    if (!row) throw systemError(`layer ${chainId} not found`);
    const dir = await this.snapshotter.diffDir(chainId);
    return reassembleLayer(dir, Buffer.from(row.tar_split as Uint8Array));
  }

  // Compressed blobs known to hold a diff ID.

  recordBlob(diffId: Digest, blob: LayerBlob): void {
    this.db
      .prepare('INSERT OR IGNORE INTO layer_blobs (diff_id, digest, media_type, size) VALUES (?, ?, ?, ?)')
      .run(diffId, blob.digest, blob.media_type, blob.size);
  }

  blobsFor(diffId: string): LayerBlob[] {
    return this.db.prepare('SELECT digest, media_type, size FROM layer_blobs WHERE diff_id = ?').all(diffId) as unknown as LayerBlob[];
  }

  allBlobs(): (LayerBlob & { diff_id: Digest })[] {
    return this.db.prepare('SELECT diff_id, digest, media_type, size FROM layer_blobs').all() as unknown as (LayerBlob & {
      diff_id: Digest;
    })[];
  }

  forgetBlob(digest: string): void {
    this.db.prepare('DELETE FROM layer_blobs WHERE digest = ?').run(digest);
  }
}
