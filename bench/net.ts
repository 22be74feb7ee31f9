// The network workloads (issue 4), group `net`: run latency on the default bridge against
// --network none, and TCP throughput into a container through a published port, reached on
// 127.0.0.1 (dockerd: through docker-proxy; wharfd and podman: DNAT) and on a host address (on a
// veth of the bench's). run.ts starts dockerd and podman with default bridges of their own for
// them (see net-host.ts). Run them alone with `make bench BENCH_ONLY=net`.
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Engine } from '../test/e2e/harness.ts';
import type { BenchHostNet } from './net-host.ts';
import { BUSYBOX, type BenchContext, firstLine, interleaveAll, newSeries, type Workload } from './workloads.ts';

const NO_NET = ['--network', 'none'];
const RUN_REPS = 15;
const TCP_BYTES = 2 ** 30;
const TCP_REPS = 7;
const CHUNK = Buffer.alloc(2 ** 20, 0x5a);
/** The sink: nc hands the connection to sh (-e), which reads to EOF and answers once all is read. */
const SINK = ['nc', '-l', '-p', '80', '-e', 'sh', '-c', 'cat >/dev/null && echo received'];
/** The warm-up's sink counts the bytes (wc -c is slow here: a check, not a figure). */
const COUNTING_SINK = ['nc', '-l', '-p', '80', '-e', 'wc', '-c'];

async function timedRun(e: Engine, net: string[]): Promise<number> {
  const t = performance.now();
  await e.dockerOk(['run', '--rm', ...net, BUSYBOX, 'true']);
  return performance.now() - t;
}

/** A port nothing listens on at `host` now. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until the container's network namespace has a TCP listener on `port` (busybox nc listens on tcp6). */
async function waitListening(pid: number, port: number): Promise<void> {
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    // "  sl  local_address rem_address   st ...": state 0A is LISTEN.
    const rows = ['tcp', 'tcp6']
      .flatMap((f) => readFileSync(`/proc/${pid}/net/${f}`, 'utf8').split('\n'))
      .map((l) => l.trim().split(/\s+/));
    if (rows.some((f) => f[1]?.endsWith(local) && f[3] === '0A')) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} in the container (pid ${pid}) after 10 s`);
    await sleep(5);
  }
}

/**
 * Sends `bytes` to host:port and half-closes; resolves with the milliseconds from connect() to the
 * connection's close (the sink closes after it has read everything and answered) and the answer.
 */
function send(host: string, port: number, bytes: number): Promise<{ ms: number; reply: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const s = connect({ host, port });
    let sent = 0;
    let reply = '';
    const timer = setTimeout(() => s.destroy(new Error(`no close from ${host}:${port} within 120 s (${sent} bytes sent)`)), 120_000);
    const pump = () => {
      while (sent < bytes) {
        const n = Math.min(CHUNK.length, bytes - sent);
        sent += n;
        if (!s.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return void s.once('drain', pump);
      }
      s.end();
    };
    s.on('connect', pump);
    s.on('data', (d: Buffer) => (reply += d.toString()));
    s.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${host}:${port}: ${err.message} after ${sent} bytes`));
    });
    s.on('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve({ ms: performance.now() - started, reply: reply.trim() });
    });
  });
}

/**
 * One transfer into a fresh sink container published on host:<free port>: MB/s (10^6 B/s) over
 * connect → close. `check` uses the counting sink and fails unless every byte arrived.
 */
async function throughput(e: Engine, host: string, check: boolean): Promise<number> {
  const port = await freePort(host);
  const id = (await e.dockerOk(['run', '-d', '-p', `${host}:${port}:80`, BUSYBOX, ...(check ? COUNTING_SINK : SINK)])).trim();
  try {
    const pid = Number((await e.dockerOk(['inspect', '--format', '{{.State.Pid}}', id])).trim());
    await waitListening(pid, 80);
    const { ms, reply } = await send(host, port, TCP_BYTES);
    const want = check ? String(TCP_BYTES) : 'received';
    if (reply !== want) throw new Error(`the sink answered ${JSON.stringify(reply)}, not ${want} (${host}:${port})`);
    const code = (await e.dockerOk(['wait', id])).trim();
    if (code !== '0') throw new Error(`the sink exited ${code}`);
    return TCP_BYTES / 1e6 / (ms / 1000);
  } finally {
    await e.docker(['rm', '-f', id]);
  }
}

