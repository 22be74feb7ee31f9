// Where the time of `docker exec <c> true` goes, against one wharfd (quick, standalone; not part
// of `make bench`): the requests the docker CLI makes, each timed on the wire — HEAD /_ping, GET
// /containers/<id>/json, POST /containers/<id>/exec, POST /exec/<id>/start (its own connection,
// upgraded, until the stream ends), GET /exec/<id>/json — next to the OCI runtime's own
// `exec --process` of the same process (crun or runc run by this script, no daemon involved) and
// the docker CLI's wall time. start minus runtime is the daemon's share of the exec itself.
//
//   node bench/exec-phases.ts [--reps 40]
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEngine } from '../test/e2e/harness.ts';
import { busyboxRootfsTar } from '../test/fixtures/index.ts';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '40' } } });
const reps = Number(values.reps);
const API = '/v1.41';

/** One request on a keep-alive connection; resolves with the body (Content-Length framed, as wharfd answers). */
function request(s: Socket, method: string, path: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString();
      const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (method !== 'HEAD' && buf.length - end - 4 < len) return;
      s.off('data', onData);
      if (!/^HTTP\/1\.1 2/.test(head)) reject(new Error(`${method} ${path}: ${head.split('\r\n')[0]}`));
      else resolve(buf.subarray(end + 4).toString());
    };
    s.on('data', onData);
    const b = body ?? '';
    const type = body === undefined ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n`;
    s.write(`${method} ${path} HTTP/1.1\r\nHost: bench\r\n${type}\r\n${b}`);
  });
}

function open(socket: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(socket, () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

/** POST /exec/<id>/start on its own connection, as the CLI does: resolves when the stream ends. */
async function startStream(socket: string, id: string): Promise<void> {
  const s = await open(socket);
  const body = '{"Detach":false,"Tty":false}';
  await new Promise<void>((resolve, reject) => {
    s.on('data', () => {});
    s.once('end', () => resolve());
    s.once('error', reject);
    s.write(`POST ${API}/exec/${id}/start HTTP/1.1\r\nHost: bench\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  });
  s.destroy();
}

function timed(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const c = spawn(file, args, { stdio: 'ignore', ...(env ? { env } : {}) });
    c.once('error', reject);
    c.once('close', (code) => (code === 0 ? resolve(performance.now() - t) : reject(new Error(`${file} ${args.join(' ')} exited ${code}`))));
  });
}

const e = await startEngine('bench-exec-phases', { kind: 'wharfd' });
const scratch = await mkdtemp(join(tmpdir(), 'wharf-exec-phases-'));
try {
  await e.dockerOk(['import', await busyboxRootfsTar(), 'busybox:latest']);
  const cid = (await e.dockerOk(['run', '-d', '--network', 'none', 'busybox:latest', 'sleep', '3600'])).trim();
  const info = JSON.parse(await e.dockerOk(['info', '--format', '{{json .}}'])) as { DefaultRuntime: string };
  const runtime = info.DefaultRuntime;
  // The runtime's own state root under the daemon's exec root, and a process like the daemon's.
  const stateRoot = join(e.execRoot, 'runtime/oci', runtime);
  if (!(await readdir(stateRoot)).includes(cid)) throw new Error(`container ${cid} not under ${stateRoot}`);
  const processFile = join(scratch, 'process.json');
  await writeFile(processFile, JSON.stringify({ user: { uid: 0, gid: 0 }, args: ['true'], env: ['PATH=/usr/bin:/bin'], cwd: '/', terminal: false }));
  const runtimeArgs = ['--root', stateRoot, 'exec', '--process', processFile, '--pid-file', join(scratch, 'pid'), cid];

  const phases = ['ping', 'inspect', 'create', 'start', 'json', 'api total', `${runtime} exec`, 'docker exec'] as const;
  const samples = new Map<string, number[]>(phases.map((p) => [p, []]));
  const add = (p: string, v: number) => samples.get(p)!.push(v);
  for (let i = -3; i < reps; i++) {
    const s = await open(e.socket);
    const t0 = performance.now();
    await request(s, 'HEAD', '/_ping');
    const t1 = performance.now();
    await request(s, 'GET', `${API}/containers/${cid}/json`);
    const t2 = performance.now();
    const created = JSON.parse(await request(s, 'POST', `${API}/containers/${cid}/exec`, JSON.stringify({ AttachStdout: true, AttachStderr: true, Cmd: ['true'] }))) as { Id: string };
    const t3 = performance.now();
    await startStream(e.socket, created.Id);
    const t4 = performance.now();
    const inspect = JSON.parse(await request(s, 'GET', `${API}/exec/${created.Id}/json`)) as { ExitCode: number };
    const t5 = performance.now();
    s.destroy();
    if (inspect.ExitCode !== 0) throw new Error(`exec exited ${inspect.ExitCode}`);
    const direct = await timed(runtime, runtimeArgs);
    const cli = await timed('docker', ['exec', cid, 'true'], e.cliEnv());
    if (i < 0) continue;
    for (const [k, v] of [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0, direct, cli].entries()) add(phases[k]!, v);
  }
  const q = (a: number[], f: number) => [...a].sort((x, y) => x - y)[Math.floor(f * (a.length - 1))]!;
  process.stdout.write(`docker exec <c> true against wharfd (${runtime}), ${reps} reps, ms:\n`);
  for (const [p, a] of samples) process.stdout.write(`  ${p.padEnd(12)} median ${q(a, 0.5).toFixed(2).padStart(7)}  min ${q(a, 0).toFixed(2).padStart(7)}\n`);
} finally {
  await e.teardown();
  await rm(scratch, { recursive: true, force: true });
}
