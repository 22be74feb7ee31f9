// ContainerRuntime on conmon and an OCI runtime (runc or crun). Per container: one conmon
// process (≈0.48 MB PSS among 20), which runs `runtime create`, holds stdio and the pty, writes the log
// and the exit file; the daemon keeps no process per container, only a record on tmpfs, one
// fs.watch on the exit directory and one inotify descriptor for log rotation.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, errnoCode, invalidParameter, notFound } from '../lib/errors.ts';
import { log } from '../lib/log.ts';
import { ConmonAttach } from './attach/conmon-attach.ts';
import { type CgroupMounts, parseCgroupMounts } from './cgroups/mounts.ts';
import { sweepOrphanCgroups } from './cgroups/sweep.ts';

/** A cgroup younger than this may belong to a container another daemon is creating right now. */
const CGROUP_SWEEP_GRACE_MS = 60_000;
import { readCgroupStats } from './cgroups/stats.ts';
import { conmonCreateArgs } from './conmon/args.ts';
import { resizeTerminal } from './conmon/ctl.ts';
import { awaitCreated, release, spawnMonitor } from './conmon/launch.ts';
import { execDirect } from './exec/direct.ts';
import { execTty } from './exec/tty.ts';
import { ExitTracker } from './exit-tracker.ts';
import { startCrunThroughExecFifo, startThroughExecFifo } from './fast-start.ts';
import { readLogs } from './logs/reader.ts';
import { LogRotator, rotateIfFull } from './logs/rotator.ts';
import { type MonitorRecord, readRecord, StateLayout, writeRecord } from './monitor-record.ts';
import { OciCli } from './oci-cli.ts';
import { isMonitorOf, processCgroups, waitGone } from './processes.ts';
import { recoverOne } from './recover.ts';
import type {
  AttachOptions,
  AttachSession,
  CgroupSample,
  ContainerLaunch,
  ContainerRuntime,
  ExecOptions,
  ExecSession,
  ExitEvent,
  LogConfig,
  LogEntry,
  LogReadOptions,
  MonitorHandle,
  OciLinuxResources,
  Recovered,
  RuntimeState,
} from './runtime.ts';
import { parseSignal } from './signals.ts';

export interface ConmonRuntimeOptions {
  /** The driver's state directory, on tmpfs (e.g. /run/wharf/runtime). */
  root: string;
  /** conmon binary (default /usr/bin/conmon). */
  conmonPath?: string;
  /** Where cgroup hierarchies are mounted (default: read from /proc/self/mountinfo). */
  cgroupMounts?: CgroupMounts;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** How long delete() waits for a killed container's monitor to record the exit. */
const EXIT_GRACE_MS = 5000;


export class ConmonRuntime implements ContainerRuntime {
  private readonly layout: StateLayout;
  private readonly conmonPath: string;
  private readonly mounts: CgroupMounts;
  private readonly records = new Map<string, MonitorRecord>();
  private readonly rotator = new LogRotator();
  private readonly exits: ExitTracker;
  /** File removals of deleted containers, finishing after their runtime cleanup. */
  private readonly removals = new Map<string, Promise<void>>();

  private constructor(opts: ConmonRuntimeOptions, mounts: CgroupMounts) {
    this.layout = new StateLayout(opts.root);
    this.conmonPath = opts.conmonPath ?? '/usr/bin/conmon';
    this.mounts = mounts;
    this.exits = new ExitTracker({
      layout: this.layout,
      record: (id) => this.recordOrUndefined(id),
      known: () => this.records.values(),
      cli: (rec) => this.cli(rec.runtime),
      stopped: (rec) => this.rotator.unwatch(rec.log),
    });
  }

  /** Creates the state directories and starts watching for exits. */
  static async open(opts: ConmonRuntimeOptions): Promise<ConmonRuntime> {
    const layout = new StateLayout(opts.root);
    await mkdir(layout.exitDir, { recursive: true, mode: 0o700 });
    await mkdir(join(opts.root, 'containers'), { recursive: true, mode: 0o700 });
    const mounts = opts.cgroupMounts ?? parseCgroupMounts(await readFile('/proc/self/mountinfo', 'utf8'));
    return new ConmonRuntime(opts, mounts);
  }