/** The bench's host network set-up: run.ts makes it before starting engines for a `bridged` workload. */
function hostNet(ctx: BenchContext): BenchHostNet {
  if (!ctx.hostNet) throw new Error('no host network set-up (run.ts makes it for bridged workloads)');
  return ctx.hostNet;
}

export const NET_WORKLOADS: Workload[] = [
  {
    name: 'net-run',
    group: 'net',
    bridged: true,
    describe: () =>
      `docker run --rm ${BUSYBOX} true on the default bridge network and with --network none, one after the other (alternating which goes first) ` +
      `each rep: CLI wall time, ${RUN_REPS} reps per engine after 2 warm-ups; "bridge cost" is the per-rep difference`,
    async run(ctx: BenchContext) {
      const bridge = newSeries('run --rm true, default bridge', 'ms', ['median', 'min'], {
        goal: { text: 'run latency on the default bridge ≤ 0.4× dockerd (issue 4)', stat: 'median', vs: 'dockerd', max: 0.4 },
      });
      const none = newSeries('run --rm true, --network none', 'ms', ['median', 'min']);
      const cost = newSeries('bridge cost (bridge − none, per rep)', 'ms', ['median']);
      await interleaveAll(
        ctx,
        [bridge, none, cost],
        async (e, rep) => {
          let b: number;
          let n: number;
          if (rep % 2 === 0) {
            b = await timedRun(e, []);
            n = await timedRun(e, NO_NET);
          } else {
            n = await timedRun(e, NO_NET);
            b = await timedRun(e, []);
          }
          return [b, n, b - n];
        },
        { reps: RUN_REPS, warmup: 2 },
      );
      return [bridge, none, cost];
    },
  },
  {
    name: 'net-tcp',
    group: 'net',
    bridged: true,
    describe: () =>
      `TCP throughput into a container: the host sends 1 GiB (1 MiB writes, one connection) to a busybox nc sink published with ` +
      `-p <ip>:<port>:80 (on the default bridge), MB/s (10^6 B/s) from connect to the sink's close after it read everything; ` +
      `<ip> is 127.0.0.1 (dockerd: docker-proxy; wharfd, podman: DNAT) or an address of the host (198.18.0.0/15, on a veth ` +
      `of the bench's; DNAT for all three); a fresh container per transfer; a warm-up per engine and address whose sink counts the bytes (wc -c) checks ` +
      `that all arrive; ${TCP_REPS} reps`,
    async run(ctx: BenchContext) {
      const goal = (via: string) => ({ text: `published-port throughput via ${via} ≥ dockerd (issue 4)`, stat: 'median' as const, vs: 'dockerd' as const, min: 1 });
      const lo = newSeries('TCP 1 GiB via 127.0.0.1:port', 'MB/s', ['median', 'min'], { higherIsBetter: true, goal: goal('127.0.0.1') });
      const addr = newSeries('TCP 1 GiB via host address:port', 'MB/s', ['median', 'min'], { higherIsBetter: true, goal: goal('a host address') });
      await interleaveAll(ctx, [lo], async (e, rep) => [await throughput(e, '127.0.0.1', rep < 0)], { reps: TCP_REPS, warmup: 1 });
      const net = hostNet(ctx);
      try {
        const host = net.hostAddress();
        ctx.log(`  host address ${host} on ${net.addrLink}`);
        await interleaveAll(ctx, [addr], async (e, rep) => [await throughput(e, host, rep < 0)], { reps: TCP_REPS, warmup: 1 });
      } catch (err) {
        for (const e of ctx.engines) addr.errors.set(e.kind, `no host address: ${firstLine(err)}`);
      } finally {
        net.removeHostAddress();
      }
      return [lo, addr];
    },
  },
];
