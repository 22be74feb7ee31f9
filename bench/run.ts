// Wharf's benchmark: wharfd, dockerd and podman side by side in one run, driven by the same docker
// CLI (DOCKER_HOST per engine) and the same small API client. Each engine gets its own data root
// under a temp dir and its own socket (/run/bench-<engine>.sock); everything started is stopped by
// PID and its roots removed at the end.
//
//   node bench/run.ts [--engines wharfd,dockerd,podman] [--only load,save,...] [--reps 5]
//   (BENCH_ONLY=push,pull is --only from the environment: `BENCH_ONLY=push,pull make bench`)
//                     [--requests 2000] [--out bench/results] [--cgroup-fix]
//
// --reps applies to the image workloads; the container workloads (issue 3: run, lifecycle, exec,
// parallel, monitor, attach, logs) use the repetition counts their descriptions give. Every
// engine first imports the same busybox rootfs tar (`docker import`) and must run a container:
// podman's default crun refuses this host's hybrid cgroups, so podman is then restarted with
// `--runtime runc`, and the report names each engine's OCI runtime and the cgroup layout.
// The report ends with issue 3's goals for wharfd, each marked met or not met.
//
// The network workloads (issue 4; `--only net` selects the group) run last: dockerd and podman
// are then restarted with a default bridge of their own (dockerd otherwise runs with
// --bridge=none and no iptables), and what they leave on the host is taken back at the end
// (bench/net-host.ts).
//
// --cgroup-fix (or `make bench BENCH_CGROUP_FIX=1`) starts wharfd first, with --cgroup-hybrid-fix:
// on this host it mounts hugetlb as a v1 hierarchy, which empties cgroup2's controllers, so every
// engine of the run (podman included) runs on that layout and crun works. This changes the host's
// cgroup layout until the next reboot (as a systemd hybrid boot would have): opt-in, never in CI.
//
// make bench installs docker.io and podman first (scripts/deps.sh --bench).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CmdResult, DOCKER, type Engine, type EngineKind, ping, REPO, startEngine } from '../test/e2e/harness.ts';
import {
  BUSYBOX_IMAGE_REF,
  busyboxImageArchive,
  busyboxRootfsTar,
  DEBIAN_IMAGE_REF,
  debianImageArchive,
} from '../test/fixtures/index.ts';
import { ENGINE_ORDER, renderErrors, renderGoals, renderTable, type WorkloadResult } from './report.ts';
import { BUSYBOX, type BenchContext, WORKLOADS as BASE_WORKLOADS } from './workloads.ts';
import { REGISTRY_WORKLOADS } from './registry.ts';
import { BUILD_WORKLOADS } from './build.ts';
import { NET_WORKLOADS } from './net.ts';
import { BenchHostNet } from './net-host.ts';

// The bridged (network) workloads last: engines are restarted for them.
const WORKLOADS = [...BASE_WORKLOADS, ...REGISTRY_WORKLOADS, ...BUILD_WORKLOADS, ...NET_WORKLOADS];

const { values: opts } = parseArgs({
  options: {
    engines: { type: 'string', default: ENGINE_ORDER.join(',') },
    only: { type: 'string', ...(process.env['BENCH_ONLY'] ? { default: process.env['BENCH_ONLY'] } : {}) },
    reps: { type: 'string', default: '5' },
    requests: { type: 'string', default: '2000' },
    out: { type: 'string', default: join(REPO, 'bench/results') },
    'cgroup-fix': { type: 'boolean', default: !['', '0', 'false', 'no'].includes(process.env['BENCH_CGROUP_FIX'] ?? '') },
  },
});

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const binaries: Record<EngineKind, string> = { wharfd: join(REPO, 'bin/wharfd'), dockerd: 'dockerd', podman: 'podman' };
/** Daemon flags each engine was started with (podman may get --runtime runc), kept for a restart. */
const engineArgs = new Map<EngineKind, string[]>();
/** The network workloads' bridges and host address, when one is selected. */
let hostNet: BenchHostNet | undefined;
/** Whether dockerd and podman run with their own bridges (hostNet's flags) now. */
let bridged = false;

