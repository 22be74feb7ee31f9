// The benchmark workloads. Each runs on every started engine through the same docker CLI (or the
// same small API client) and returns series of samples per engine. To add one (containers,
// networks, registries in later issues), write a Workload and append it to WORKLOADS.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DOCKER, descendants, type Engine, type EngineKind, runCommand } from '../test/e2e/harness.ts';
import { timeRequests } from './api-client.ts';
import type { BenchHostNet } from './net-host.ts';
import type { Stat } from './stats.ts';

export type Unit = 's' | 'ms' | 'MB' | 'MB/s';

/**
 * A goal of issue 3 for wharfd, checked on one summary of a series: against another engine's
 * figure (a ratio wharfd ÷ `vs`) or, without `vs`, against an absolute figure in the series' unit.
 */
export interface Goal {
  /** How the issue states it, e.g. "run latency ≤ 0.4× dockerd". */
  text: string;
  stat: Stat;
  vs?: EngineKind;
  /** Met when the ratio (or value) is at most this... */
  max?: number;
  /** ...or at least this. */
  min?: number;
}

export interface Series {
  /** What was measured, e.g. "docker load". */
  label: string;
  unit: Unit;
  /** Which summaries to report (minima where the work is filesystem-bound). */
  stats: Stat[];
  samples: Map<EngineKind, number[]>;
  /** Engines that failed this workload, with the first line of their error. */
  errors: Map<EngineKind, string>;
  /** Throughputs: a larger figure is better (ratios above 1× favour wharfd). */
  higherIsBetter?: boolean;
  goal?: Goal;
}

export interface BenchImage {
  ref: string;
  archive: string;
  sizeMB: number;
}

export interface BenchContext {
  engines: Engine[];
  reps: number;
  requests: number;
  scratch: string;
  debian: BenchImage;
  busybox: BenchImage;
  /** The busybox rootfs tar every engine imported (`docker import`) as BUSYBOX. */
  busyboxRootfs: string;
  log(msg: string): void;
  /** A line for the report's notes (what was observed: monitors, runtimes, checks). */
  note(msg: string): void;
  /** The bridges and host address of the network workloads (made when a `bridged` one runs). */
  hostNet?: BenchHostNet;
}

/** The image the container workloads run: the same busybox rootfs tar, `docker import`ed by each engine. */
export const BUSYBOX = 'busybox:latest';

export interface Workload {
  name: string;
  /** BENCH_ONLY takes a group to select all its workloads (e.g. `net`). */
  group?: string;
  /**
   * Needs every engine on a default bridge of its own: run.ts then (re)starts dockerd and podman
   * with one (by default the bench runs dockerd with --bridge=none and no iptables).
   */
  bridged?: boolean;
  describe(ctx: BenchContext): string;
  run(ctx: BenchContext): Promise<Series[]>;
}

export function newSeries(label: string, unit: Unit, stats: Stat[], extra: { goal?: Goal; higherIsBetter?: boolean } = {}): Series {
  return { label, unit, stats, samples: new Map(), errors: new Map(), ...extra };
}

/** The gist of an error: its first line, plus the command's stderr when a CLI failed. */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const first = text.split('\n').find((l) => l.trim()) ?? '';
  const stderr = /--- stderr\n([\s\S]*)$/.exec(text)?.[1]?.trim().split('\n')[0];
  return stderr ? `${first}: ${stderr}` : first;
}

/** Records an engine's failure on every series of a workload (it is dropped from them). */
function fail(ctx: BenchContext, series: Series[], e: Engine, err: unknown): void {
  for (const s of series) s.errors.set(e.kind, firstLine(err));
  ctx.log(`  ${e.kind}: ${firstLine(err)}`);
}

function record(series: Series[], e: Engine, values: number[]): void {
  series.forEach((s, i) => {
    const list = s.samples.get(e.kind) ?? [];
    list.push(values[i]!);
    s.samples.set(e.kind, list);
  });
}

