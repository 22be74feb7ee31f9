// Micro-benchmark of the embedded DNS server (src/network/dns): queries per second and latency
// for a local name and for a forwarded one. The server runs in a child process of its own (as
// it runs in wharfd, apart from the containers that ask), the fake upstream in another, and
// this process is the client: a raw udp socket keeping `window` queries in flight.
//
//   node bench/dns.ts [--seconds 3] [--window 1,16,64]
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import packet from 'dns-packet';
import { EmbeddedDns } from '../src/network/dns/server.ts';
import { FakeUpstream, fakeResolver, query } from '../src/network/dns/testutil.ts';
import { quantile } from './stats.ts';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    window: { type: 'string', default: '1,16,64' },
    role: { type: 'string' },
    upstream: { type: 'string' },
  },
});

if (opts.role === 'upstream') {
  const up = await new FakeUpstream((q) => ({
    answers: [{ type: 'A', name: q.questions?.[0]?.name ?? '', ttl: 30, data: '198.51.100.7' }],
  })).start();
  up.seen.length = 0;
  setInterval(() => (up.seen.length = 0), 1000); // the fake records queries: keep memory flat
  process.send?.(up.address);
} else if (opts.role === 'server') {
  const resolver = fakeResolver({ net: { names: { web: ['172.18.0.2'] }, ptr: {} } });
  resolver.asked.push = () => 0; // do not record: this runs millions of lookups
  const dns = new EmbeddedDns({ resolver, upstream: () => [opts.upstream ?? ''], log: { debug() {}, warn() {} } });
  process.send?.(String(await dns.listen('net', '127.0.0.1', 0)));
} else {
  await main();
}

function child(args: string[]): Promise<{ msg: string; kill: () => void }> {
  const c = fork(new URL(import.meta.url).pathname, args, { execArgv: ['--disable-warning=ExperimentalWarning'] });
  return new Promise((resolve) => c.once('message', (m) => resolve({ msg: String(m), kill: () => c.kill() })));
}

async function main(): Promise<void> {
  const up = await child(['--role', 'upstream']);
  const srv = await child(['--role', 'server', '--upstream', up.msg]);
  const port = Number(srv.msg);
  const seconds = Number(opts.seconds);
  try {
    console.log('| name | in flight | queries/s | p50 ms | p99 ms | lost |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const name of ['web', 'example.org']) {
      for (const window of opts.window.split(',').map(Number)) {
        const r = await load(port, name, window, seconds);
        console.log(`| ${name === 'web' ? 'local (web)' : 'forwarded (example.org)'} | ${window} | ${Math.round(r.qps)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.lost} |`);
      }
    }
  } finally {
    srv.kill();
    up.kill();
  }
}

/** Keeps `window` queries in flight for `seconds`; latencies of the answered ones. */
async function load(port: number, name: string, window: number, seconds: number) {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const sent = new Map<number, number>();
  const lat: number[] = [];
  let nextId = 0;
  const end = performance.now() + seconds * 1000;
  const send = () => {
    const id = nextId++ & 0xffff;
    sent.set(id, performance.now());
    sock.send(query(name, 'A', { id }), port, '127.0.0.1');
  };
  await new Promise<void>((resolve) => {
    sock.on('message', (m) => {
      const id = packet.decode(m).id ?? 0;
      const t = sent.get(id);
      if (t === undefined) return;
      sent.delete(id);
      const now = performance.now();
      lat.push(now - t);
      if (now < end) send();
      else if (sent.size === 0) resolve();
    });
    for (let i = 0; i < window; i++) send();
    setTimeout(resolve, seconds * 1000 + 2000); // whatever is still out by then is lost
  });
  sock.close();
  return { qps: lat.length / seconds, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), lost: sent.size };
}
