// The bridge data plane on the real kernel (root): two bridge networks (one dual stack), an
// internal one and one without icc, sandboxes connected to them, and traffic checked with
// busybox and small Node servers run in the namespaces. "Outside" is a namespace of the
// test's own behind a veth, with no route to the containers' subnets: only masqueraded
// traffic can be answered. Published ports are reached on 127.0.0.1, on an address of a dummy
// interface, from the outside namespace, and from containers (hairpin), with the host's
// FORWARD policy set to DROP for the checks (restored after). Then 50 create/connect/publish/
// unpublish/disconnect/remove cycles must leave interfaces, rules, namespaces and mounts as
// they were; reconcile and close are checked last. Names are unique per run ("wt<hex>").
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BridgeNetworkSpec, EndpointSpec, PortBinding } from '../../src/network/driver.ts';
import { Iptables } from '../../src/host/firewall.ts';
import { BridgeFirewall } from '../../src/network/bridge/firewall.ts';
import { BridgeDataPlane } from '../../src/network/bridge/plane.ts';

const root = process.getuid?.() === 0;
const NODE = process.execPath;
const tag = randomBytes(2).toString('hex');
const PREFIX = `WT${tag.toUpperCase()}`;
const v6ok = existsSync('/proc/net/if_inet6');

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: 15_000 });
}
const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 });

/** A free 10.x.0.0/16 (x in 200..249) no host route touches. */
function pickOctet(): number {
  const routes = sh('ip', ['-4', 'route', 'show', 'table', 'all']) + sh('ip', ['-4', 'addr']);
  for (let i = 0; i < 50; i++) {
    const o = 200 + Math.floor(Math.random() * 50);
    if (!routes.includes(`10.${o}.`)) return o;
  }
  throw new Error('no free 10.2xx.0.0/16 for the test');
}
const O = root ? pickOctet() : 0;
// Without leading zeros, as `ip` prints addresses ("0e75" shows as "e75").
const V6 = `fd00:${Number.parseInt(tag, 16).toString(16)}`;

const net = (id: string, bridge: string, third: number, over: Partial<BridgeNetworkSpec> = {}): BridgeNetworkSpec => ({
  id: id.repeat(64).slice(0, 64),
  bridge,
  subnet: `10.${O}.${third}.0/24`,
  gateway: `10.${O}.${third}.1`,
  mtu: 1500,
  icc: true,
  internal: false,
  masquerade: true,
  ...over,
});
const A = net('a', `wt${tag}a`, 1, v6ok ? { ipv6: { subnet: `${V6}:1::/64`, gateway: `${V6}:1::1` } } : {});
const B = net('b', `wt${tag}b`, 2, { icc: false });
const C = net('c', `wt${tag}c`, 3, { internal: true, masquerade: false });
const OUT_IP = `10.${O}.9.2`;
const HOST_OUT_IP = `10.${O}.9.1`;
const DUMMY_IP = `10.${O}.8.1`;
const DUMMY_IP6 = `${V6}:8::1`;

function ep(id: string, n: BridgeNetworkSpec, host: number, netnsPath: string, over: Partial<EndpointSpec> = {}): EndpointSpec {
  const third = Number(n.subnet.split('.')[2]);
  return {
    containerId: id,
    netnsPath,
    ifName: 'eth0',
    ipv4: `10.${O}.${third}.${host}/24`,
    ...(n.ipv6 ? { ipv6: `${V6}:${third}::${host}/64` } : {}),
    mac: `02:42:0a:${O.toString(16)}:${third.toString(16).padStart(2, '0')}:${host.toString(16).padStart(2, '0')}`,
    defaultRoute: true,
    ...over,
  };
}
const ip4 = (e: EndpointSpec) => e.ipv4.split('/')[0] ?? '';
const ip6 = (e: EndpointSpec) => e.ipv6?.split('/')[0] ?? '';