/**
 * Runs `fn` reps × engines (ctx.reps unless given), rotating the engine order each rep so no
 * engine always goes first (or always runs right after the heaviest one), after `warmup`
 * uncounted runs per engine (rep < 0). `fn` returns one value per series. An engine that fails
 * once is dropped.
 */
export async function interleaveAll(
  ctx: BenchContext,
  series: Series[],
  fn: (e: Engine, rep: number) => Promise<number[]>,
  opts: { reps?: number; warmup?: number } = {},
): Promise<void> {
  const reps = opts.reps ?? ctx.reps;
  const failed = (e: Engine) => series[0]!.errors.has(e.kind);
  for (const e of ctx.engines) {
    for (let i = 0; i < (opts.warmup ?? 0) && !failed(e); i++) {
      await fn(e, -1 - i).catch((err: unknown) => fail(ctx, series, e, err));
    }
  }
  for (let rep = 0; rep < reps; rep++) {
    const n = ctx.engines.length;
    for (let i = 0; i < n; i++) {
      const e = ctx.engines[(i + rep) % n]!;
      if (failed(e)) continue;
      try {
        record(series, e, await fn(e, rep));
      } catch (err) {
        fail(ctx, series, e, err);
      }
    }
    if (reps <= 5 || (rep + 1) % 5 === 0 || rep + 1 === reps) ctx.log(`  ${series[0]!.label}: rep ${rep + 1}/${reps}`);
  }
}

export function interleave(
  ctx: BenchContext,
  series: Series,
  fn: (e: Engine, rep: number) => Promise<number>,
  opts: { reps?: number; warmup?: number } = {},
): Promise<void> {
  return interleaveAll(ctx, [series], async (e, rep) => [await fn(e, rep)], opts);
}

/** Once per engine, for workloads that are not repeated across engines: `fn` gives each series' samples. */
async function eachAll(ctx: BenchContext, series: Series[], fn: (e: Engine) => Promise<number[][]>): Promise<void> {
  for (const e of ctx.engines) {
    try {
      const lists = await fn(e);
      for (const [i, s] of series.entries()) s.samples.set(e.kind, lists[i]!);
    } catch (err) {
      fail(ctx, series, e, err);
    }
  }
}

function each(ctx: BenchContext, series: Series, fn: (e: Engine) => Promise<number[]>): Promise<void> {
  return eachAll(ctx, [series], async (e) => [await fn(e)]);
}

/** Flushes dirty pages so one engine's writeback does not land in the next one's timing. */
export async function settle(): Promise<void> {
  await runCommand('sync', [], process.env);
}

async function timedDocker(e: Engine, args: string[]): Promise<number> {
  const started = performance.now();
  await e.dockerOk(args);
  return (performance.now() - started) / 1000;
}

export async function hasImage(e: Engine, ref: string): Promise<boolean> {
  return (await e.docker(['image', 'inspect', '--format', '{{.Id}}', ref])).code === 0;
}

export async function ensureImage(e: Engine, img: BenchImage): Promise<void> {
  if (!(await hasImage(e, img.ref))) await e.dockerOk(['load', '-q', '-i', img.archive]);
}

export async function removeImage(e: Engine, ref: string): Promise<void> {
  if (await hasImage(e, ref)) await e.dockerOk(['rmi', '-f', ref]);
}

/** Resident memory of a process and all its descendants, in MB. */
export function treeRssMB(pid: number): number {
  let kb = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {} // exited meanwhile
  }
  return kb / 1024;
}

// ---- containers (issue 3) ----

const NO_NET = ['--network', 'none'];
const API = '/v1.41';
const RUN_REPS = 15;
const LIFECYCLE_REPS = 15;
const EXEC_REPS = 20;
const PARALLEL = 20;
const PARALLEL_REPS = 3;
const MONITOR_CONTAINERS = 20;
const ATTACH_BYTES = 200 * 2 ** 20;
const ATTACH_REPS = 5;
const LOG_BYTES = 50 * 2 ** 20;
/** 99 characters: with yes's newline, a 100-byte line, 524,288 of them in 50 MiB. */
const LOG_LINE = '0123456789'.repeat(10).slice(0, 99);
const LOGS_REPS = 5;

