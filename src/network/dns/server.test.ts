import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import packet from 'dns-packet';
import { EmbeddedDns } from './server.ts';
import { blackHole, decodeReply, FakeUpstream, fakeResolver, query, tcpExchange, udpExchange } from './testutil.ts';

const NET = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const manyAddrs = Array.from({ length: 100 }, (_, i) => `10.1.${i >> 8}.${(i & 255) + 1}`);

const resolver = fakeResolver({
  [NET]: {
    names: {
      web: ['172.18.0.2', 'fd00::2'],
      '0123456789ab': ['172.18.0.2', 'fd00::2'],
      'web.mynet': ['172.18.0.2', 'fd00::2'],
      db: ['172.18.0.3'],
      pool: ['172.18.0.4', '172.18.0.5', '172.18.0.6'],
      many: manyAddrs,
    },
    ptr: { '172.18.0.2': ['web.mynet'], 'fd00::2': ['web.mynet.'] },
    search: ['corp.example'],
  },
  [OTHER]: { names: { other: ['172.19.0.2'] }, ptr: {} },
});

/** External names the fake upstream knows; "big.example" is truncated over udp. */
const upstream = new FakeUpstream((q, proto) => {
  const name = q.questions?.[0]?.name ?? '';
  if (name === 'example.org') return { flags: packet.RECURSION_AVAILABLE, answers: [{ type: 'A', name, ttl: 30, data: '93.184.216.34' }] };
  if (name === 'big.example') {
    if (proto === 'udp') return { flags: packet.TRUNCATED_RESPONSE | packet.RECURSION_AVAILABLE };
    return { answers: manyAddrs.map((data) => ({ type: 'A' as const, name, ttl: 30, data })) };
  }
  if (name === 'servfail.example') return { flags: 2 };
  if (name === 'slow.example') return 'drop';
  return { flags: 3 }; // NXDOMAIN
});

let upstreams: string[] = [];
const dns = new EmbeddedDns({ resolver, upstream: () => upstreams, upstreamTimeoutMs: 300, log: { debug() {}, warn() {} } });
let port = 0;

function client(p = port, host = '127.0.0.1'): Resolver {
  const r = new Resolver({ timeout: 3000, tries: 1 });
  r.setServers([host.includes(':') ? `[${host}]:${p}` : `${host}:${p}`]);
  return r;
}

before(async () => {
  await upstream.start();
  upstreams = [upstream.address];
  port = await dns.listen(NET, '127.0.0.1', 0);
});
after(async () => {
  await dns.close();
  await upstream.stop();
});