// A TCP server answering "<name> <peer address>" and a UDP one echoing the same, in a namespace.
const SERVER = `
const [name, port] = process.argv.slice(1);
const net = require('node:net'), dgram = require('node:dgram');
const peer = (a) => a.replace(/^::ffff:/, '');
net.createServer((s) => s.end(name + ' ' + peer(s.remoteAddress) + '\\n')).listen(+port, '::', () => {
  const u = dgram.createSocket({ type: 'udp6', ipv6Only: false });
  u.on('message', (m, r) => u.send(name + ' ' + peer(r.address) + '\\n', r.port, r.address));
  u.bind(+port, '::', () => process.stdout.write('ready\\n'));
});`;

const servers: ChildProcess[] = [];
function serve(ns: string, name: string, port: number): Promise<void> {
  const child = spawn('nsenter', [`--net=${ns}`, NODE, '-e', SERVER, name, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`server ${name} exited ${code}`)));
  });
}

/** The line a TCP server answers, fetched from namespace `ns` (the host's when undefined); '' when unreachable. */
function tcp(ns: string | undefined, host: string, port: number): string {
  const args = ['busybox', 'nc', '-w', '2', host, String(port)];
  const r = ns ? ok('nsenter', [`--net=${ns}`, ...args]) : ok(args[0] ?? '', args.slice(1));
  return r.status === 0 ? r.stdout.trim() : '';
}

function ping(ns: string, host: string): boolean {
  return ok('nsenter', [`--net=${ns}`, 'busybox', 'ping', '-c1', '-W1', host]).status === 0;
}

/** A UDP round trip from the host: the server's answer, or '' after a second. */
function udp(host: string, port: number): Promise<string> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.close();
      resolve('');
    }, 1000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString().trim());
    });
    s.send('hi', port, host);
  });
}

/**
 * What must come back exactly after the cycles: our share of the host's state (other tests may
 * run alongside and make interfaces and rules of their own).
 */