async function runDetached(e: Engine, cmd: string[]): Promise<string> {
  return (await e.dockerOk(['run', '-d', ...NO_NET, BUSYBOX, ...cmd])).trim();
}

/** Starts `n` detached `sleep` containers at once; throws (after removing what started) if any failed. */
async function runDetachedParallel(e: Engine, n: number): Promise<string[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, () => runDetached(e, ['sleep', '3600'])));
  const ids = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    await removeContainers(e, ids);
    throw failed.reason;
  }
  return ids;
}

/** Force-removes containers; a failure is the next workload's problem, not this one's figure. */
async function removeContainers(e: Engine, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 50) await e.docker(['rm', '-f', ...ids.slice(i, i + 50)]);
}

/** A command's byte count on stdout, through a pipe into `wc -c` (checks a workload's data arrived whole). */
async function bytesOut(e: Engine, args: string[]): Promise<number> {
  const r = await runCommand('bash', ['-c', 'set -o pipefail; "$@" | wc -c', 'bash', DOCKER, ...args], e.cliEnv());
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} | wc -c exited ${r.code}: ${r.stderr.trim()}`);
  return Number(r.stdout.trim());
}

/** Runs the docker CLI with stdout on /dev/null; returns seconds. */
async function timedToNull(e: Engine, args: string[]): Promise<number> {
  const started = performance.now();
  const r = await runCommand(DOCKER, args, e.cliEnv(), { stdoutFile: '/dev/null' });
  const secs = (performance.now() - started) / 1000;
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}\n--- stderr\n${r.stderr}`);
  return secs;
}

function parentPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** A field of /proc/<pid>/smaps_rollup (Pss, Rss, ...) in kB. */
function smapsKB(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/smaps_rollup`);
  return Number(m[1]);
}

/** A monitor's program and the OCI runtime it drives, from its command line (conmon's -r; the runc shim runs runc). */
function describeMonitor(pid: number): string {
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
  const program = argv[0] ?? '?';
  const r = argv.indexOf('-r') >= 0 ? argv.indexOf('-r') : argv.indexOf('--runtime');
  const runtime = r >= 0 && argv[r + 1] ? argv[r + 1]! : program.includes('containerd-shim-runc') ? 'runc (io.containerd.runc.v2)' : '?';
  return `${program}, runtime ${runtime}`;
}

const CONTAINER_WORKLOADS: Workload[] = [
  {
    name: 'run',
    describe: () => `docker run --rm --network none ${BUSYBOX} true: CLI wall time, ${RUN_REPS} reps per engine after 2 warm-ups`,
    async run(ctx) {
      const s = newSeries('run --rm true', 'ms', ['median', 'min'], {
        goal: { text: 'run latency ≤ 0.4× dockerd', stat: 'median', vs: 'dockerd', max: 0.4 },
      });
      await interleave(ctx, s, async (e) => 1000 * (await timedDocker(e, ['run', '--rm', ...NO_NET, BUSYBOX, 'true'])), {
        reps: RUN_REPS,
        warmup: 2,
      });
      return [s];
    },
  },
  {
    name: 'lifecycle',
    describe: () =>
      `the API calls of a run, each timed: POST /containers/create (${BUSYBOX} true, network none), /start, /wait, DELETE; ${LIFECYCLE_REPS} reps`,
    async run(ctx) {
      const series = [
        newSeries('API create', 'ms', ['median']),
        newSeries('API start', 'ms', ['median']),
        newSeries('API wait (true runs)', 'ms', ['median']),
        newSeries('API delete', 'ms', ['median']),
        newSeries('API create+start+wait+delete', 'ms', ['median']),
      ];
      await interleaveAll(
        ctx,
        series,
        async (e) => {
          const t0 = performance.now();
          const c = await e.api('POST', `${API}/containers/create`, { Image: BUSYBOX, Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
          if (c.status !== 201) throw new Error(`create: ${c.status} ${c.text.trim()}`);
          const id = c.json<{ Id: string }>().Id;
          try {
            const t1 = performance.now();
            const st = await e.api('POST', `${API}/containers/${id}/start`);
            if (st.status !== 204) throw new Error(`start: ${st.status} ${st.text.trim()}`);
            const t2 = performance.now();
            const w = await e.api('POST', `${API}/containers/${id}/wait`);
            if (w.status !== 200 || w.json<{ StatusCode: number }>().StatusCode !== 0) throw new Error(`wait: ${w.status} ${w.text.trim()}`);
            const t3 = performance.now();
            const d = await e.api('DELETE', `${API}/containers/${id}`);
            if (d.status !== 204) throw new Error(`delete: ${d.status} ${d.text.trim()}`);
            const t4 = performance.now();
            return [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0];
          } catch (err) {
            await e.api('DELETE', `${API}/containers/${id}?force=1`).catch(() => {});
            throw err;
          }
        },
        { reps: LIFECYCLE_REPS, warmup: 1 },
      );
      return series;
    },
  },
  {
    name: 'exec',
    describe: () => `docker exec <id> true in a running ${BUSYBOX} sleep container: CLI wall time, ${EXEC_REPS} reps after 2 warm-ups`,
    async run(ctx) {
      const s = newSeries('exec true', 'ms', ['median', 'min'], {
        goal: { text: 'exec latency ≤ 0.5× dockerd', stat: 'median', vs: 'dockerd', max: 0.5 },
      });
      const ids = new Map<EngineKind, string>();
      try {
        for (const e of ctx.engines) {
          await runDetached(e, ['sleep', '3600']).then(
            (id) => ids.set(e.kind, id),
            (err: unknown) => fail(ctx, [s], e, err),
          );
        }
        await interleave(ctx, s, async (e) => 1000 * (await timedDocker(e, ['exec', ids.get(e.kind)!, 'true'])), {
          reps: EXEC_REPS,
          warmup: 2,
        });
      } finally {
        for (const e of ctx.engines) if (ids.has(e.kind)) await removeContainers(e, [ids.get(e.kind)!]);
      }
      return [s];
    },
  },
  {
    name: 'parallel',
    describe: () =>
      `${PARALLEL} docker run -d --network none ${BUSYBOX} sleep 3600 launched at once: wall time until every CLI returned (removed between reps), ${PARALLEL_REPS} reps`,
    async run(ctx) {
      const s = newSeries(`${PARALLEL} parallel run -d`, 's', ['median', 'min'], {
        goal: { text: `parallel starts ≥ 2× dockerd's rate (wall time ≤ 0.5×)`, stat: 'median', vs: 'dockerd', max: 0.5 },
      });
      await interleave(
        ctx,
        s,
        async (e) => {
          const started = performance.now();
          const ids = await runDetachedParallel(e, PARALLEL);
          const secs = (performance.now() - started) / 1000;
          await removeContainers(e, ids);
          return secs;
        },
        { reps: PARALLEL_REPS },
      );
      return [s];
    },
  },
  {
    name: 'monitor',
    describe: () =>
      `memory of the per-container monitor (the parent of the container's init: conmon for wharfd and podman, containerd-shim-runc-v2 for dockerd), ` +
      `summed over ${MONITOR_CONTAINERS} idle sleep containers of one engine (the others have none) ÷ ${MONITOR_CONTAINERS}, ` +
      'from /proc/<pid>/smaps_rollup 2 s after start, 5 readings (PSS splits shared pages among every process mapping them, ' +
      'so it depends on how many monitors run on the machine; RSS counts them whole)',
    async run(ctx) {
      const pss = newSeries('monitor PSS / container', 'MB', ['median'], {
        goal: { text: 'monitor ≤ 0.5 MB PSS per container', stat: 'median', max: 0.5 },
      });
      const rss = newSeries('monitor RSS / container', 'MB', ['median']);
      await eachAll(ctx, [pss, rss], async (e) => {
        const ids = await runDetachedParallel(e, MONITOR_CONTAINERS);
        try {
          await sleep(2000);
          const pids = (await e.dockerOk(['inspect', '--format', '{{.State.Pid}}', ...ids])).trim().split('\n').map(Number);
          const monitors = [...new Set(pids.map(parentPid))];
          if (monitors.length !== ids.length) throw new Error(`${ids.length} containers but ${monitors.length} distinct monitor processes`);
          const kinds = new Set(monitors.map(describeMonitor));
          ctx.note(`- monitor on ${e.kind}: ${[...kinds].join('; ')} (one per container)`);
          const out: number[][] = [[], []];
          for (let i = 0; i < 5; i++) {
            out[0]!.push(monitors.reduce((sum, m) => sum + smapsKB(m, 'Pss'), 0) / ids.length / 1024);
            out[1]!.push(monitors.reduce((sum, m) => sum + smapsKB(m, 'Rss'), 0) / ids.length / 1024);
            await sleep(200);
          }
          return out;
        } finally {
          await removeContainers(e, ids);
        }
      });
      return [pss, rss];
    },
  },
  {
    name: 'attach',
    describe: () =>
      `docker run --rm --network none ${BUSYBOX} sh -c 'head -c ${ATTACH_BYTES} /dev/zero' (200 MiB through the attach stream) with stdout on /dev/null; ` +
      `MB/s (10^6 B) over the whole command; a warm-up per engine piped into wc -c checks every byte arrives; ${ATTACH_REPS} reps`,
    async run(ctx) {
      const s = newSeries('attach 200 MiB stdout', 'MB/s', ['median'], {
        higherIsBetter: true,
        goal: { text: 'attach at least as fast as podman', stat: 'median', vs: 'podman', min: 1 },
      });
      const args = ['run', '--rm', ...NO_NET, BUSYBOX, 'sh', '-c', `head -c ${ATTACH_BYTES} /dev/zero`];
      await interleave(
        ctx,
        s,
        async (e, rep) => {
          if (rep < 0) {
            const n = await bytesOut(e, args);
            if (n !== ATTACH_BYTES) throw new Error(`attach delivered ${n} bytes of ${ATTACH_BYTES}`);
            return 0;
          }
          return ATTACH_BYTES / 1e6 / (await timedToNull(e, args));
        },
        { reps: ATTACH_REPS, warmup: 1 },
      );
      return [s];
    },
  },
  {
    name: 'logs',
    describe: () =>
      `docker logs <id> >/dev/null of a stopped container that wrote 50 MiB of 100-byte lines (yes | head -c ${LOG_BYTES}); ` +
      `a warm-up per engine piped into wc -c checks the size; ${LOGS_REPS} reps`,
    async run(ctx) {
      const s = newSeries('logs of 50 MiB', 'ms', ['median', 'min'], {
        goal: { text: 'logs at least as fast as podman', stat: 'median', vs: 'podman', max: 1 },
      });
      const ids = new Map<EngineKind, string>();
      try {
        for (const e of ctx.engines) {
          try {
            const started = performance.now();
            const id = await runDetached(e, ['sh', '-c', `yes ${LOG_LINE} | head -c ${LOG_BYTES}`]);
            ids.set(e.kind, id);
            const code = (await e.dockerOk(['wait', id])).trim();
            if (code !== '0') throw new Error(`the log writer exited ${code}`);
            ctx.log(`  ${e.kind}: 50 MiB logged in ${((performance.now() - started) / 1000).toFixed(1)} s`);
          } catch (err) {
            fail(ctx, [s], e, err);
          }
        }
        await interleave(
          ctx,
          s,
          async (e, rep) => {
            const id = ids.get(e.kind)!;
            if (rep < 0) {
              const n = await bytesOut(e, ['logs', id]);
              if (n !== LOG_BYTES) throw new Error(`docker logs gave ${n} bytes of ${LOG_BYTES}`);
              return 0;
            }
            return 1000 * (await timedToNull(e, ['logs', id]));
          },
          { reps: LOGS_REPS, warmup: 1 },
        );
      } finally {
        for (const e of ctx.engines) if (ids.has(e.kind)) await removeContainers(e, [ids.get(e.kind)!]);
      }
      return [s];
    },
  },
];

