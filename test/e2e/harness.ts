// The e2e harness: starts a real wharfd (bin/wharfd) with its own socket, data root and exec root
// under a fresh temp dir, and drives it with the real docker CLI, the wharf CLI and raw API calls.
// It only ever signals processes it started (by PID) or processes whose command line names its own
// unique temp dir, unmounts only what is mounted under that dir, and then removes it.
//
// E2E_ENGINE=dockerd runs the same tests against Debian's dockerd as the oracle (nerdctl's way);
// tests of wharf-only behaviour check `engine.kind` and skip. E2E_KEEP=1 keeps the temp dir.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, openSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pidAlive } from '../fixtures/cache.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DOCKER = process.env['E2E_DOCKER'] ?? '/usr/local/bin/docker';
export const WHARFD = join(REPO, 'bin/wharfd');
export const WHARF = join(REPO, 'bin/wharf');
/** podman is started only by bench/ (its Docker-compatible service); tests use wharfd or dockerd. */
export type EngineKind = 'wharfd' | 'dockerd' | 'podman';
export const ENGINE_KIND: EngineKind = process.env['E2E_ENGINE'] === 'dockerd' ? 'dockerd' : 'wharfd';

const READY_TIMEOUT_MS = 60_000;
const DAEMON_LOG_TAIL_LINES = 80;

/** Names of this file's failed tests: teardown prints the daemon's log when there are any. */
const failedTests: string[] = [];
afterEach((t) => {
  if ((t as { passed?: boolean }).passed === false) failedTests.push(t.name);
});
const STOP_TIMEOUT_MS = 20_000;
const CLI_TIMEOUT_MS = 300_000;

export interface CmdResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CmdOptions {
  /** Written to stdin. */
  input?: string | Uint8Array;
  /** A file given as stdin (for `docker load`, `docker import -`). */
  inputFile?: string;
  /** stdout goes to this file instead of being collected (binary output: `docker save`). */
  stdoutFile?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json<T = unknown>(): T;
}

export interface ApiOptions {
  headers?: Record<string, string>;
  /** A file streamed as the request body. */
  bodyFile?: string;
  timeoutMs?: number;
}

/**
 * The resources this process holds before any engine starts (the runner's own pipes; stdout and
 * stderr are touched first because Node creates their handles lazily); see leakedHandles().
 */
const BASELINE = process.stdout && process.stderr ? process.getActiveResourcesInfo() : [];

/** Runs a command to completion, collecting its output. Never throws on a non-zero exit. */
export function runCommand(file: string, args: string[], env: NodeJS.ProcessEnv, opts: CmdOptions = {}): Promise<CmdResult> {
  return new Promise((resolvePromise, reject) => {
    const stdinFd = opts.inputFile ? openSync(opts.inputFile, 'r') : undefined;
    const stdoutFd = opts.stdoutFile ? openSync(opts.stdoutFile, 'w') : undefined;
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        env,
        stdio: [stdinFd ?? (opts.input !== undefined ? 'pipe' : 'ignore'), stdoutFd ?? 'pipe', 'pipe'],
      });
    } finally {
      if (stdinFd !== undefined) closeSync(stdinFd);
      if (stdoutFd !== undefined) closeSync(stdoutFd);
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {}); // EPIPE when the command exits without reading
      child.stdin!.end(opts.input);
    }
    const timeoutMs = opts.timeoutMs ?? CLI_TIMEOUT_MS;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')}: timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