function argsFor(kind: EngineKind): string[] {
  return [...(engineArgs.get(kind) ?? []), ...(bridged && hostNet ? hostNet.args(kind) : [])];
}

function which(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v "$1"`, 'sh', bin], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function oneLine(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]!.trim();
  } catch {
    return 'unknown';
  }
}

/**
 * The host's cgroup layout, which every engine of the run shares: cgroup v2 at /sys/fs/cgroup,
 * or hybrid (v1 hierarchies plus cgroup2 at /sys/fs/cgroup/unified, whose controllers decide
 * whether crun works), or v1.
 */
function cgroupLayout(): string {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .flatMap((line) => {
      const [pre, post] = line.split(' - ');
      const point = pre?.split(' ')[4];
      const fstype = post?.split(' ')[0];
      return point && fstype ? [{ point, fstype }] : [];
    });
  if (mounts.some((m) => m.point === '/sys/fs/cgroup' && m.fstype === 'cgroup2')) return 'cgroup v2 (unified) at /sys/fs/cgroup';
  const v1 = mounts.filter((m) => m.fstype === 'cgroup' && m.point.startsWith('/sys/fs/cgroup/')).map((m) => m.point.slice(15));
  const v2 = mounts.find((m) => m.fstype === 'cgroup2' && m.point.startsWith('/sys/fs/cgroup/'));
  if (!v2) return `cgroup v1 (${v1.join(', ')})`;
  let controllers = '?';
  try {
    controllers = readFileSync(`${v2.point}/cgroup.controllers`, 'utf8').trim() || 'none';
  } catch {}
  return `hybrid: v1 hierarchies ${v1.join(', ')}; cgroup2 at ${v2.point} with controllers: ${controllers}`;
}

/**
 * The probe every engine must pass before the container workloads: a detached busybox `true`
 * that exits 0 (detached, so a runtime failure comes back as the daemon's message, not as a
 * failed attach). Returns the problem, if any.
 */
async function probe(e: Engine): Promise<string | undefined> {
  const gist = (r: CmdResult) => r.stderr.trim().split('\n').find((l) => l.trim()) ?? `exit ${r.code}`;
  const r = await e.docker(['run', '-d', '--network', 'none', BUSYBOX, 'true']);
  const id = r.stdout.trim();
  try {
    if (r.code !== 0) return gist(r);
    const w = await e.docker(['wait', id]);
    if (w.code !== 0) return gist(w);
    return w.stdout.trim() === '0' ? undefined : `busybox true exited ${w.stdout.trim()}`;
  } finally {
    if (id) await e.docker(['rm', '-f', id]);
  }
}

/**
 * Imports the busybox rootfs into each engine as BUSYBOX (`docker import`, the same tar for all)
 * and checks it runs a container. podman picks crun by default, which refuses a hybrid cgroup
 * layout whose cgroup2 half has controllers: podman is then restarted with `--runtime runc`
 * (what wharfd falls back to by itself, and what dockerd uses), and the report says so.
 * A restarted podman replaces the old one in `engines` (so cleanup always sees the live one).
 * Returns a line per engine for the report.
 */
async function prepareEngines(engines: Engine[], rootfs: string, notes: string[]): Promise<string[]> {
  const runtimes: string[] = [];
  for (const [i, first] of engines.entries()) {
    let e = first;
    await e.dockerOk(['import', rootfs, BUSYBOX]);
    let problem = await probe(e);
    let how = '';
    if (problem && e.kind === 'podman' && /crun/.test(problem)) {
      log(`  podman with its default runtime: ${problem}; restarting it with --runtime runc`);
      how = `; its default, crun, failed on this cgroup layout ("${problem}"), so podman runs with \`--runtime runc\``;
      await e.teardown().catch((err: unknown) => log(`  podman teardown: ${err instanceof Error ? err.message : String(err)}`));
      engineArgs.set('podman', ['--runtime', 'runc']);
      e = await startEngine('bench-podman', { kind: 'podman', socket: e.socket, args: argsFor('podman') });
      engines[i] = e;
      await e.dockerOk(['import', rootfs, BUSYBOX]);
      problem = await probe(e);
    }
    if (problem) notes.push(`- ${e.kind} cannot run a busybox container: ${problem}`);
    const info = (await e.api('GET', '/v1.41/info')).json<{ DefaultRuntime?: string; Warnings?: string[] | null }>();
    const warn = (info.Warnings ?? []).find((w) => /crun|runc/.test(w));
    if (e.kind === 'wharfd' && warn) how = `; wharfd says: "${warn.replace(/^WARNING: /, '')}"`;
    if (e.kind === 'wharfd' && opts['cgroup-fix']) how += `; started with --cgroup-hybrid-fix, which logged: "${await cgroupFixLog(e)}"`;
    runtimes.push(`- ${e.kind}: **${info.DefaultRuntime ?? '?'}** (docker info DefaultRuntime)${how}`);
  }
  return runtimes;
}

