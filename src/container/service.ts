// The containers service: the daemon's one entry point for containers. It owns the records,
// serializes operations per container, publishes events, and hands state changes to those
// waiting on them. The operations themselves live in one file each (create.ts, start.ts...).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../store/db.ts';
import { tx } from '../store/db.ts';
import type { EventSink } from '../lib/events.ts';
import { Mutex } from '../lib/mutex.ts';
import type { FsSyscalls } from '../host/syscalls.ts';
import type { ImageService } from '../image/service.ts';
import type { Snapshotter } from '../snapshot/snapshotter.ts';
import type { ContainerMounts } from '../volume/activate.ts';
import type { VolumeService } from '../volume/service.ts';
import type { ContainerRuntime, LogConfig, OciLinuxResources, OciProcess, RuntimeBinary } from '../runtime/runtime.ts';
import type { ExecInput, ResourcesInput, SpecInput } from '../runtime/spec/index.ts';
import type { ContainerNetworking } from '../network/deps.ts';
import { invalidParameter } from '../lib/errors.ts';
import { ContainerRecords } from './records.ts';
import { AttachRegistry } from './attach.ts';
import { ExecStore } from './exec.ts';
import type { ContainerRecord } from './model.ts';
import type { HostCaps } from './hostconfig.ts';
import { parseSize } from './hostconfig.ts';
import type { ContainerWaitResponse, WaitCondition } from './types.ts';

export interface ContainerDefaults {
  /** Host path of tini or catatonit (for --init), if installed. */
  initPath: string | undefined;
  /** dockerd's --init: every container gets an init unless it says otherwise. */
  init: boolean;
  ulimits: { name: string; soft: number; hard: number }[];
  cgroupParent: string;
  noNewPrivileges: boolean;
  logDriver: string;
  logOpts: Record<string, string>;
  /** Seconds given to containers on daemon shutdown (live-restore off). */
  shutdownTimeout: number;
  liveRestore: boolean;
}

export interface ContainerServiceDeps {
  db: Db;
  images: ImageService;
  snapshotter: Snapshotter;
  /** Volumes (named and anonymous) and the mounts a running container holds. */
  volumes: VolumeService;
  mounts: ContainerMounts;
  runtime: ContainerRuntime;
  /** Networks: a container's endpoints, addresses, ports and /etc files on start (network/). */
  network: ContainerNetworking;
  events: EventSink;
  sys: FsSyscalls;
  /** <data-root>/containers: per-container files (hostname, hosts, resolv.conf, logs). */
  dataDir: string;
  /** <exec-root>/containers: OCI bundles (config.json, rootfs mount point). */
  execDir: string;
  caps: HostCaps;
  runtimes: Record<string, { path: string; runtimeArgs?: string[] }>;
  defaultRuntime: string;
  /** The OCI config.json for a SpecInput (src/runtime/spec). */
  buildSpec(input: SpecInput): Promise<object> | object;
  /** An exec's OCI process from the container's SpecInput (src/runtime/spec's buildExecProcess). */
  execProcess(container: SpecInput, exec: ExecInput): OciProcess;
  /** OCI linux.resources for live updates (src/runtime/spec's buildResources). */
  ociResources(input: ResourcesInput): OciLinuxResources;
  defaults: ContainerDefaults;
}

interface Waiter {
  condition: WaitCondition;
  resolve(r: ContainerWaitResponse): void;
}

/** Containers created before the log was renamed keep writing `<id>-json.log`. */
function jsonFileLogName(dir: string, id: string): string {
  const legacy = `${id}-json.log`;
  return existsSync(join(dir, legacy)) || existsSync(join(dir, `${legacy}.1`)) ? legacy : `${id}-cri.log`;
}

export class ContainerService {
  readonly deps: ContainerServiceDeps;
  readonly records: ContainerRecords;
  readonly attachments: AttachRegistry;
  readonly execs = new ExecStore();
  /** Containers being stopped by the user: their exit must not trigger the restart policy. */
  readonly stopping = new Set<string>();
  /** Containers an explicit remove is taking care of: --rm must not race it. */
  readonly removing = new Set<string>();
  /** Set on daemon shutdown: exits then never trigger restart policies. */
  shuttingDown = false;
  /** Restart policy back-off per container (ms of the last delay) and pending restarts. */
  readonly backoff = new Map<string, number>();
  readonly restartTimers = new Map<string, NodeJS.Timeout>();
  /** Called after a container started and after it stopped (healthchecks hook in here). */
  private readonly lifecycle: { started(rec: ContainerRecord): void; stopped(rec: ContainerRecord): void }[] = [];
  private readonly locks = new Map<string, { mutex: Mutex; users: number }>();
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(deps: ContainerServiceDeps) {
    this.deps = deps;
    this.records = new ContainerRecords(deps.db);
    this.attachments = new AttachRegistry(deps.runtime);
  }

  get runtime(): ContainerRuntime {
    return this.deps.runtime;
  }

  // --- paths ---------------------------------------------------------------------------------

  containerDir(id: string): string {
    return join(this.deps.dataDir, id);
  }
  bundleDir(id: string): string {
    return join(this.deps.execDir, id);
  }
  rootfsDir(id: string): string {
    return join(this.deps.execDir, id, 'rootfs');
  }

