// The volumes service: volume records plus their drivers, Docker's volume store rules
// (get-or-create by name, "in use" from the containers that reference a volume, errors as
// "<op> <name>: <reason>"), and the mounting of optioned volumes while containers run.
import { randomId } from '../lib/fsutil.ts';
import { conflict, isKind, messageOf, notFound, WharfError } from '../lib/errors.ts';
import type { EventSink } from '../lib/events.ts';
import { log } from '../lib/log.ts';
import { Mutex } from '../lib/mutex.ts';
import { type Db, tx } from '../store/db.ts';
import type { VolumeDriver } from './driver.ts';
import { type VolumeRecord, VolumeRecords } from './records.ts';
import { ANONYMOUS_LABEL, type Volume, type VolumeCreateOptions } from './types.ts';

/** What the volumes service asks of containers (late-bound by the daemon, as images do). */
export interface VolumeUsers {
  /** IDs of the containers whose mount points reference the volume. */
  containersUsing(name: string): string[];
}

export interface VolumeServiceDeps {
  db: Db;
  events: EventSink;
  drivers: readonly VolumeDriver[];
  users: VolumeUsers;
}

/** Docker's OpError: "<op> <name>: <reason>", keeping the reason's kind. */
function opError(op: string, name: string, err: unknown): Error {
  const kind = err instanceof WharfError ? err.kind : 'System';
  return new WharfError(kind, `${op} ${name}: ${messageOf(err)}`, { cause: err });
}