/** What wharfd's --cgroup-hybrid-fix did, from its log (its summary line). */
async function cgroupFixLog(e: Engine): Promise<string> {
  const text = await readFile(e.logFile, 'utf8').catch(() => '');
  const lines = text.split('\n').flatMap((l) => {
    const m = /msg="(cgroup-hybrid-fix: [^"]*)"/.exec(l);
    return m?.[1] && !m[1].includes('mounted a cgroup v1 hierarchy') ? [m[1]] : [];
  });
  return lines.at(-1) ?? 'nothing (no cgroup-hybrid-fix line in its log)';
}

async function startEngines(kinds: EngineKind[], notes: string[]): Promise<Engine[]> {
  const started: Engine[] = [];
  // With --cgroup-fix, wharfd goes first: the others must start on the layout it leaves.
  if (opts['cgroup-fix']) kinds = [...kinds].sort((a, b) => Number(b === 'wharfd') - Number(a === 'wharfd'));
  for (const kind of kinds) {
    if (!which(binaries[kind])) {
      notes.push(`- ${kind}: not installed (make bench installs docker.io and podman)`);
      continue;
    }
    const socket = `/run/bench-${kind}.sock`;
    if (await ping(socket)) {
      notes.push(`- ${kind}: ${socket} is already served by another process (another bench?); skipped`);
      continue;
    }
    await rm(socket, { force: true }); // a stale socket file of a crashed run
    try {
      log(`starting ${kind} on ${socket}`);
      engineArgs.set(kind, kind === 'wharfd' && opts['cgroup-fix'] ? ['--cgroup-hybrid-fix'] : []);
      started.push(await startEngine(`bench-${kind}`, { kind, socket, args: argsFor(kind) }));
    } catch (err) {
      const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      notes.push(`- ${kind}: did not start: ${msg}`);
      log(`  ${kind} did not start: ${msg}`);
    }
  }
  return started;
}

/**
 * Restarts dockerd and podman (fresh roots, same sockets) with their own default bridges, for the
 * network workloads, and imports busybox again. An engine that does not come back is dropped.
 */
async function bridgeEngines(engines: Engine[], rootfs: string, notes: string[]): Promise<void> {
  bridged = true;
  for (let i = engines.length - 1; i >= 0; i--) {
    const old = engines[i]!;
    if (old.kind === 'wharfd') continue;
    log(`restarting ${old.kind} with a bridge of its own`);
    await old.teardown().catch((err: unknown) => log(`  ${old.kind} teardown: ${err instanceof Error ? err.message : String(err)}`));
    try {
      engines[i] = await startEngine(`bench-${old.kind}`, { kind: old.kind, socket: old.socket, args: argsFor(old.kind) });
      await engines[i]!.dockerOk(['import', rootfs, BUSYBOX]);
    } catch (err) {
      const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      notes.push(`- ${old.kind}: did not restart with a bridge: ${msg}`);
      await engines[i]!.teardown().catch(() => {});
      engines.splice(i, 1);
    }
  }
}