  /**
   * Where and how the container's output is kept (its LogConfig made concrete). Both file
   * drivers store conmon's CRI lines, not Docker's JSON (docs/logging.md), and the json-file
   * log (the one inspect shows as LogPath) is named for what it holds: `<id>-cri.log`.
   */
  logConfig(rec: ContainerRecord): LogConfig {
    const lc = rec.hostConfig.LogConfig ?? { Type: 'json-file', Config: {} };
    const driver = lc.Type === 'local' ? 'local' : lc.Type === 'none' ? 'none' : 'json-file';
    const path = driver === 'none' ? '' : join(this.containerDir(rec.id), driver === 'local' ? 'container.log' : jsonFileLogName(this.containerDir(rec.id), rec.id));
    const out: LogConfig = { driver, path };
    const maxSize = lc.Config['max-size'];
    if (maxSize) out.maxSize = parseSize(maxSize);
    else if (driver === 'local') out.maxSize = 20 * 1024 * 1024; // local's documented defaults
    const maxFile = lc.Config['max-file'];
    if (maxFile) out.maxFile = Number(maxFile);
    else if (driver === 'local') out.maxFile = 5;
    return out;
  }

  runtimeBinary(name: string): RuntimeBinary {
    const rt = this.deps.runtimes[name];
    if (!rt) throw invalidParameter(`Unknown runtime specified ${name}`);
    return { name, path: rt.path, ...(rt.runtimeArgs ? { args: rt.runtimeArgs } : {}) };
  }

  // --- records and events ----------------------------------------------------------------------

  /** Writes a changed record in one transaction. */
  save(rec: ContainerRecord): void {
    try {
      tx(this.deps.db, () => this.records.update(rec));
    } catch (err) {
      this.records.invalidate(rec.id);
      throw err;
    }
  }

  /** A container event with Docker's attributes: image, name, labels, plus `extra`. */
  emit(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    const attrs: Record<string, string> = { ...(rec.config.Labels ?? {}), image: rec.image, name: rec.name.slice(1), ...extra };
    this.deps.events.publish({ Type: 'container', Action: action, Actor: { ID: rec.id, Attributes: attrs } });
  }

  /** Runs `fn` with the container's operation lock (operations on one container never interleave). */
  async withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    let entry = this.locks.get(id);
    if (!entry) {
      entry = { mutex: new Mutex(), users: 0 };
      this.locks.set(id, entry);
    }
    entry.users++;
    try {
      return await entry.mutex.run(fn);
    } finally {
      entry.users--;
      if (entry.users === 0) this.locks.delete(id);
    }
  }

  onLifecycle(hooks: { started(rec: ContainerRecord): void; stopped(rec: ContainerRecord): void }): void {
    this.lifecycle.push(hooks);
  }

  started(rec: ContainerRecord): void {
    for (const h of this.lifecycle) h.started(rec);
  }

  stoppedHooks(rec: ContainerRecord): void {
    for (const h of this.lifecycle) h.stopped(rec);
  }

  /** SizeRw (the rw layer's own files) and SizeRootFs (that plus the image's layers). */
  async sizes(rec: ContainerRecord): Promise<{ rw: number; rootFs: number }> {
    const rw = (await this.deps.snapshotter.usage(rec.snapshotKey).catch(() => ({ size: 0 }))).size;
    const image = this.deps.images.layers.chain(rec.layer).reduce((n, l) => n + l.size, 0);
    return { rw, rootFs: rw + image };
  }

  /** IDs of the container's exec instances (inspect's ExecIDs; null when none). */
  execIdsOf(id: string): string[] | null {
    const ids = this.execs.idsOf(id);
    return ids.length > 0 ? ids : null;
  }

  // --- waiting ---------------------------------------------------------------------------------

  /**
   * Registers a waiter now (so a caller can answer its HTTP headers before the container
   * changes) and returns the promise of its result.
   */
  wait(ref: string, condition: WaitCondition): Promise<ContainerWaitResponse> {
    const rec = this.records.resolve(ref);
    if (condition === 'not-running' && !rec.state.Running) return Promise.resolve(waitResult(rec));
    return new Promise((resolve) => {
      let set = this.waiters.get(rec.id);
      if (!set) {
        set = new Set();
        this.waiters.set(rec.id, set);
      }
      set.add({ condition, resolve });
    });
  }

  /** A wait for the next exit registered now; `within(ms)` tells whether it came in time. */
  waitExit(id: string): { within(ms: number): Promise<boolean> } {
    const rec = this.records.get(id);
    if (!rec?.state.Running) return { within: async () => true };
    const exited = this.wait(id, 'next-exit').then(() => true);
    return {
      within: (ms) => {
        if (ms === Number.POSITIVE_INFINITY) return exited;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), ms);
        });
        return Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
      },
    };
  }

  /** Called after an exit was recorded: wakes not-running and next-exit waiters. */
  notifyExit(rec: ContainerRecord): void {
    this.wake(rec, (w) => w.condition !== 'removed');
  }

  /** Called after a container was removed: wakes everyone. */
  notifyRemoved(rec: ContainerRecord, removalError?: string): void {
    this.wake(rec, (w) => removalError === undefined || w.condition === 'removed', removalError);
    if (removalError === undefined) this.waiters.delete(rec.id);
  }

  private wake(rec: ContainerRecord, which: (w: Waiter) => boolean, removalError?: string): void {
    const set = this.waiters.get(rec.id);
    if (!set) return;
    for (const w of [...set]) {
      if (!which(w)) continue;
      set.delete(w);
      w.resolve(waitResult(rec, removalError));
    }
  }
}

/** Error is about a failed removal (API 1.34), never the container's own start error. */
function waitResult(rec: ContainerRecord, removalError?: string): ContainerWaitResponse {
  return { StatusCode: rec.state.ExitCode, Error: removalError ? { Message: removalError } : null };
}