/** Go encodes maps with sorted keys; so do we (inspect output is compared byte for byte). */
function sortedKeys(m: Record<string, string> | null): Record<string, string> | null {
  return m === null ? null : Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export class VolumeService {
  readonly records: VolumeRecords;
  /** Serializes volume creation and removal with the container creates that reference volumes. */
  readonly lock = new Mutex();
  private readonly deps: VolumeServiceDeps;
  private readonly drivers = new Map<string, VolumeDriver>();
  /** Running containers per mounted optioned volume: the last one out unmounts it. */
  private readonly active = new Map<string, Set<string>>();

  constructor(deps: VolumeServiceDeps) {
    this.deps = deps;
    this.records = new VolumeRecords(deps.db);
    for (const d of deps.drivers) this.drivers.set(d.name, d);
  }

  driver(name: string): VolumeDriver {
    const d = this.drivers.get(name || 'local');
    if (!d) throw notFound(`error looking up volume plugin ${name}: plugin "${name}" not found`);
    return d;
  }

  /** Fails as creating volume `name` with an unknown driver would ("create <name>: error looking up volume plugin ..."). */
  checkDriver(name: string, driverName: string): void {
    try {
      this.driver(driverName);
    } catch (err) {
      throw opError('create', name || randomId(), err);
    }
  }

  /** POST /volumes/create. */
  create(opts: VolumeCreateOptions): Promise<Volume> {
    return this.lock.run(async () => {
      const labels = opts.Labels ?? null;
      const rec = this.createLocked(opts.Name ?? '', opts.Driver ?? '', opts.DriverOpts ?? null, labels);
      return this.toApi(rec);
    });
  }

  /**
   * Get-or-create under the lock (moby's CreateWithRef): an existing volume of the same driver
   * is returned as it is; an empty name makes an anonymous volume with a random name.
   */
  createLocked(nameIn: string, driverName: string, options: Record<string, string> | null, labelsIn: Record<string, string> | null): VolumeRecord {
    let name = nameIn;
    let labels = labelsIn;
    if (name === '') {
      name = randomId();
      labels = { ...labels, [ANONYMOUS_LABEL]: '' };
    }
    const existing = this.records.get(name);
    if (existing) {
      if (driverName && driverName !== existing.driver) {
        throw opError('create', name, conflict(`driver '${existing.driver}' already has volume '${name}': volume name must be unique`));
      }
      return existing;
    }
    const rec: VolumeRecord = {
      name,
      driver: driverName || 'local',
      createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      labels,
      options,
    };
    try {
      const driver = this.driver(rec.driver);
      driver.validate(name, options ?? {});
      driver.create(name, options ?? {});
      try {
        tx(this.deps.db, () => this.records.insert(rec));
      } catch (err) {
        driver.remove(name, {});
        throw err;
      }
    } catch (err) {
      throw opError('create', name, err);
    }
    this.emit(rec, 'create');
    return rec;
  }

  get(name: string): VolumeRecord {
    const rec = this.records.get(name);
    if (!rec) throw notFound(`get ${name}: no such volume`);
    return rec;
  }

  inspect(name: string): Volume {
    return this.toApi(this.get(name));
  }

  /** The host directory holding the volume's data (inspect's Mountpoint). */
  mountpoint(rec: VolumeRecord): string {
    return this.driver(rec.driver).path(rec.name);
  }

  toApi(rec: VolumeRecord): Volume {
    return {
      CreatedAt: rec.createdAt,
      Driver: rec.driver,
      Labels: sortedKeys(rec.labels),
      Mountpoint: this.mountpoint(rec),
      Name: rec.name,
      Options: sortedKeys(rec.options),
      Scope: 'local',
    };
  }

  /** DELETE /volumes/{name}: Conflict while a container references it; force ignores a missing one. */
  remove(name: string, opts: { force: boolean }): Promise<void> {
    return this.lock.run(async () => {
      const rec = this.records.get(name);
      if (!rec) {
        if (opts.force) return;
        throw notFound(`get ${name}: no such volume`);
      }
      this.removeLocked(rec, opts.force);
    });
  }

  /** Removes a volume no container references (the caller holds the lock). */
  removeLocked(rec: VolumeRecord, purgeOnError = false): void {
    const refs = this.deps.users.containersUsing(rec.name);
    if (refs.length > 0) throw conflict(`remove ${rec.name}: volume is in use - [${refs.join(', ')}]`);
    try {
      this.driver(rec.driver).remove(rec.name, rec.options ?? {});
    } catch (err) {
      if (!purgeOnError) throw opError('remove', rec.name, err);
      log.warn('volume remove: purging the record of a volume the driver could not remove', { name: rec.name, error: messageOf(err) });
    }
    tx(this.deps.db, () => this.records.delete(rec.name));
    this.active.delete(rec.name);
    this.emit(rec, 'destroy');
  }

  /** `rm -v`: removes the anonymous volumes a removed container had, unless others use them. */
  async removeAnonymous(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.lock.run(async () => {
      for (const name of names) {
        const rec = this.records.get(name);
        if (!rec) continue;
        try {
          this.removeLocked(rec);
        } catch (err) {
          if (!isKind(err, 'Conflict')) log.warn('rm -v: volume not removed', { name, error: messageOf(err) });
        }
      }
    });
  }

  // --- use by running containers -------------------------------------------------------------

  /** Makes a volume's data reachable for a starting container (mounts an optioned volume). */
  activate(name: string, containerId: string): string {
    const rec = this.get(name);
    const driver = this.driver(rec.driver);
    const users = this.active.get(name) ?? new Set<string>();
    if (users.size === 0) driver.mount(name, rec.options ?? {});
    users.add(containerId);
    this.active.set(name, users);
    return driver.path(name);
  }

  /** The container stopped using the volume (false when it was not using it); the last user out unmounts it. */
  release(name: string, containerId: string): boolean {
    const users = this.active.get(name);
    if (!users?.delete(containerId)) return false;
    if (users.size > 0) return true;
    this.active.delete(name);
    const rec = this.records.get(name);
    if (!rec) return true;
    try {
      this.driver(rec.driver).unmount(name, rec.options ?? {});
    } catch (err) {
      log.warn('volume unmount failed', { name, error: messageOf(err) });
    }
    return true;
  }

  /** The `mount`/`unmount` events of a container's use of a volume. */
  emitMount(name: string, action: 'mount' | 'unmount', attrs: Record<string, string>): void {
    const rec = this.records.get(name);
    if (rec) this.emit(rec, action, attrs);
  }

  /**
   * Start-up: storage without a record (a crash inside create) is removed, and a record whose
   * storage vanished gets it back.
   */
  reconcile(): void {
    for (const d of this.drivers.values()) {
      for (const name of d.list()) {
        if (this.records.get(name)) continue;
        log.warn('removing volume storage without a record', { name });
        try {
          d.remove(name, {});
        } catch (err) {
          log.warn('volume storage left in place', { name, error: messageOf(err) });
        }
      }
    }
    const stored = new Set([...this.drivers.values()].flatMap((d) => d.list()));
    for (const rec of this.records.all()) {
      if (!stored.has(rec.name)) this.driver(rec.driver).create(rec.name, rec.options ?? {});
    }
  }

  /** Start-up, once running containers hold their volumes again: unmounts optioned volumes nobody uses. */
  unmountUnused(): void {
    for (const rec of this.records.all()) {
      if (this.active.has(rec.name)) continue;
      try {
        this.driver(rec.driver).unmount(rec.name, rec.options ?? {});
      } catch (err) {
        log.warn('volume unmount failed', { name: rec.name, error: messageOf(err) });
      }
    }
  }

  emit(rec: VolumeRecord, action: string, extra: Record<string, string> = {}): void {
    this.deps.events.publish({ Type: 'volume', Action: action, Actor: { ID: rec.name, Attributes: { driver: rec.driver, ...extra } } });
  }

  publishPrune(reclaimed: number): void {
    this.deps.events.publish({ Type: 'volume', Action: 'prune', Actor: { ID: '', Attributes: { reclaimed: String(reclaimed) } } });
  }

  users(name: string): string[] {
    return this.deps.users.containersUsing(name);
  }
}