function describeResult(what: string, r: CmdResult): string {
  return `${what} exited ${r.code ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** One HTTP request over a unix socket, no keep-alive (nothing lingers after it). */
export function unixRequest(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
  opts: ApiOptions = {},
): Promise<ApiResponse> {
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    let payload: Buffer | undefined;
    if (body !== undefined && !opts.bodyFile) {
      if (Buffer.isBuffer(body) || body instanceof Uint8Array) payload = Buffer.from(body);
      else if (typeof body === 'string') payload = Buffer.from(body);
      else {
        payload = Buffer.from(JSON.stringify(body));
        headers['Content-Type'] ??= 'application/json';
      }
    }
    if (payload) headers['Content-Length'] = String(payload.length);
    const req = request({ socketPath, method, path, headers, agent: false, timeout: opts.timeoutMs ?? 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        resolvePromise({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: buf,
          text,
          json: <T>() => JSON.parse(text) as T,
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    if (opts.bodyFile) {
      const src = createReadStream(opts.bodyFile);
      src.on('error', (e) => req.destroy(e));
      src.pipe(req);
    } else {
      req.end(payload);
    }
  });
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    await sleep(25);
  }
}

/** PIDs of processes whose command line mentions `needle` (our unique temp dir), except us. */
export function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(needle)) out.push(pid);
    } catch {}
  }
  return out;
}

/** Descendants of `pid` (children, grandchildren, ...) from /proc/<pid>/stat parent links. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {}
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Mount points under `dir` from /proc/self/mountinfo, deepest first. */
export function mountsUnder(dir: string): string[] {
  const unoctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  const points: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const p = unoctal(mp);
    if (p === dir || p.startsWith(`${dir}/`)) points.push(p);
  }
  return points.sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/** Unmounts everything under `dir`, deepest first (lazily when busy). */
export async function unmountUnder(dir: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return;
    for (const p of points) {
      const r = await runCommand('umount', [p], process.env, { timeoutMs: 30_000 });
      if (r.code !== 0) await runCommand('umount', ['-l', p], process.env, { timeoutMs: 30_000 });
    }
  }
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`could not unmount: ${left.join(', ')}`);
}

/** True when GET /_ping on `socket` answers 200. */
export async function ping(socket: string): Promise<boolean> {
  try {
    return (await unixRequest(socket, 'GET', '/_ping', undefined, { timeoutMs: 5000 })).status === 200;
  } catch {
    return false;
  }
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * Kills the processes of this daemon's containers (wharfd puts them in <hierarchy>/wharf/<id>)
 * and removes their cgroups, in every hierarchy. Containers whose monitor was killed would
 * otherwise run on, reparented to PID 1.
 */
async function killContainers(containersDir: string): Promise<void> {
  let ids: string[];
  try {
    ids = readdirSync(containersDir).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return;
  }
  const hierarchies = readdirSync(CGROUP_ROOT).map((h) => join(CGROUP_ROOT, h));
  const dirs = ids.flatMap((id) => [...hierarchies, CGROUP_ROOT].map((h) => join(h, 'wharf', id)));
  const pids = new Set<number>();
  for (const d of dirs) {
    try {
      for (const line of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (line) pids.add(Number(line));
    } catch {
      // no such cgroup in this hierarchy
    }
  }
  await killAndWait([...pids].filter(pidAlive), 10_000);
  for (const d of dirs) await rmdir(d).catch(() => {});
}

async function killAndWait(pids: number[], timeoutMs: number): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  const deadline = Date.now() + timeoutMs;
  while (pids.some(pidAlive) && Date.now() < deadline) await sleep(20);
}

export interface EngineOptions {
  /** Which daemon to run (default: E2E_ENGINE, else wharfd). */
  kind?: EngineKind;
  /** Listen here instead of <temp dir>/d.sock (bench/ uses /run/bench-<engine>.sock). */
  socket?: string;
  /** Extra daemon flags. */
  args?: string[];
  env?: Record<string, string>;
}

/**
 * A wharfd's own networking names, so concurrent test daemons never share kernel state: its
 * default bridge, the address pool its networks come from, and its firewall chain prefix.
 */
export interface EngineNetwork {
  bridge: string;
  fwPrefix: string;
  /** "10.x.0.0/16", carved into /24s. */
  pool: string;
}

/** A 10.x.0.0/16 (x in 64..127) that no host route touches, and fresh names. */
function engineNetwork(): EngineNetwork {
  const tag = randomBytes(3).toString('hex');
  let routes = '';
  try {
    routes = readFileSync('/proc/net/route', 'utf8');
  } catch {}
  // /proc/net/route holds little-endian hex: 10.x.0.0 ends in "<x>0A" in the Destination column.
  const used = new Set([...routes.matchAll(/^\S+\t[0-9A-F]{4}([0-9A-F]{2})0A\t/gm)].map((m) => Number.parseInt(m[1]!, 16)));
  let x = 64 + (randomBytes(1)[0]! % 64);
  for (let i = 0; i < 64 && used.has(x); i++) x = 64 + ((x - 64 + 1) % 64);
  return { bridge: `wh${tag}`, fwPrefix: `WH${tag.toUpperCase()}`, pool: `10.${x}.0.0/16` };
}

/** A live daemon under test, with its own temp dir. */
export class Engine {
  readonly kind: EngineKind;
  readonly root: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly socket: string;
  readonly host: string;
  readonly pidfile: string;
  readonly logFile: string;
  private readonly opts: EngineOptions;
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private tornDown = false;

  constructor(root: string, opts: EngineOptions) {
    this.root = root;
    this.dataRoot = join(root, 'data');
    this.execRoot = join(root, 'exec');
    this.socket = opts.socket ?? join(root, 'd.sock');
    this.host = `unix://${this.socket}`;
    this.pidfile = join(root, 'daemon.pid');
    this.logFile = join(root, 'daemon.log');
    this.opts = opts;
    this.kind = opts.kind ?? ENGINE_KIND;
    this.net = engineNetwork();
  }

  /** This engine's bridge, pool and firewall prefix (wharfd only). */
  readonly net: EngineNetwork;

  /** PID of the running daemon (undefined when stopped). */
  get pid(): number | undefined {
    return this.proc?.exitCode === null && this.proc.signalCode === null ? this.proc.pid : undefined;
  }

  /** The daemon command line for this engine's roots and socket. */
  daemonCommand(overrides: { socket?: string; pidfile?: string } = {}): { file: string; args: string[] } {
    const socket = overrides.socket ?? this.socket;
    const pidfile = overrides.pidfile ?? this.pidfile;
    const extra = this.opts.args ?? [];
    const common = ['-H', `unix://${socket}`, '--data-root', this.dataRoot, '--exec-root', this.execRoot, '--pidfile', pidfile];
    switch (this.kind) {
      case 'dockerd':
        // No bridge and no iptables rules: nothing on the host outside our roots changes.
        return { file: 'dockerd', args: [...common, '--bridge=none', '--iptables=false', ...extra] };
      case 'podman':
        return {
          file: 'podman',
          args: [
            ...['--root', this.dataRoot, '--runroot', this.execRoot, '--tmpdir', join(this.root, 'tmp')],
            ...['--cgroup-manager', 'cgroupfs', '--events-backend', 'file'],
            ...['system', 'service', '--time=0', ...extra, `unix://${socket}`],
          ],
        };
      default:
        return { file: WHARFD, args: [...common, ...this.networkArgs(extra), ...extra] };
    }
  }

  /** wharfd's network flags for this engine, unless the test gives its own bridge. */
  private networkArgs(extra: string[]): string[] {
    if (extra.some((a) => a === '-b' || a === '--bridge' || a.startsWith('--bridge='))) return [];
    const n = this.net;
    return ['--bridge', n.bridge, '--fw-prefix', n.fwPrefix, '--default-address-pool', `base=${n.pool},size=24`];
  }

  /** podman without systemd, per this-machine.md: its own containers.conf and storage.conf. */
  private async writePodmanConfig(): Promise<Record<string, string>> {
    const conf = join(this.root, 'containers.conf');
    const storage = join(this.root, 'storage.conf');
    await writeFile(
      conf,
      [
        '[containers]',
        'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]',
        '[engine]',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `events_logfile_path = "${join(this.root, 'events.log')}"`,
        `tmp_dir = "${join(this.root, 'tmp')}"`,
        `static_dir = "${join(this.dataRoot, 'libpod')}"`,
        `volume_path = "${join(this.dataRoot, 'volumes')}"`,
        '[network]',
        `network_config_dir = "${join(this.root, 'net')}"`,
        '',
      ].join('\n'),
    );
    await writeFile(
      storage,
      ['[storage]', 'driver = "overlay"', `graphroot = "${this.dataRoot}"`, `runroot = "${this.execRoot}"`, ''].join('\n'),
    );
    return { CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage };
  }

  private daemonEnv(): NodeJS.ProcessEnv {
    return { ...process.env, ...this.opts.env };
  }

  /** Milliseconds from spawn to the first 200 from GET /_ping, for the last start(). */
  lastStartMs = 0;

  /** Starts the daemon and waits for GET /_ping to answer 200. */
  async start(): Promise<void> {
    if (this.pid !== undefined) throw new Error('daemon already running');
    const { file, args } = this.daemonCommand();
    const env = this.daemonEnv();
    if (this.kind === 'podman') Object.assign(env, await this.writePodmanConfig());
    const log = openSync(this.logFile, 'a');
    let proc: ChildProcess;
    const spawnedAt = performance.now();
    try {
      proc = spawn(file, args, { env, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    // The daemon never keeps the test process alive by itself: an engine a test forgot to tear
    // down is killed by the exit hook below (and the file fails) instead of hanging the run.
    proc.unref();
    this.proc = proc;
    this.exited = new Promise((r) => proc.once('close', () => r()));
    let spawnError: Error | undefined;
    proc.once('error', (err) => {
      spawnError = err;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let problem: string | undefined;
    for (;;) {
      if (spawnError) problem = `cannot start ${file}: ${spawnError.message}`;
      else if (this.pid === undefined) problem = `${file} exited (${proc.exitCode ?? proc.signalCode}) before answering /_ping`;
      else if (await ping(this.socket)) {
        this.lastStartMs = performance.now() - spawnedAt;
        return;
      } else if (Date.now() > deadline) problem = `${file} did not answer GET /_ping on ${this.socket} within ${READY_TIMEOUT_MS} ms`;
      if (problem) break;
      await sleep(5);
    }
    const tail = await this.logTail(40);
    await this.stop('SIGKILL').catch(() => {});
    throw new Error(`${problem}\n--- daemon log (${this.logFile})\n${tail}`);
  }

  /**
   * Stops the daemon: SIGTERM (escalating to SIGKILL after a timeout) or SIGKILL at once. Only the
   * daemon's own PID is signalled; what it leaves behind (containers, monitors) stays, as it would
   * after a real crash, until teardown.
   */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    const proc = this.proc;
    if (!proc || this.pid === undefined) return;
    // dockerd's supervised containerd logs into a pipe to dockerd and cannot outlive it: after a
    // SIGKILL it would wedge the next start. (Wharf's monitors are meant to survive; see teardown.)
    const supervised = this.kind === 'dockerd' && signal === 'SIGKILL' ? descendants(proc.pid!) : [];
    proc.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    await killAndWait(supervised.filter(pidAlive), 10_000);
    if (timedOut) {
      proc.kill('SIGKILL');
      await this.exited;
      throw new Error(`daemon did not exit within ${timeoutMs} ms of ${signal}; killed`);
    }
  }

  /** The daemon's exit code after stop() (null if killed by a signal). */
  get exitCode(): number | null {
    return this.proc?.exitCode ?? null;
  }

  async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.start();
  }

  async logs(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '');
  }

  async logTail(lines: number): Promise<string> {
    return (await this.logs()).split('\n').slice(-lines).join('\n');
  }

  cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: join(this.root, 'home'),
      DOCKER_HOST: this.host,
      DOCKER_CONFIG: join(this.root, 'docker-config'),
      DOCKER_CLI_HINTS: 'false',
      NO_COLOR: '1',
      TZ: 'UTC',
      ...extra,
    };
  }

  /** Runs the docker CLI against this daemon (DOCKER_HOST=unix://<socket>). */
  docker(args: string[], opts: CmdOptions = {}): Promise<CmdResult> {
    return runCommand(DOCKER, args, this.cliEnv(opts.env), opts);
  }

  /** Runs the docker CLI and returns stdout; throws with both streams on a non-zero exit. */
  async dockerOk(args: string[], opts: CmdOptions = {}): Promise<string> {
    const r = await this.docker(args, opts);
    if (r.code !== 0) throw new Error(describeResult(`docker ${args.join(' ')}`, r));
    return r.stdout;
  }

  /** Runs the wharf CLI against this daemon (`wharf -H unix://<socket> ...`). */
  wharf(args: string[], opts: CmdOptions = {}): Promise<CmdResult> {
    return runCommand(WHARF, ['-H', this.host, ...args], this.cliEnv(opts.env), opts);
  }

  async wharfOk(args: string[], opts: CmdOptions = {}): Promise<string> {
    const r = await this.wharf(args, opts);
    if (r.code !== 0) throw new Error(describeResult(`wharf ${args.join(' ')}`, r));
    return r.stdout;
  }

  /** A raw Engine API request; a plain object body is sent as JSON. */
  api(method: string, path: string, body?: unknown, opts: ApiOptions = {}): Promise<ApiResponse> {
    return unixRequest(this.socket, method, path, body, opts);
  }

  /**
   * Starts a long-running docker CLI command (e.g. `docker events`); stop() ends it (SIGTERM) and
   * returns what it printed.
   */
  spawnDocker(args: string[]): { output: () => string; stop: () => Promise<CmdResult> } {
    const child = spawn(DOCKER, args, { env: this.cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const closed = new Promise<CmdResult>((r) =>
      child.on('close', (code, signal) =>
        r({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
      ),
    );
    return {
      output: () => Buffer.concat(out).toString(),
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        return closed;
      },
    };
  }

  /**
   * Starts a second daemon on the same data root and exec root but another socket. Resolves with
   * its exit status and output once it exits, or `ready: true` (after killing it) if it came up.
   */
  async startAnother(waitMs = 20_000): Promise<{ ready: boolean; code: number | null; output: string }> {
    const socket = join(this.root, 'second.sock');
    const { file, args } = this.daemonCommand({ socket, pidfile: join(this.root, 'second.pid') });
    const child = spawn(file, args, { env: this.daemonEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => out.push(b));
    let exited = false;
    const closed = new Promise<number | null>((r) =>
      child.on('close', (code) => {
        exited = true;
        r(code);
      }),
    );
    child.on('error', () => {});
    const deadline = Date.now() + waitMs;
    let ready = false;
    while (!exited && !ready && Date.now() < deadline) {
      ready = await ping(socket);
      if (!ready) await sleep(50);
    }
    // Up (it should have refused) or hanging: either way it is ours to kill.
    if (!exited) child.kill('SIGKILL');
    const code = await closed;
    return { ready, code, output: Buffer.concat(out).toString() };
  }

  /**
   * Stops the daemon, kills whatever is left that belongs to this engine (its descendants and any
   * process naming its temp dir), unmounts everything under the temp dir, removes it, and fails if
   * the test process still holds handles.
   */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    live.delete(this);
    const errors: string[] = [];
    const daemonPid = this.pid;
    const family = daemonPid !== undefined ? descendants(daemonPid) : [];
    try {
      await this.stop('SIGTERM');
    } catch (err) {
      errors.push((err as Error).message);
    }
    await killAndWait([...family, ...processesMentioning(this.root)].filter(pidAlive), 10_000);
    // Containers outlive their daemon and monitor (live restore): end them and their cgroups.
    if (this.kind === 'wharfd') await killContainers(join(this.dataRoot, 'containers'));
    // Bridges, firewall chains and sandboxes stay after a wharfd exits (live restore): take them back.
    if (this.kind === 'wharfd') {
      const r = await runCommand(process.execPath, ['--disable-warning=ExperimentalWarning', join(REPO, 'test/e2e/net-teardown.ts'), join(this.execRoot, 'network'), this.net.fwPrefix], process.env, { timeoutMs: 30_000 });
      if (r.code !== 0) errors.push(`network teardown failed:\n${r.stderr}`);
    }
    try {
      await unmountUnder(this.root);
    } catch (err) {
      errors.push((err as Error).message);
    }
    if (failedTests.length > 0) {
      // A failure in CI is only as good as what it prints: the daemon's side of the story.
      const tail = (await this.logs()).split('\n').slice(-DAEMON_LOG_TAIL_LINES).join('\n');
      process.stderr.write(`--- ${this.kind} log (last ${DAEMON_LOG_TAIL_LINES} lines) after failed tests: ${failedTests.join('; ')}\n${tail}\n---\n`);
    }
    if (process.env['E2E_KEEP'] === '1') {
      process.stderr.write(`E2E_KEEP: kept ${this.root}\n`);
    } else {
      await rm(this.root, { recursive: true, force: true }).catch((err: unknown) => errors.push(String(err)));
    }
    // fs and child-process callbacks of the steps above may need a moment to settle.
    let leaks = leakedHandles();
    for (let i = 0; i < 40 && leaks.length > 0; i++) {
      await sleep(25);
      leaks = leakedHandles();
    }
    if (leaks.length > 0) errors.push(`leaked handles after teardown: ${leaks.join(', ')}`);
    if (errors.length > 0) throw new Error(errors.join('\n'));
  }
}

/** Handles this process holds beyond what it held at start (timers of the test runner excluded). */
export function leakedHandles(): string[] {
  const base = [...BASELINE];
  const extra: string[] = [];
  for (const r of process.getActiveResourcesInfo()) {
    const i = base.indexOf(r);
    if (i >= 0) base.splice(i, 1);
    else if (r !== 'Timeout' && r !== 'Immediate') extra.push(r);
  }
  return extra;
}

const OWNER_FILE = 'owner.pid';

/** Engines started and not yet torn down; the exit hook kills what a test left behind. */
const live = new Set<Engine>();
process.on('exit', () => {
  for (const e of live) {
    const pids = [...(e.pid !== undefined ? [e.pid, ...descendants(e.pid)] : []), ...processesMentioning(e.root)];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    process.stderr.write(`harness: the engine in ${e.root} was never torn down; killed its processes\n`);
    process.exitCode = 1;
  }
});
// Interrupted (Ctrl-C, the runner cancelling, a CI timeout): exit through the hook above.
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.once(sig, () => process.exit(code));

/**
 * Cleans up the temp dirs of e2e runs whose test process died without teardown (killed by a
 * timeout, Ctrl-C): their daemons, mounts and files. Only dirs named wharf-e2e-* that hold an
 * owner.pid naming a dead process are touched.
 */
export async function sweepStale(base: string): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync(base).filter((n) => n.startsWith('wharf-e2e-'));
  } catch {
    return;
  }
  for (const name of names) {
    const root = join(base, name);
    const owner = Number.parseInt(await readFile(join(root, OWNER_FILE), 'utf8').catch(() => ''), 10);
    if (!Number.isFinite(owner) || owner <= 0 || pidAlive(owner)) continue;
    await killAndWait(processesMentioning(root), 10_000);
    await unmountUnder(root).catch(() => {});
    await rm(root, { recursive: true, force: true }).catch(() => {});
  }
}

/** Starts an engine in a fresh temp dir named after the test file (`name`). */
export async function startEngine(name: string, opts: EngineOptions = {}): Promise<Engine> {
  const base = process.env['E2E_TMPDIR'] ?? tmpdir();
  await mkdir(base, { recursive: true });
  await sweepStale(base);
  const root = await mkdtemp(join(base, `wharf-e2e-${name}-`));
  await writeFile(join(root, OWNER_FILE), String(process.pid));
  const engine = new Engine(root, opts);
  live.add(engine);
  try {
    await engine.start();
  } catch (err) {
    await engine.teardown().catch(() => {});
    throw err;
  }
  return engine;
}
