// The build cache: each step's key — the image it runs on, the instruction as evaluated, and
// for COPY/ADD the digest of what it copies — maps to the image the step made. A hit whose
// image has been removed since is a miss (and the record goes).
import { createHash } from 'node:crypto';
import { nowRfc3339Nano } from '../lib/gotime.ts';
import type { Db } from '../store/db.ts';
import type { BuildCacheRecord } from './types.ts';

interface Row {
  key: string;
  image_id: string;
  parent_id: string | null;
  description: string;
  created_at: string;
  last_used_at: string;
  usage_count: number;
}

export function stepKey(parent: string, description: string, extra: string): string {
  return createHash('sha256').update(JSON.stringify([parent, description, extra])).digest('hex');
}

export class BuildCache {
  private readonly db: Db;
  private readonly imageExists: (id: string) => boolean;

  constructor(db: Db, imageExists: (id: string) => boolean) {
    this.db = db;
    this.imageExists = imageExists;
  }

  /** The image a step with this key made, if it still exists. */
  lookup(key: string): string | undefined {
    const row = this.db.prepare('SELECT image_id FROM build_cache WHERE key = ?').get(key) as { image_id: string } | undefined;
    if (!row) return undefined;
    if (!this.imageExists(row.image_id)) {
      this.db.prepare('DELETE FROM build_cache WHERE key = ?').run(key);
      return undefined;
    }
    this.db.prepare('UPDATE build_cache SET last_used_at = ?, usage_count = usage_count + 1 WHERE key = ?').run(nowRfc3339Nano(), key);
    return row.image_id;
  }

  record(key: string, imageId: string, parentId: string, description: string): void {
    const now = nowRfc3339Nano();
    this.db
      .prepare(
        'INSERT INTO build_cache (key, image_id, parent_id, description, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET image_id = excluded.image_id, last_used_at = excluded.last_used_at',
      )
      .run(key, imageId, parentId, description, now, now);
  }

  all(): Row[] {
    return this.db.prepare('SELECT * FROM build_cache ORDER BY created_at').all() as unknown as Row[];
  }

  delete(keys: readonly string[]): void {
    const del = this.db.prepare('DELETE FROM build_cache WHERE key = ?');
    for (const k of keys) del.run(k);
  }

  /** /system/df's view; sizes are the caller's (the layer a step added). */
  records(sizeOf: (imageId: string) => number, inUse: (imageId: string) => boolean): BuildCacheRecord[] {
    return this.all().map((r) => ({
      ID: r.key.slice(0, 25),
      ...(r.parent_id ? { Parent: r.parent_id } : {}),
      Type: 'regular',
      Description: r.description,
      InUse: inUse(r.image_id),
      Shared: false,
      Size: sizeOf(r.image_id),
      CreatedAt: r.created_at,
      LastUsedAt: r.last_used_at,
      UsageCount: r.usage_count,
    }));
  }
}