describe('local names', () => {
  it('answers A and AAAA for names, aliases, short IDs and name.network, case-insensitively', async () => {
    const c = client();
    assert.deepEqual(await c.resolve4('web'), ['172.18.0.2']);
    assert.deepEqual(await c.resolve4('WeB.'), ['172.18.0.2']);
    assert.deepEqual(await c.resolve4('0123456789AB'), ['172.18.0.2']);
    assert.deepEqual(await c.resolve4('web.mynet'), ['172.18.0.2']);
    assert.deepEqual(await c.resolve6('web'), ['fd00::2']);
    assert.ok(resolver.asked.includes('web'));
    assert.ok(!resolver.asked.some((n) => n !== n.toLowerCase() || n.endsWith('.')));
  });

  it('answers authoritatively with TTL 600, echoing the question as asked', async () => {
    const r = decodeReply(await udpExchange(port, query('Web.', 'A', { id: 777 })));
    assert.equal(r.id, 777);
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.aa, true);
    assert.equal(r.ra, true);
    assert.equal(r.rd, true);
    assert.deepEqual(r.answers, [{ name: 'Web', type: 'A', ttl: 600, data: '172.18.0.2' }]);
  });

  it('gives an empty NOERROR when the name is ours but has no address of that family', async () => {
    await assert.rejects(client().resolve6('db'), { code: 'ENODATA' });
    const r = decodeReply(await udpExchange(port, query('db', 'AAAA')));
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.answers.length, 0);
    assert.equal(upstream.seen.filter((s) => s.name === 'db').length, 0, 'not forwarded');
  });

  it('MX of our names is an empty NOERROR (implicit MX), as on Docker', async () => {
    await assert.rejects(client().resolveMx('web'), { code: 'ENODATA' });
  });

  it('returns every address of a shared alias, in shuffled order', async () => {
    const c = client();
    const firsts = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const got = await c.resolve4('pool');
      assert.deepEqual([...got].sort(), ['172.18.0.4', '172.18.0.5', '172.18.0.6']);
      firsts.add(got[0] as string);
    }
    assert.ok(firsts.size > 1, 'order varies between answers');
  });

  it('tolerates the asking container search domains', async () => {
    assert.deepEqual(await client().resolve4('web.corp.example'), ['172.18.0.2']);
  });

  it('answers PTR for our IPv4 and IPv6 addresses', async () => {
    assert.deepEqual(await client().reverse('172.18.0.2'), ['web.mynet']);
    assert.deepEqual(await client().reverse('fd00::2'), ['web.mynet']);
  });

  it('cuts a udp answer to 512 bytes (or the EDNS size) with TC; tcp carries it all', async () => {
    const small = decodeReply(await udpExchange(port, query('many', 'A')));
    assert.equal(small.tc, true);
    assert.ok((small.answers.length) > 10 && (small.answers.length) < 100);
    assert.equal(decodeReply(await udpExchange(port, query('many', 'A', { edns: 4096 }))).answers.length, 100);
    const viaTcp = decodeReply(await tcpExchange(port, query('many', 'A')));
    assert.equal(viaTcp.tc, false);
    assert.equal(viaTcp.answers.length, 100);
    // and c-ares, which retries over tcp by itself, gets all of them
    assert.equal((await client().resolve4('many')).length, 100);
  });

  it('keeps networks apart', async () => {
    await assert.rejects(client().resolve4('other'), { code: 'ENOTFOUND' });
  });
});

describe('forwarding', () => {
  it('forwards names that are not ours and relays the upstream answer unchanged', async () => {
    assert.deepEqual(await client().resolve4('example.org'), ['93.184.216.34']);
    await assert.rejects(client().resolve4('nope.example'), { code: 'ENOTFOUND' });
    // single-label names that are not ours are forwarded too, as Docker does
    await assert.rejects(client().resolve4('nosuchhost'), { code: 'ENOTFOUND' });
    assert.ok(upstream.seen.some((s) => s.name === 'nosuchhost'));
    const r = decodeReply(await udpExchange(port, query('example.org', 'A', { id: 31337 })));
    assert.equal(r.id, 31337);
    assert.equal(r.answers[0]?.ttl, 30, "the upstream's TTL, not ours");
  });

  it('forwards other record types of our names, like Docker', async () => {
    const before = upstream.seen.length;
    await assert.rejects(client().resolveTxt('web'), { code: 'ENOTFOUND' });
    assert.equal(upstream.seen.length, before + 1);
  });

  it('a truncated udp answer reaches the client, which retries over tcp, forwarded over tcp', async () => {
    upstream.seen.length = 0;
    const got = await client().resolve4('big.example');
    assert.equal(got.length, 100);
    assert.deepEqual(
      upstream.seen.filter((s) => s.name === 'big.example').map((s) => s.proto),
      ['udp', 'tcp'],
    );
  });

  it('tries the next upstream after a timeout or SERVFAIL', async () => {
    const hole = await blackHole();
    const failing = new FakeUpstream(() => ({ flags: 2 }));
    await failing.start();
    try {
      upstreams = [hole.address, failing.address, upstream.address];
      const t0 = performance.now();
      assert.deepEqual(await client().resolve4('example.org'), ['93.184.216.34']);
      assert.ok(performance.now() - t0 >= 290, 'waited for the dead upstream');
      assert.equal(failing.seen.length, 1);
    } finally {
      upstreams = [upstream.address];
      await hole.close();
      await failing.stop();
    }
  });

  it('moves on at once from an upstream port that refuses (ICMP port unreachable)', async () => {
    const closed = await blackHole();
    await closed.close(); // nothing listens there any more
    try {
      upstreams = [closed.address, upstream.address];
      const t0 = performance.now();
      assert.deepEqual(await client().resolve4('example.org'), ['93.184.216.34']);
      assert.ok(performance.now() - t0 < 250, 'did not wait for the timeout');
    } finally {
      upstreams = [upstream.address];
    }
  });

  it('answers SERVFAIL when no upstream answers, when they all fail, or when there are none', async () => {
    const hole = await blackHole();
    try {
      upstreams = [hole.address];
      await assert.rejects(client().resolve4('example.org'), { code: 'ESERVFAIL' });
      upstreams = [upstream.address];
      await assert.rejects(client().resolve4('servfail.example'), { code: 'ESERVFAIL' });
      upstreams = [];
      await assert.rejects(client().resolve4('example.org'), { code: 'ESERVFAIL' });
      upstreams = ['not-an-address', `127.0.0.1:${port}`]; // bad, and ourselves: both skipped
      await assert.rejects(client().resolve4('example.org'), { code: 'ESERVFAIL' });
    } finally {
      upstreams = [upstream.address];
      await hole.close();
    }
  });

  it('forwards tcp queries over tcp', async () => {
    upstream.seen.length = 0;
    const r = decodeReply(await tcpExchange(port, query('example.org', 'A')));
    assert.equal(r.answers[0]?.data, '93.184.216.34');
    assert.deepEqual(upstream.seen.map((s) => s.proto), ['tcp']);
  });
});