function snapshot(runDir: string, bridges: string[]): { links: string[]; rules4: string[]; rules6: string[]; netns: string[]; mounts: string[] } {
  const save = (bin: string) =>
    sh(bin, [])
      .split('\n')
      .filter((l) => l.includes(PREFIX))
      .map((l) => l.replace(/\[\d+:\d+\]/, ''));
  const links = sh('ip', ['-o', 'link', 'show'])
    .split('\n')
    .filter((l) => l.includes(`wt${tag}`) || bridges.some((b) => l.includes(` master ${b} `)))
    .map((l) => l.replace(/^\d+: /, '').split(':')[0] ?? '');
  return {
    links: links.sort(),
    rules4: save('iptables-save'),
    rules6: v6ok ? save('ip6tables-save') : [],
    netns: existsSync(join(runDir, 'netns')) ? readdirSync(join(runDir, 'netns')).sort() : [],
    mounts: readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => m.startsWith(runDir))
      .sort(),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

describe('bridge data plane (root, real kernel)', { skip: !root && 'needs root' }, () => {
  const runDir = root ? mkdtempSync(join(tmpdir(), `wharf-plane-${tag}-`)) : '';
  const outsideNs = join(runDir, 'outside');
  let plane: BridgeDataPlane;
  const policies: [string, string][] = [];
  const sb: Record<string, string> = {};
  let e1: EndpointSpec;
  let e2: EndpointSpec;
  let e3: EndpointSpec;
  let e4: EndpointSpec;
  let e5: EndpointSpec;
  const PORT = 20000 + Math.floor(Math.random() * 9000);
  const ports = (e: EndpointSpec): PortBinding[] => [
    { proto: 'tcp', hostIp: '', hostPort: PORT, containerIp: ip4(e), containerPort: 8080 },
    { proto: 'udp', hostIp: '0.0.0.0', hostPort: PORT, containerIp: ip4(e), containerPort: 8080 },
    { proto: 'tcp', hostIp: DUMMY_IP, hostPort: PORT + 1, containerIp: ip4(e), containerPort: 8080 },
    ...(v6ok ? [{ proto: 'tcp' as const, hostIp: '::', hostPort: PORT, containerIp: ip6(e), containerPort: 8080 }] : []),
  ];

  before(async () => {
    // The outside world: a namespace behind a veth, plus an interface the test makes with host addresses.
    writeFileSync(outsideNs, '');
    sh('unshare', [`--net=${outsideNs}`, 'true']);
    sh('ip', ['link', 'add', `wt${tag}o`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outsideNs]);
    sh('ip', ['addr', 'add', `${HOST_OUT_IP}/24`, 'dev', `wt${tag}o`]);
    sh('ip', ['link', 'set', `wt${tag}o`, 'up']);
    sh('nsenter', [`--net=${outsideNs}`, 'ip', 'addr', 'add', `${OUT_IP}/24`, 'dev', 'eth0']);
    sh('nsenter', [`--net=${outsideNs}`, 'ip', 'link', 'set', 'eth0', 'up']);
    sh('nsenter', [`--net=${outsideNs}`, 'ip', 'link', 'set', 'lo', 'up']);
    // A route to the internal network only: its isolation, not a missing route, must stop traffic.
    sh('nsenter', [`--net=${outsideNs}`, 'ip', 'route', 'add', C.subnet, 'via', HOST_OUT_IP]);
    // No dummy driver in every kernel: a veth pair kept on the host serves as well.
    sh('ip', ['link', 'add', `wt${tag}d`, 'type', 'veth', 'peer', 'name', `wt${tag}p`]);
    sh('ip', ['link', 'set', `wt${tag}p`, 'up']);
    sh('ip', ['addr', 'add', `${DUMMY_IP}/32`, 'dev', `wt${tag}d`]);
    if (v6ok) sh('ip', ['addr', 'add', `${DUMMY_IP6}/128`, 'dev', `wt${tag}d`, 'nodad']);
    sh('ip', ['link', 'set', `wt${tag}d`, 'up']);
    await serve(outsideNs, 'outside', 7000);

    plane = new BridgeDataPlane({ runDir, chainPrefix: PREFIX });
    await plane.reconcile({ networks: [], sandboxes: [], ports: new Map() });
    for (const n of [A, B, C]) await plane.ensureNetwork(n);
    for (const id of ['c1', 'c2', 'c3', 'c4', 'c5']) sb[id] = await plane.createSandbox(id);
    e1 = ep('c1', A, 2, sb['c1'] ?? '');
    e2 = ep('c2', A, 3, sb['c2'] ?? '');
    e3 = ep('c3', B, 2, sb['c3'] ?? '');
    e4 = ep('c4', B, 3, sb['c4'] ?? '');
    e5 = ep('c5', C, 2, sb['c5'] ?? '');
    await plane.connect(A, e1);
    await plane.connect(A, e2);
    await plane.connect(B, e3);
    await plane.connect(B, e4);
    await plane.connect(C, e5);
    await serve(e2.netnsPath, 'c2', 8080);
    await serve(e4.netnsPath, 'c4', 8080);
    await serve(e5.netnsPath, 'c5', 8080);
    await plane.publish(A, e2, ports(e2));
    // Every check runs with the FORWARD policy another engine might have set.
    for (const bin of v6ok ? ['iptables', 'ip6tables'] : ['iptables']) {
      const policy = /-P FORWARD (\S+)/.exec(sh(bin, ['-S', 'FORWARD']))?.[1] ?? 'ACCEPT';
      policies.push([bin, policy]);
      sh(bin, ['-P', 'FORWARD', 'DROP']);
    }
  });

  after(async () => {
    for (const [bin, policy] of policies) ok(bin, ['-P', 'FORWARD', policy]);
    for (const s of servers) s.kill('SIGKILL');
    await plane?.close().catch((err: unknown) => console.error('close:', err));
    // Whatever a failure left behind: our links, chains, namespaces, mounts.
    for (const l of sh('ip', ['-o', 'link', 'show']).matchAll(new RegExp(`\\d+: (wt${tag}\\w)[@:]`, 'g'))) ok('ip', ['link', 'del', l[1] ?? '']);
    // Chains by name, whatever state the plane was in.
    await new BridgeFirewall(new Iptables(), PREFIX).teardown().catch((err: unknown) => console.error('firewall teardown:', err));
    ok('umount', [outsideNs]);
    for (const m of snapshot(runDir, []).mounts.reverse()) ok('umount', ['-l', m]);
    rmSync(runDir, { recursive: true, force: true });
  });

  it('gives each sandbox its interface, addresses, MAC and routes', () => {
    const addr = sh('nsenter', [`--net=${e1.netnsPath}`, 'ip', '-o', 'addr', 'show', 'eth0']);
    assert.match(addr, new RegExp(`inet ${ip4(e1)}/24`));
    if (v6ok) assert.match(addr, new RegExp(`inet6 ${ip6(e1)}/64`));
    const link = sh('nsenter', [`--net=${e1.netnsPath}`, 'ip', '-o', 'link', 'show', 'eth0']);
    assert.match(link, new RegExp(e1.mac));
    assert.match(link, /state UP/);
    assert.match(sh('nsenter', [`--net=${e1.netnsPath}`, 'ip', 'route']), new RegExp(`default via ${A.gateway} dev eth0`));
    assert.match(sh('nsenter', [`--net=${e1.netnsPath}`, 'ip', '-o', 'link', 'show', 'lo']), /UP/);
    // The host end: on the bridge, hairpin on, named like Docker's.
    const ports = sh('ip', ['-d', '-o', 'link', 'show', 'master', A.bridge]);
    assert.match(ports, /veth[0-9a-f]{7}@/);
    assert.match(ports, /hairpin on/);
    assert.match(sh('ip', ['-o', 'addr', 'show', A.bridge]), new RegExp(`inet ${A.gateway}/24`));
  });

  it('connects containers of one network and isolates the others', () => {
    assert.ok(ping(e1.netnsPath, ip4(e2)), 'c1 → c2 (same network)');
    assert.ok(ping(e1.netnsPath, A.gateway), 'c1 → its gateway');
    assert.equal(tcp(e1.netnsPath, ip4(e2), 8080), `c2 ${ip4(e1)}`, 'tcp c1 → c2 keeps the source address');
    if (v6ok) assert.ok(ping(e1.netnsPath, ip6(e2)), 'c1 → c2 over IPv6');
    assert.ok(!ping(e1.netnsPath, ip4(e3)), 'c1 → c3 (another network) is dropped');
    assert.ok(!ping(e3.netnsPath, ip4(e1)), 'c3 → c1 is dropped');
    assert.equal(tcp(e1.netnsPath, ip4(e4), 8080), '', 'tcp c1 → c4 is dropped');
  });

  it('drops traffic between containers of an icc=false network', () => {
    assert.ok(!ping(e3.netnsPath, ip4(e4)), 'c3 → c4 with icc off');
    assert.ok(ping(e3.netnsPath, B.gateway), 'the gateway still answers');
    // Whatever the host-wide bridge-nf-call-iptables says, this bridge's traffic meets iptables.
    assert.match(sh('ip', ['-d', 'link', 'show', B.bridge]), /nf_call_iptables 1/);
    assert.match(sh('ip', ['-d', 'link', 'show', A.bridge]), /nf_call_iptables 0/);
  });

  it('masquerades outbound traffic (not from internal networks)', () => {
    assert.equal(tcp(e1.netnsPath, OUT_IP, 7000), `outside ${HOST_OUT_IP}`, 'the outside sees the host address');
    assert.equal(tcp(e3.netnsPath, OUT_IP, 7000), `outside ${HOST_OUT_IP}`);
    // An internal network's container gets no default route; give it one, the firewall must still stop it.
    sh('nsenter', [`--net=${e5.netnsPath}`, 'ip', 'route', 'add', 'default', 'via', C.gateway]);
    assert.equal(tcp(e5.netnsPath, OUT_IP, 7000), '', 'an internal network has no way out');
    assert.equal(tcp(outsideNs, ip4(e5), 8080), '', 'nor a way in');
  });

  it('publishes tcp and udp ports on 127.0.0.1, host addresses and to the outside', async () => {
    assert.match(tcp(undefined, '127.0.0.1', PORT), /^c2 /, '127.0.0.1');
    assert.equal(tcp(undefined, DUMMY_IP, PORT), `c2 ${A.gateway}`, 'test interface address, all-addresses binding');
    assert.match(tcp(undefined, DUMMY_IP, PORT + 1), /^c2 /, 'test interface address, address binding');
    assert.equal(tcp(undefined, '127.0.0.1', PORT + 1), '', 'an address binding answers on that address only');
    assert.equal(tcp(outsideNs, HOST_OUT_IP, PORT), `c2 ${OUT_IP}`, 'from outside, with its own source address');
    assert.match(await udp('127.0.0.1', PORT), /^c2 /, 'udp on 127.0.0.1');
    assert.match(await udp(DUMMY_IP, PORT), /^c2 /, 'udp on the dummy address');
    if (v6ok) assert.match(tcp(undefined, DUMMY_IP6, PORT), /^c2 /, 'IPv6 on a host address');
  });

  it('lets containers reach published ports through a host address (hairpin)', () => {
    assert.match(tcp(e2.netnsPath, DUMMY_IP, PORT), /^c2 /, 'c2 reaches its own port');
    assert.match(tcp(e1.netnsPath, DUMMY_IP, PORT), /^c2 /, 'c1 reaches its neighbour through the host');
  });

  it('keeps containers off the host loopback despite route_localnet', async () => {
    // The CVE-2020-8558 attack: a packet to 127.0.0.1 sent to the gateway's MAC. A host service
    // on 127.0.0.1 would answer it, as route_localnet is on; our INPUT rule must drop it.
    const listener = (await import('node:net')).createServer((s) => s.end('host loopback\n'));
    await new Promise<void>((r) => listener.listen(PORT + 500, '127.0.0.1', r));
    const path = await plane.createSandbox('c6');
    try {
      await plane.connect(A, ep('c6', A, 6, path));
      const conf = 'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet; echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet';
      sh('nsenter', [`--net=${path}`, 'sh', '-c', `${conf}; ip route del local 127.0.0.0/8 dev lo table local; ip route del local 127.0.0.1 dev lo table local; ip route add 127.0.0.1/32 via ${A.gateway} dev eth0 onlink`]);
      const count = () => Number(/^\s*(\d+)/.exec(sh('iptables', ['-L', `${PREFIX}-INPUT`, '-v', '-x', '-n']).split('\n')[2] ?? '')?.[1] ?? 0);
      const dropped = count();
      assert.equal(tcp(path, '127.0.0.1', PORT + 500), '');
      assert.ok(count() > dropped, 'the packets reached the host and our rule dropped them');
    } finally {
      listener.close();
      await plane.removeSandbox('c6');
    }
  });

  it('unpublishes, then leaks nothing over 50 sandbox/connect/publish cycles', async () => {
    await plane.unpublish(A, e2, ports(e2));
    assert.equal(tcp(undefined, '127.0.0.1', PORT), '', 'unpublished');
    const bridges = [A.bridge, B.bridge, C.bridge];
    const before = snapshot(runDir, bridges);
    const t: Record<string, number[]> = { createSandbox: [], connect: [], publish: [], unpublish: [], disconnect: [], removeSandbox: [] };
    const time = async (k: string, f: () => Promise<unknown>) => {
      const s = performance.now();
      await f();
      t[k]?.push(performance.now() - s);
    };
    for (let i = 0; i < 50; i++) {
      const id = `cyc${i}`;
      let path = '';
      await time('createSandbox', async () => {
        path = await plane.createSandbox(id);
      });
      const e = ep(id, A, 100 + i, path);
      await time('connect', () => plane.connect(A, e));
      const p = ports(e).map((b) => ({ ...b, hostPort: b.hostPort + 2 + i * 2 }));
      await time('publish', () => plane.publish(A, e, p));
      await time('unpublish', () => plane.unpublish(A, e, p));
      // Half leave the way `run --rm` does (sandbox only), half disconnect first.
      if (i % 2 === 0) await time('disconnect', () => plane.disconnect(A, e));
      if (i % 3 === 0) await plane.publish(A, e, p); // ports left to removeSandbox
      await time('removeSandbox', () => plane.removeSandbox(id));
    }
    // Veths go with their namespace, asynchronously in the kernel.
    const deadline = Date.now() + 10_000;
    let now = snapshot(runDir, bridges);
    while (JSON.stringify(now) !== JSON.stringify(before) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      now = snapshot(runDir, bridges);
    }
    assert.deepEqual(now, before);
    console.log(`plane timings over 50 cycles, median ms: ${Object.entries(t).map(([k, v]) => `${k} ${median(v).toFixed(2)}`).join(', ')}`);
  });

  it('reconciles: removes what is not expected, restores what is, from a fresh instance', async () => {
    await plane.publish(A, e2, ports(e2));
    const bridges = [A.bridge, B.bridge, C.bridge];
    const rules = snapshot(runDir, bridges);
    // A stale network and sandbox of ours, then a "restart": a new instance with the same prefix.
    const D = net('d', `wt${tag}e`, 4);
    await plane.ensureNetwork(D);
    await plane.createSandbox('stale');
    const again = new BridgeDataPlane({ runDir, chainPrefix: PREFIX });
    const s = performance.now();
    await again.reconcile({
      networks: [A, B, C],
      sandboxes: ['c1', 'c2', 'c3', 'c4', 'c5'],
      ports: new Map([['c2', { network: A, endpoint: e2, ports: ports(e2) }]]),
    });
    console.log(`reconcile (3 networks, fresh instance) ${(performance.now() - s).toFixed(1)} ms`);
    assert.deepEqual(snapshot(runDir, bridges), rules);
    assert.match(tcp(undefined, '127.0.0.1', PORT), /^c2 /, 'ports still answer');
    // And a bridge the reconcile must re-create, as after a reboot.
    sh('ip', ['link', 'del', B.bridge]);
    await again.reconcile({ networks: [A, B, C], sandboxes: ['c1', 'c2', 'c3', 'c4', 'c5'], ports: new Map([['c2', { network: A, endpoint: e2, ports: ports(e2) }]]) });
    assert.match(sh('ip', ['-o', 'addr', 'show', B.bridge]), new RegExp(`inet ${B.gateway}/24`));
    // The servers hold their namespaces (and veths) alive: stop them first.
    for (const srv of servers) srv.kill('SIGKILL');
    await again.close();
    for (const bin of v6ok ? ['iptables-save', 'ip6tables-save'] : ['iptables-save']) {
      assert.deepEqual(sh(bin, []).split('\n').filter((l) => l.includes(PREFIX)), [], `${bin} after close`);
    }
    assert.deepEqual(sh('ip', ['-o', 'link', 'show']).split('\n').filter((l) => new RegExp(`wt${tag}[abce]`).test(l)), [], 'bridges after close');
    const left = snapshot(runDir, []);
    assert.deepEqual(left.mounts, [join(runDir, 'outside')], 'no namespace file of ours or shared mount left');
    assert.deepEqual(left.netns, [], 'no namespace file left');
  });
});
