// Container records in the metadata database, and Docker's lookup rules: full ID, exact
// name, then unique ID prefix ("No such container: x"). Names are unique by a table
// constraint, so a conflicting create or rename fails inside its one transaction.
import type { Db } from '../store/db.ts';
import { conflict, invalidParameter, notFound } from '../lib/errors.ts';
import type { ContainerRecord } from './model.ts';

interface Row {
  record: string;
}

export function nameConflict(name: string, id: string): Error {
  return conflict(
    `Conflict. The container name "${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
  );
}

export class ContainerRecords {
  private readonly db: Db;
  /** Parsed records by id: the database is the truth, this only saves JSON parsing. */
  private readonly cache = new Map<string, ContainerRecord>();

  constructor(db: Db) {
    this.db = db;
  }

  get(id: string): ContainerRecord | undefined {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const row = this.db.prepare('SELECT record FROM containers WHERE id = ?').get(id) as Row | undefined;
    if (!row) return undefined;
    const rec = JSON.parse(row.record) as ContainerRecord;
    rec.mountPoints ??= []; // records from before mounts were resolved
    this.cache.set(id, rec);
    return rec;
  }

  all(): ContainerRecord[] {
    const ids = this.db.prepare('SELECT id FROM containers ORDER BY created_at DESC, rowid DESC').all() as { id: string }[];
    return ids.map((r) => this.get(r.id)).filter((r): r is ContainerRecord => r !== undefined);
  }

  idByName(name: string): string | undefined {
    const row = this.db.prepare('SELECT id FROM containers WHERE name = ?').get(name) as { id: string } | undefined;
    return row?.id;
  }

  /** Inserts a new record; Conflict when the name is taken. Caller runs it in a transaction. */
  insert(rec: ContainerRecord): void {
    const holder = this.idByName(rec.name);
    if (holder) throw nameConflict(rec.name, holder);
    this.db
      .prepare('INSERT INTO containers (id, name, image_id, created_at, record) VALUES (?, ?, ?, ?, ?)')
      .run(rec.id, rec.name, rec.imageId, rec.created, JSON.stringify(rec));
    this.cache.set(rec.id, rec);
  }

  /** Replaces a record (state changes, rename); Conflict on a taken name. */
  update(rec: ContainerRecord): void {
    const holder = this.idByName(rec.name);
    if (holder && holder !== rec.id) throw nameConflict(rec.name, holder);
    const r = this.db.prepare('UPDATE containers SET name = ?, record = ? WHERE id = ?').run(rec.name, JSON.stringify(rec), rec.id);
    if (r.changes === 0) throw notFound(`No such container: ${rec.id}`);
    this.cache.set(rec.id, rec);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
    this.cache.delete(id);
  }

  /** Forgets cached copies (a failed transaction must not leave a changed record behind). */
  invalidate(id: string): void {
    this.cache.delete(id);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM containers').get() as { n: number }).n;
  }

  idsUsingImage(imageId: string): string[] {
    return (this.db.prepare('SELECT id FROM containers WHERE image_id = ?').all(imageId) as { id: string }[]).map((r) => r.id);
  }

  /**
   * Docker's order: full ID, exact name ("x" or "/x"), then a unique ID prefix. An ambiguous
   * prefix is an error of its own, as in moby's GetByName/Get.
   */
  find(ref: string): ContainerRecord | undefined {
    if (ref === '') return undefined;
    if (/^[a-f0-9]{64}$/.test(ref)) {
      const byId = this.get(ref);
      if (byId) return byId;
    }
    const byName = this.idByName(ref.startsWith('/') ? ref : `/${ref}`);
    if (byName) return this.get(byName);
    if (/^[a-f0-9]+$/.test(ref)) {
      const ids = this.db.prepare("SELECT id FROM containers WHERE id GLOB ? || '*' LIMIT 2").all(ref) as { id: string }[];
      if (ids.length > 1) throw invalidParameter(`multiple IDs found with provided prefix: ${ref}`);
      if (ids.length === 1) return this.get(ids[0]!.id);
    }
    return undefined;
  }

  resolve(ref: string): ContainerRecord {
    const rec = this.find(ref);
    if (!rec) throw notFound(`No such container: ${ref}`);
    return rec;
  }
}
