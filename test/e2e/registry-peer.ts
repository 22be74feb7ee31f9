// Debian's docker-registry (the reference distribution registry, 2.8) as a push peer for
// push.test.ts and bench/registry.ts: its own config, storage and htpasswd in a temp dir, on
// 127.0.0.1 and a free port (plain HTTP: loopback is insecure for dockerd and wharfd alike), with
// its access log on request (to count PATCH uploads) and kill() (a registry dying mid-push).
// Or Wharf's own `wharf registry serve` with the same options. docker-registry.ts is the pull
// tests' simpler starter. Stopped by PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { WHARF, waitFor } from './harness.ts';

const DOCKER_REGISTRY = '/usr/bin/docker-registry';

export interface RegistryPeerOptions {
  /** htpasswd users (bcrypt), turning on basic auth. */
  users?: Record<string, string>;
  /** Log every request (output() then shows "PATCH /v2/..." lines). */
  accessLog?: boolean;
  /** Wharf's own registry server (`wharf registry serve`) instead of docker-registry. */
  wharf?: boolean;
}

export interface RegistryPeer {
  /** "127.0.0.1:<port>". */
  host: string;
  /** The storage root (docker/registry/v2/...). */
  storage: string;
  /** GET on the registry's API (with basic auth when given), for checking what it holds. */
  get(path: string, opts?: { auth?: string; accept?: string; method?: 'GET' | 'HEAD' }): Promise<{ status: number; headers: Headers; body: Buffer }>;
  /** What the registry printed (its access log when asked for). */
  output(): string;
  /** Kills the registry (SIGKILL: a registry dying under a client). */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRegistryPeer(name: string, opts: RegistryPeerOptions = {}): Promise<RegistryPeer> {
  const dir = await mkdtemp(join(tmpdir(), `wharf-e2e-registry-${name}-`));
  await writeFile(join(dir, 'owner.pid'), String(process.pid));
  const storage = join(dir, 'storage');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const auth = opts.users
    ? `auth:\n  htpasswd:\n    realm: wharf-test\n    path: ${join(dir, 'htpasswd')}\n`
    : '';
  if (opts.users) {
    const lines = Object.entries(opts.users).map(([u, p]) => `${u}:${bcrypt.hashSync(p, 5)}`);
    await writeFile(join(dir, 'htpasswd'), `${lines.join('\n')}\n`);
  }
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    `    disabled: ${opts.accessLog ? 'false' : 'true'}`,
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    auth,
  ].join('\n');
  await writeFile(join(dir, 'config.yml'), config);
  const out: Buffer[] = [];
  const wharfArgs = ['registry', 'serve', '--addr', host, '--root', storage, ...(opts.users ? ['--htpasswd', join(dir, 'htpasswd')] : [])];
  const proc: ChildProcess = opts.wharf
    ? spawn(WHARF, [...wharfArgs, ...(opts.accessLog ? [] : ['--quiet'])], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(DOCKER_REGISTRY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (b: Buffer) => out.push(b));
  proc.stderr!.on('data', (b: Buffer) => out.push(b));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  const get: RegistryPeer['get'] = async (path, o = {}) => {
    const headers: Record<string, string> = {};
    if (o.auth) headers.Authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
    if (o.accept) headers.Accept = o.accept;
    const res = await fetch(`http://${host}${path}`, { method: o.method ?? 'GET', headers });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  try {
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`the registry exited ${proc.exitCode}: ${Buffer.concat(out).toString()}`);
        const r = await get('/v2/');
        return r.status === 200 || r.status === 401;
      },
      20_000,
      `${opts.wharf ? 'wharf registry serve' : 'docker-registry'} on ${host}`,
    );
  } catch (err) {
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    host,
    storage,
    get,
    output: () => Buffer.concat(out).toString(),
    kill,
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