export const WORKLOADS: Workload[] = [
  {
    name: 'load',
    describe: (ctx) => `docker load -i of the Debian image (${ctx.debian.sizeMB.toFixed(0)} MB docker-save tar), removed between reps`,
    async run(ctx) {
      const s = newSeries('docker load', 's', ['median', 'min']);
      for (const e of ctx.engines) await removeImage(e, ctx.debian.ref);
      await runCommand('cat', [ctx.debian.archive], process.env, { stdoutFile: '/dev/null' }); // warm the page cache
      await interleave(ctx, s, async (e) => {
        await settle();
        const t = await timedDocker(e, ['load', '-i', ctx.debian.archive]);
        await removeImage(e, ctx.debian.ref);
        return t;
      });
      return [s];
    },
  },
  {
    name: 'save',
    describe: (ctx) => `docker save -o of the Debian image (${ctx.debian.sizeMB.toFixed(0)} MB) to a file, deleted between reps`,
    async run(ctx) {
      const s = newSeries('docker save', 's', ['median', 'min']);
      for (const e of ctx.engines) await ensureImage(e, ctx.debian).catch((err) => s.errors.set(e.kind, firstLine(err)));
      await interleave(ctx, s, async (e) => {
        const out = join(ctx.scratch, `save-${e.kind}.tar`);
        await settle();
        const t = await timedDocker(e, ['save', '-o', out, ctx.debian.ref]);
        await rm(out, { force: true });
        return t;
      });
      return [s];
    },
  },
  {
    name: 'api-ping',
    describe: (ctx) => `GET /_ping, ${ctx.requests} sequential requests on one keep-alive connection`,
    async run(ctx) {
      const s = newSeries('GET /_ping', 'ms', ['median', 'p99']);
      await each(ctx, s, (e) => timeRequests(e.socket, '/_ping', ctx.requests));
      return [s];
    },
  },
  {
    name: 'api-images',
    describe: (ctx) => `GET /v1.41/images/json with the busybox and Debian images, ${ctx.requests} sequential requests`,
    async run(ctx) {
      const s = newSeries('GET /images/json', 'ms', ['median', 'p99']);
      await each(ctx, s, async (e) => {
        await ensureImage(e, ctx.busybox);
        await ensureImage(e, ctx.debian);
        return timeRequests(e.socket, '/v1.41/images/json', ctx.requests);
      });
      return [s];
    },
  },
  ...CONTAINER_WORKLOADS,
  {
    name: 'cold-start',
    describe: () => "daemon start (spawn to first 200 from /_ping) on a data root holding the run's images (Debian, busybox) and no containers; dockerd includes its containerd",
    async run(ctx) {
      const s = newSeries('cold start', 'ms', ['median', 'min'], {
        goal: { text: 'cold start ≤ 0.3× dockerd', stat: 'median', vs: 'dockerd', max: 0.3 },
      });
      await interleave(ctx, s, async (e) => {
        await e.stop('SIGTERM');
        await e.start();
        return e.lastStartMs;
      });
      return [s];
    },
  },
  {
    name: 'idle-rss',
    describe: () => 'resident memory of the daemon process tree 3 s after start (dockerd + containerd)',
    async run(ctx) {
      const s = newSeries('idle RSS', 'MB', ['median'], {
        goal: { text: 'idle RSS ≤ 0.5× dockerd+containerd', stat: 'median', vs: 'dockerd', max: 0.5 },
      });
      await each(ctx, s, async (e) => {
        await e.restart('SIGTERM');
        await sleep(3000);
        const samples: number[] = [];
        for (let i = 0; i < 5; i++) {
          samples.push(treeRssMB(e.pid!));
          await sleep(200);
        }
        return samples;
      });
      return [s];
    },
  },
];