/** Each engine's default network as the report states it; podman must be on netavark for its podman.json. */
async function describeNetworks(engines: Engine[], net: BenchHostNet): Promise<string[]> {
  const lines: string[] = [];
  for (const e of engines) {
    const subnet = (await e.docker(['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', 'bridge'])).stdout.trim();
    let how = e.kind === 'wharfd' ? `bridge ${e.net.bridge} (harness; --fw-prefix ${e.net.fwPrefix})` : net.describe(e.kind);
    if (e.kind === 'podman') {
      const info = (await e.api('GET', '/v4.0.0/libpod/info')).json<{ host?: { networkBackend?: string } }>();
      const backend = info.host?.networkBackend ?? '?';
      if (backend !== 'netavark') how += `; **network backend ${backend}: the bench's podman.json is for netavark**`;
    }
    lines.push(`- default network on ${e.kind}: ${how}; \`docker network inspect bridge\` subnet: ${subnet || '?'}`);
  }
  return lines;
}

async function main(): Promise<number> {
  const kinds = opts.engines.split(',').map((s) => s.trim()) as EngineKind[];
  for (const k of kinds) if (!ENGINE_ORDER.includes(k)) throw new Error(`unknown engine ${k}`);
  if (opts['cgroup-fix'] && !kinds.includes('wharfd')) throw new Error('--cgroup-fix needs wharfd among the engines (it applies the fix)');
  const only = opts.only?.split(',').map((s) => s.trim());
  const workloads = only ? WORKLOADS.filter((w) => only.includes(w.name) || (w.group !== undefined && only.includes(w.group))) : WORKLOADS;
  const unknown = only?.filter((o) => !WORKLOADS.some((w) => w.name === o || w.group === o)) ?? [];
  if (unknown.length > 0) {
    const groups = [...new Set(WORKLOADS.flatMap((w) => (w.group ? [w.group] : [])))];
    throw new Error(`unknown workload ${unknown.join(', ')}; known: ${WORKLOADS.map((w) => w.name).join(', ')}; groups: ${groups.join(', ')}`);
  }

  log('preparing fixtures (the Debian rootfs is built once and cached)');
  const [debianArchive, busyboxArchive, busyboxRootfs] = await Promise.all([
    debianImageArchive(),
    busyboxImageArchive(),
    busyboxRootfsTar(),
  ]);
  const sizeMB = async (p: string) => (await stat(p)).size / 1e6;
  const notes: string[] = [];
  // Named like the harness's temp dirs, with an owner.pid, so a later run sweeps it if this one dies.
  const scratch = await mkdtemp(join(tmpdir(), 'wharf-e2e-bench-files-'));
  await writeFile(join(scratch, 'owner.pid'), String(process.pid));
  let engines: Engine[] = [];
  let stopping = false;
  const cleanup = async () => {
    await Promise.allSettled(engines.map((e) => e.teardown()));
    for (const p of hostNet?.close() ?? []) notes.push(`- host network clean-up: ${p}`);
    await rm(scratch, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping engines`);
    cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const results: WorkloadResult[] = [];
  const versions: string[] = [];
  const observed: string[] = [];
  let runtimes: string[] = [];
  const started = new Date();
  const layoutHost = cgroupLayout();
  let layoutBefore = layoutHost;
  const loadBefore = loadavg()[0]!;
  let layoutAfter = layoutBefore;
  try {
    if (workloads.some((w) => w.bridged)) {
      hostNet = await BenchHostNet.create(scratch);
      bridged = workloads.every((w) => w.bridged); // else restarted before the first bridged one
    }
    engines = await startEngines(kinds, notes);
    // The layout the engines run on (wharfd's --cgroup-hybrid-fix may have just changed it).
    layoutBefore = cgroupLayout();
    layoutAfter = layoutBefore;
    if (engines.length === 0) throw new Error(`no engine started:\n${notes.join('\n')}`);
    log(`importing ${BUSYBOX} into each engine and running a container`);
    runtimes = await prepareEngines(engines, busyboxRootfs, notes);
    for (const e of engines) {
      const v = (await e.api('GET', '/version')).json<{ Version: string; ApiVersion: string }>();
      versions.push(`${e.kind} ${v.Version} (API ${v.ApiVersion})`);
    }
    const ctx: BenchContext = {
      engines,
      reps: Number(opts.reps),
      requests: Number(opts.requests),
      scratch,
      debian: { ref: DEBIAN_IMAGE_REF, archive: debianArchive, sizeMB: await sizeMB(debianArchive) },
      busybox: { ref: BUSYBOX_IMAGE_REF, archive: busyboxArchive, sizeMB: await sizeMB(busyboxArchive) },
      busyboxRootfs,
      log,
      note: (msg) => observed.push(msg),
      ...(hostNet ? { hostNet } : {}),
    };
    let networksShown = false;
    for (const w of workloads) {
      if (w.bridged && hostNet && !networksShown) {
        if (!bridged) await bridgeEngines(engines, busyboxRootfs, notes);
        observed.push(...(await describeNetworks(engines, hostNet)));
        networksShown = true;
      }
      log(`== ${w.name}: ${w.describe(ctx)}`);
      const t = performance.now();
      results.push({ name: w.name, description: w.describe(ctx), series: await w.run(ctx) });
      log(`   ${w.name} took ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
    layoutAfter = cgroupLayout();
  } finally {
    if (!stopping) await cleanup();
  }

  const present = engines.map((e) => e.kind);
  const table = renderTable(results, present);
  const errors = renderErrors(results);
  const doc = [
    `# Wharf bench, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: Linux ${release()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB.`,
    `Engines: ${versions.join('; ')}. Client: ${oneLine(DOCKER, ['--version'])}; Node ${process.version}.`,
    `Load average (1 min): ${loadBefore.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at the end (other work on the machine shows here).`,
    'Ratios are wharfd ÷ other: below 1× wharfd is faster (or smaller), except for rows marked "higher is better" (throughputs). ' +
      'Same machine, same run, engines interleaved per rep.',
    '',
    '## OCI runtimes and cgroups',
    '',
    `- cgroup layout, the same for every engine in this run: ${layoutBefore}` +
      (layoutAfter !== layoutBefore ? ` — **it changed during the run**, to: ${layoutAfter}` : ' (checked again at the end: unchanged)'),
    ...(layoutHost !== layoutBefore ? [`- before wharfd --cgroup-hybrid-fix (bench --cgroup-fix) changed it, the host had: ${layoutHost}`] : []),
    ...(opts['cgroup-fix'] ? ['- bench run with --cgroup-fix: wharfd started first, with --cgroup-hybrid-fix; the others started after it'] : []),
    ...runtimes,
    ...observed,
    '',
    table,
    '',
    '## Goals (issues 3, 4, 6 and 7)',
    '',
    renderGoals(results),
    '',
    '## Workloads',
    '',
    ...results.map((r) => `- **${r.name}**: ${r.description}`),
    ...(notes.length + errors.length > 0 ? ['', '## Notes', '', ...notes, ...errors] : []),
    '',
  ].join('\n');
  process.stdout.write(`\n${doc}`);
  const outDir = resolve(opts.out);
  await mkdir(outDir, { recursive: true });
  const stamp = started.toISOString().slice(0, 16).replace(':', '');
  const file = join(outDir, `${stamp}.md`);
  await writeFile(file, doc);
  await writeFile(
    join(outDir, `${stamp}.json`),
    JSON.stringify(
      results.map((r) => ({
        name: r.name,
        series: r.series.map((s) => ({ ...s, samples: Object.fromEntries(s.samples), errors: Object.fromEntries(s.errors) })),
      })),
      null,
      1,
    ),
  );
  log(`\nwritten to ${file}`);
  return 0;
}

process.exitCode = await main();