describe('hostile input', () => {
  it('drops malformed udp packets and keeps serving', async () => {
    const s = dgram.createSocket('udp4');
    const junk = [
      Buffer.alloc(0),
      Buffer.from([1, 2, 3]),
      Buffer.alloc(12), // header only, no question
      Buffer.from('00018000000100000000000003777777000001', 'hex'), // a response (QR set)
      Buffer.concat([query('web', 'A').subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]), // pointer to itself
      Buffer.concat([query('web', 'A').subarray(0, 12), Buffer.from([63, 1, 2])]), // label runs past the end
      Buffer.alloc(1400, 0xff),
    ];
    for (const j of junk) s.send(j, port, '127.0.0.1');
    const replies: Buffer[] = [];
    s.on('message', (m) => replies.push(m));
    await new Promise((r) => setTimeout(r, 100));
    s.close();
    assert.equal(replies.length, 0);
    assert.deepEqual(await client().resolve4('web'), ['172.18.0.2']);
  });

  it('survives garbage and half frames over tcp', async () => {
    for (const bytes of [Buffer.from([0xff, 0xff, 1, 2, 3]), Buffer.from([0, 3, 1, 2, 3]), Buffer.alloc(70000, 7)]) {
      const s = new Socket();
      await new Promise<void>((resolve) => s.connect(port, '127.0.0.1', resolve));
      s.on('error', () => {});
      s.write(bytes);
      await new Promise((r) => setTimeout(r, 20));
      s.destroy();
    }
    const r = decodeReply(await tcpExchange(port, query('web', 'A')));
    assert.equal(r.answers[0]?.data, '172.18.0.2');
  });

  it('answers two pipelined tcp queries on one connection', async () => {
    const s = new Socket();
    const got: number[] = [];
    await new Promise<void>((resolve) => s.connect(port, '127.0.0.1', resolve));
    const both = new Promise<void>((resolve) => {
      let buf = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          got.push(packet.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))).id ?? 0);
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (got.length === 2) resolve();
      });
    });
    const a = query('web', 'A', { id: 1 });
    const b = query('db', 'A', { id: 2 });
    const len = (m: Buffer) => Buffer.from([m.length >> 8, m.length & 255]);
    s.write(Buffer.concat([len(a), a, len(b), b]));
    await both;
    s.destroy();
    assert.deepEqual(got.sort(), [1, 2]);
  });

  it('answers 2,000 concurrent queries, local and forwarded', async () => {
    const c = client();
    const jobs = Array.from({ length: 2000 }, (_, i) => (i % 4 === 0 ? c.resolve4('example.org') : c.resolve4('web')));
    const results = await Promise.all(jobs);
    assert.equal(results.filter((r) => r[0] === '172.18.0.2').length, 1500);
    assert.equal(results.filter((r) => r[0] === '93.184.216.34').length, 500);
  });
});