  async create(launch: ContainerLaunch): Promise<MonitorHandle> {
    const { id } = launch;
    if (!SAFE_ID.test(id)) throw invalidParameter(`invalid container id ${JSON.stringify(id)}`);
    await this.clearLeftovers(id);
    const cli = this.cli(launch.runtime);
    const dir = this.layout.containerDir(id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await mkdir(cli.root, { recursive: true, mode: 0o700 });
    if (launch.log.driver !== 'none') {
      await mkdir(join(launch.log.path, '..'), { recursive: true });
      rotateIfFull(launch.log);
    }
    const args = conmonCreateArgs({
      id,
      name: launch.name,
      bundle: launch.bundle,
      runtimePath: launch.runtime.path,
      runtimeArgs: cli.globalArgs(),
      pidFile: this.layout.pidFile(id),
      monitorPidFile: this.layout.monitorPidFile(id),
      exitDir: this.layout.exitDir,
      persistDir: dir,
      terminal: launch.terminal,
      openStdin: launch.openStdin,
      stdinOnce: launch.stdinOnce,
      log: launch.log,
    });
    const mon = spawnMonitor(this.conmonPath, args, { cwd: dir });
    let pid: number;
    try {
      pid = await awaitCreated(mon, 'OCI runtime create');
    } catch (err) {
      release(mon);
      await cli.delete(id, true).catch(() => {});
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const monitorPid = mon.child.pid ?? 0;
    // conmon is our child while we live: its end is the earliest sign of an exit.
    mon.child.once('exit', () => void this.exits.monitorEnded(id));
    release(mon);
    const rec: MonitorRecord = {
      id,
      name: launch.name,
      bundle: launch.bundle,
      runtime: launch.runtime,
      terminal: launch.terminal,
      openStdin: launch.openStdin,
      stdinOnce: launch.stdinOnce,
      log: launch.log,
      pid,
      monitorPid,
      cgroups: await processCgroups(pid, this.mounts),
      createdAt: new Date().toISOString(),
    };
    await writeRecord(this.layout, rec);
    this.records.set(id, rec);
    this.rotator.watch(rec.log, rec.bundle);
    return { id, pid, monitorPid };
  }

  async start(id: string): Promise<void> {
    const rec = await this.record(id);
    const cli = this.cli(rec.runtime);
    if (rec.runtime.name === 'runc' && (await startThroughExecFifo(cli.root, id, rec.pid))) return;
    if (rec.runtime.name === 'crun' && startCrunThroughExecFifo(cli.root, id)) return;
    await cli.start(id);
  }

  async attach(id: string, opts: AttachOptions): Promise<AttachSession> {
    const rec = await this.record(id);
    return ConmonAttach.open(join(rec.bundle, 'attach'), opts);
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    const rec = await this.record(id);
    if (!rec.terminal) return;
    resizeTerminal(rec.bundle, height, width);
  }

  async kill(id: string, signal: number | string): Promise<void> {
    const sig = parseSignal(signal);
    const rec = await this.record(id);
    await this.cli(rec.runtime).kill(id, sig);
  }

  async pause(id: string): Promise<void> {
    const rec = await this.record(id);
    await this.cli(rec.runtime).pause(id);
  }

  async resume(id: string): Promise<void> {
    const rec = await this.record(id);
    await this.cli(rec.runtime).resume(id);
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    const rec = await this.recordOrUndefined(id);
    if (!rec) return undefined;
    return this.cli(rec.runtime).state(id);
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const rec = await this.recordOrUndefined(id);
    if (!rec) {
      await rm(this.layout.exitFile(id), { force: true });
      return;
    }
    const cleanup = this.exits.cleanupOf(id);
    if (cleanup) {
      // It exited and `runtime delete` is under way: the files go when it is done, without
      // holding up the caller (a re-create of the id waits for it).
      this.rotator.unwatch(rec.log);
      if (!this.removals.has(id)) {
        const removal = cleanup.then(() => this.removeFiles(rec)).finally(() => this.removals.delete(id));
        this.removals.set(id, removal);
      }
      return;
    }
    const cli = this.cli(rec.runtime);
    const st = await cli.state(id);
    const live = st !== undefined && (st.status === 'running' || st.status === 'paused');
    if (live && !opts.force) {
      throw conflict(`You cannot remove a ${st.status} container ${id}. Stop the container before attempting removal or force remove`);
    }
    await cli.delete(id, opts.force === true || st?.status === 'created' || st?.status === 'creating');
    // A killed container's monitor records the exit: report it before the files go.
    if (await waitGone(rec.monitorPid, EXIT_GRACE_MS)) await this.exits.check(id);
    else log.warn('monitor did not exit after its container was deleted', { id, pid: rec.monitorPid });
    await this.exits.cleanupOf(id);
    this.rotator.unwatch(rec.log);
    await this.removeFiles(rec);
  }

  async update(id: string, resources: OciLinuxResources): Promise<void> {
    const rec = await this.record(id);
    await this.cli(rec.runtime).update(id, resources);
  }

  async exec(id: string, opts: ExecOptions): Promise<ExecSession> {
    const rec = await this.record(id);
    const cli = this.cli(rec.runtime);
    const execId = randomBytes(8).toString('hex');
    // Without a terminal, two files beside the container's (no directory to make and remove on
    // the way of `exec true`); conmon (tty) needs a directory of its own.
    if (!opts.tty) {
      const base = join(this.layout.containerDir(id), `exec-${execId}`);
      const paths = { processFile: `${base}.json`, pidFile: `${base}.pid` };
      const cleanup = () => Promise.all([rm(paths.processFile, { force: true }), rm(paths.pidFile, { force: true })]).catch(() => {});
      try {
        const session = await execDirect(cli, id, paths, opts);
        session.exitCode.then(cleanup, cleanup);
        return session;
      } catch (err) {
        await cleanup();
        throw err;
      }
    }
    const dir = join(this.layout.containerDir(id), `exec-${execId}`);
    await mkdir(dir, { mode: 0o700 });
    const processFile = join(dir, 'process.json');
    const pidFile = join(dir, 'pid');
    await writeFile(processFile, JSON.stringify({ ...opts.process, terminal: opts.tty }));
    const cleanup = () => rm(dir, { recursive: true, force: true }).catch(() => {});
    try {
      const session = await execTty(this.conmonPath, cli, id, { dir, processFile, pidFile, execId }, opts);
      session.exitCode.then(cleanup, cleanup);
      return session;
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  onExit(listener: (exit: ExitEvent) => void): () => void {
    return this.exits.onExit(listener);
  }

  async recover(ids: readonly string[]): Promise<Recovered[]> {
    const out: Recovered[] = [];
    for (const id of ids) {
      const r = await recoverOne(id, {
        layout: this.layout,
        cli: (rec) => this.cli(rec.runtime),
        readRecord: (i) => readRecord(this.layout, i),
        isMonitor: isMonitorOf,
      });
      if (r.result.status === 'exited') {
        const rec = await this.recordOrUndefined(id);
        if (rec) await this.exits.recovered(rec);
      } else if (r.record) {
        this.records.set(id, r.record);
        this.rotator.watch(r.record.log, r.record.bundle);
      }
      out.push(r.result);
    }
    return out;
  }

  async stats(id: string): Promise<CgroupSample> {
    const rec = await this.record(id);
    return readCgroupStats(rec.cgroups);
  }

  readLogs(cfg: LogConfig, opts: LogReadOptions): AsyncIterable<LogEntry[]> {
    return readLogs(cfg, opts);
  }

  sweepCgroups(parent: string, keep: ReadonlySet<string>): Promise<string[]> {
    return sweepOrphanCgroups(this.mounts, { parent, keep, minAgeMs: CGROUP_SWEEP_GRACE_MS });
  }

  async close(): Promise<void> {
    this.rotator.close();
    await this.exits.close();
    await Promise.allSettled(this.removals.values());
  }

  private cli(binary: MonitorRecord['runtime']): OciCli {
    return new OciCli(binary, this.layout.ociRoot(binary.name));
  }

  /** The record of a container the driver has and that is not being deleted. */
  private async recordOrUndefined(id: string): Promise<MonitorRecord | undefined> {
    if (!SAFE_ID.test(id) || this.removals.has(id)) return undefined;
    const cached = this.records.get(id);
    if (cached) return cached;
    const rec = await readRecord(this.layout, id);
    if (rec) this.records.set(id, rec);
    return rec;
  }

  private async record(id: string): Promise<MonitorRecord> {
    const rec = await this.recordOrUndefined(id);
    if (!rec) throw notFound(`No such container: ${id}`);
    return rec;
  }

  /** A previous run of the same id (restart): its runtime state, monitor files and exit file. */
  private async clearLeftovers(id: string): Promise<void> {
    await this.removals.get(id);
    const rec = await this.recordOrUndefined(id);
    if (rec) {
      const cleanup = this.exits.cleanupOf(id);
      if (cleanup) await cleanup;
      else {
        const cli = this.cli(rec.runtime);
        const st = await cli.state(id);
        if (st && (st.status === 'running' || st.status === 'paused')) throw conflict(`container ${id} is already running`);
        await cli.delete(id, true);
        if (await isMonitorOf(rec.monitorPid, id)) await waitGone(rec.monitorPid, EXIT_GRACE_MS);
      }
      this.rotator.unwatch(rec.log);
      await this.removeFiles(rec);
    } else {
      await rm(this.layout.exitFile(id), { force: true });
    }
  }

  private async removeFiles(rec: MonitorRecord): Promise<void> {
    this.records.delete(rec.id);
    this.exits.forget(rec.id);
    await rm(this.layout.containerDir(rec.id), { recursive: true, force: true });
    await rm(this.layout.exitFile(rec.id), { force: true });
    for (const f of ['attach', 'ctl', 'winsz']) {
      await rm(join(rec.bundle, f), { force: true }).catch((err) => {
        if (errnoCode(err) !== 'ENOENT') throw err;
      });
    }
  }
}
