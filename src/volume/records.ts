// Volume metadata in SQLite: one row per volume (name, driver, creation time, labels, driver
// options). No file I/O here; the driver owns the data.
import type { Db } from '../store/db.ts';

export interface VolumeRecord {
  name: string;
  driver: string;
  /** RFC 3339, seconds precision with the zone (Docker's CreatedAt). */
  createdAt: string;
  /** As given: null when the creator sent none (Docker shows null then). */
  labels: Record<string, string> | null;
  options: Record<string, string> | null;
}

interface Row {
  name: string;
  driver: string;
  created_at: string;
  labels: string;
  options: string;
}

const fromRow = (r: Row): VolumeRecord => ({
  name: r.name,
  driver: r.driver,
  createdAt: r.created_at,
  labels: JSON.parse(r.labels) as Record<string, string> | null,
  options: JSON.parse(r.options) as Record<string, string> | null,
});

export class VolumeRecords {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  get(name: string): VolumeRecord | undefined {
    const row = this.db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Every volume, by name (docker volume ls sorts by name anyway). */
  all(): VolumeRecord[] {
    return (this.db.prepare('SELECT * FROM volumes ORDER BY name').all() as unknown as Row[]).map(fromRow);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM volumes').get() as { n: number }).n;
  }

  /** Caller runs it in a transaction. */
  insert(v: VolumeRecord): void {
    this.db
      .prepare('INSERT INTO volumes (name, driver, created_at, labels, options) VALUES (?, ?, ?, ?, ?)')
      .run(v.name, v.driver, v.createdAt, JSON.stringify(v.labels), JSON.stringify(v.options));
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
  }
}