describe('listeners', () => {
  it('serves each network on its own address with its own names, and on IPv6', async () => {
    const p6 = await dns.listen(OTHER, '::1', 0);
    try {
      assert.deepEqual(await client(p6, '::1').resolve4('other'), ['172.19.0.2']);
      await assert.rejects(client(p6, '::1').resolve4('web'), { code: 'ENOTFOUND' });
    } finally {
      await dns.stop(OTHER);
    }
    assert.equal(await udpExchange(p6, query('other', 'A'), 200, '::1'), undefined, 'stopped');
  });

  it('listens again on the same fixed port after stop', async () => {
    const extra = new EmbeddedDns({ resolver, upstream: () => [], log: { debug() {}, warn() {} } });
    const p = await extra.listen(OTHER, '127.0.0.1', 0);
    await extra.stop(OTHER);
    assert.equal(await extra.listen(OTHER, '127.0.0.1', p), p);
    assert.deepEqual(await client(p).resolve4('other'), ['172.19.0.2']);
    await extra.close();
  });

  it('ignores clients outside the network subnets', async () => {
    const guarded = new EmbeddedDns({ resolver, upstream: () => [], log: { debug() {}, warn() {} } });
    try {
      const p = await guarded.listen(OTHER, '127.0.0.1', 0, ['10.99.0.0/16', 'fd99::/64']);
      assert.equal(await udpExchange(p, query('other', 'A'), 200), undefined, 'udp ignored');
      assert.equal(await tcpExchange(p, query('other', 'A'), 500), undefined, 'tcp closed');
      const q = await guarded.listen(OTHER, '127.0.0.1', 0, ['127.0.0.0/8']);
      assert.deepEqual(decodeReply(await udpExchange(q, query('other', 'A'))).answers.map((a) => a.data), ['172.19.0.2']);
      assert.equal(decodeReply(await tcpExchange(q, query('other', 'A'))).answers.length, 1);
    } finally {
      await guarded.close();
    }
  });

  it('throws a clear error when the address cannot be bound', async () => {
    await assert.rejects(dns.listen(OTHER, '192.0.2.1', 0), (err: Error) => {
      assert.match(err.message, /embedded DNS server for network bbbbbbbbbbbb: cannot listen on 192\.0\.2\.1:0\/udp/);
      assert.match(err.message, /is the bridge up\?/);
      return true;
    });
    await assert.rejects(dns.listen(OTHER, '127.0.0.1', port), /cannot listen on 127\.0\.0\.1:\d+\/udp: .*EADDRINUSE/);
  });

  it('close() ends forwarded queries in flight at once', async () => {
    const hole = await blackHole();
    const slow = new EmbeddedDns({ resolver, upstream: () => [hole.address], upstreamTimeoutMs: 10_000, log: { debug() {}, warn() {} } });
    await slow.listen(OTHER, '127.0.0.1', 0);
    const pending = slow.handle(OTHER, query('slow.example', 'A'), '127.0.0.1', 'udp');
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await slow.close();
    const reply = await pending;
    assert.ok(performance.now() - t0 < 500);
    assert.equal(decodeReply(reply).rcode, 'SERVFAIL');
    await hole.close();
  });
});
