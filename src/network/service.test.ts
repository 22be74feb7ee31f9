import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { openDatabase, type Db } from '../store/db.ts';
import type { EventInput } from '../lib/events.ts';
import { DEFAULT_POOLS } from './ipam.ts';
import type { ContainerNet, NetworkDaemonConfig } from './deps.ts';
import type { EmbeddedDnsServer } from './dns/types.ts';
import { FakePortBinder, RecordingDataPlane } from './fake-dataplane.ts';
import { NetworkService } from './service.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wharf-net-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface World {
  svc: NetworkService;
  dp: RecordingDataPlane;
  binder: FakePortBinder;
  events: EventInput[];
  containers: Map<string, ContainerNet>;
  db: Db;
  dnsListens: string[];
}

function config(over: Partial<NetworkDaemonConfig> = {}): NetworkDaemonConfig {
  return { bridge: 'wharf0', pools: DEFAULT_POOLS, mtu: 1500, icc: true, ipMasq: true, defaultBindIp: '0.0.0.0', dns: [], dnsSearch: [], dnsOptions: [], portRange: [40000, 40009], ...over };
}

let n = 0;
async function world(over: Partial<NetworkDaemonConfig> = {}, routes: { iface: string; cidr: string }[] = [], db?: Db, alive?: (id: string) => boolean): Promise<World> {
  const dp = new RecordingDataPlane();
  const binder = new FakePortBinder();
  const events: EventInput[] = [];
  const containers = new Map<string, ContainerNet>();
  const dnsListens: string[] = [];
  const dns: EmbeddedDnsServer = {
    listen: async (id, addr) => {
      dnsListens.push(`${id}@${addr}`);
      return 53;
    },
    stop: async () => {},
    close: async () => {},
  };
  const theDb = db ?? openDatabase(join(dir, `db${n++}.sqlite`));
  const svc = new NetworkService({
    db: theDb,
    dataPlane: dp,
    dns,
    events: { publish: (e) => events.push(e) },
    config: config(over),
    ports: binder,
    hostRoutes: () => routes,
    hostResolvConf: async () => 'nameserver 10.0.0.53\nsearch corp.example\n',
  });
  svc.bindContainers({
    resolve: (ref) => {
      const c = containers.get(ref) ?? [...containers.values()].find((x) => x.name === ref);
      if (!c) throw new Error(`No such container: ${ref}`);
      return c;
    },
    get: (id) => containers.get(id),
    withLock: (_id, fn) => fn(),
  });
  await svc.init(alive ?? ((id) => containers.get(id)?.running ?? false));
  return { svc, dp, binder, events, containers, db: theDb, dnsListens };
}

let seq = 0;
async function container(w: World, name: string, over: Partial<ContainerNet> = {}, endpoints: Record<string, object> = {}): Promise<ContainerNet> {
  const id = (++seq).toString(16).padStart(64, 'a');
  const cdir = await mkdtemp(join(dir, `c-${name}-`));
  const c: ContainerNet = {
    id,
    name,
    hostname: id.slice(0, 12),
    domainname: '',
    running: false,
    removing: false,
    networkMode: 'bridge',
    exposedPorts: {},
    portBindings: {},
    publishAll: false,
    extraHosts: [],
    dns: [],
    dnsSearch: [],
    dnsOptions: [],
    dir: cdir,
    ...over,
  };
  w.containers.set(id, c);
  w.svc.save(id, w.svc.plan(c.networkMode, endpoints, true));
  return c;
}

async function start(w: World, c: ContainerNet) {
  const r = await w.svc.setUp(c);
  c.running = true;
  return r;
}

describe('predefined networks', () => {
  it('bridge, host and none exist from the first start; the bridge takes 172.17.0.0/16', async () => {
    const w = await world();
    const names = w.svc.list(new Map()).map((x) => `${x.Name}/${x.Driver}`).sort();
    assert.deepEqual(names, ['bridge/bridge', 'host/host', 'none/null']);
    const b = w.svc.inspect('bridge');
    assert.deepEqual(b.IPAM.Config, [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }]);
    assert.equal(b.Options['com.docker.network.bridge.name'], 'wharf0');
    assert.equal(w.dp.bridges.get(b.Id)?.bridge, 'wharf0');
  });

  it('skips a subnet that clashes with a host route, and keeps its ID and subnet across restarts', async () => {
    const w = await world({}, [{ iface: 'docker0', cidr: '172.17.0.0/16' }]);
    const b = w.svc.inspect('bridge');
    assert.equal(b.IPAM.Config?.[0]?.Subnet, '172.18.0.0/16');
    const again = await world({}, [{ iface: 'wharf0', cidr: '172.18.0.0/16' }], w.db);
    assert.equal(again.svc.inspect('bridge').Id, b.Id);
    assert.equal(again.svc.inspect('bridge').IPAM.Config?.[0]?.Subnet, '172.18.0.0/16');
  });

  it('--bip sets the address; --bridge=none leaves no bridge network; the pools choose the subnet', async () => {
    const w = await world({ bip: '10.99.0.1/24' });
    assert.deepEqual(w.svc.inspect('bridge').IPAM.Config, [{ Subnet: '10.99.0.0/24', Gateway: '10.99.0.1' }]);
    const none = await world({ bridge: null });
    assert.throws(() => none.svc.inspect('bridge'), /network bridge not found/);
    const pooled = await world({ pools: [{ base: '10.77.0.0/16', size: 24 }] });
    assert.equal(pooled.svc.inspect('bridge').IPAM.Config?.[0]?.Subnet, '10.77.0.0/24');
  });

  it('cannot be removed or created again', async () => {
    const w = await world();
    await assert.rejects(w.svc.remove('host'), { kind: 'Forbidden', message: 'host is a pre-defined network and cannot be removed' });
    await assert.rejects(w.svc.create({ Name: 'bridge' }), { kind: 'Forbidden', message: 'operation is not permitted on predefined bridge network ' });
  });
});

describe('network create, list, remove, prune', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it('creates bridge networks from the pools with Docker\'s defaults and errors', async () => {
    const { Id } = await w.svc.create({ Name: 'front', Labels: { tier: 'web' } });
    const r = w.svc.inspect('front');
    assert.equal(r.Id, Id);
    assert.deepEqual(r.IPAM, { Driver: 'default', Options: {}, Config: [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }] });
    assert.equal(w.dp.bridges.get(Id)?.bridge, `br-${Id.slice(0, 12)}`);
    assert.deepEqual(w.dnsListens.at(-1), `${Id}@172.18.0.1`);
    assert.equal(w.events.at(-1)?.Action, 'create');
    await assert.rejects(w.svc.create({ Name: 'front' }), { kind: 'Conflict', message: 'network with name front already exists' });
    await assert.rejects(w.svc.create({ Name: 'x', Driver: 'weave' }), { kind: 'NotFound', message: 'plugin "weave" not found' });
    await assert.rejects(w.svc.create({ Name: 'y', IPAM: { Config: [{ Subnet: '172.18.5.0/24' }] } }), { kind: 'Forbidden', message: /Pool overlaps/ });
    await assert.rejects(w.svc.create({ Name: 'z', IPAM: { Config: [{ Subnet: '10.1.0.1/24' }] } }), { kind: 'InvalidParameter', message: /it should be 10\.1\.0\.0\/24/ });
  });

  it('takes the user\'s subnet, gateway, range and options', async () => {
    await w.svc.create({
      Name: 'back',
      Internal: true,
      IPAM: { Config: [{ Subnet: '10.50.0.0/16', IPRange: '10.50.8.0/24', Gateway: '10.50.0.254' }] },
      Options: { 'com.docker.network.bridge.name': 'wback', 'com.docker.network.driver.mtu': '1400', 'com.docker.network.bridge.enable_icc': 'false' },
    });
    const r = w.svc.inspect('back');
    assert.deepEqual(r.IPAM.Config, [{ Subnet: '10.50.0.0/16', IPRange: '10.50.8.0/24', Gateway: '10.50.0.254' }]);
    const spec = w.dp.bridges.get(r.Id)!;
    assert.deepEqual(
      { bridge: spec.bridge, mtu: spec.mtu, icc: spec.icc, internal: spec.internal, masquerade: spec.masquerade },
      { bridge: 'wback', mtu: 1400, icc: false, internal: true, masquerade: false },
    );
  });

  it('filters the list as Docker does', async () => {
    await w.svc.create({ Name: 'a1', Labels: { k: 'v' } });
    await w.svc.create({ Name: 'b1' });
    const names = (f: Record<string, string[]>) => w.svc.list(new Map(Object.entries(f))).map((x) => x.Name).sort();
    assert.deepEqual(names({ type: ['custom'] }), ['a1', 'b1']);
    assert.deepEqual(names({ type: ['builtin'] }), ['bridge', 'host', 'none']);
    assert.deepEqual(names({ label: ['k=v'] }), ['a1']);
    assert.deepEqual(names({ name: ['^a'] }), ['a1']);
    assert.deepEqual(names({ driver: ['null'] }), ['none']);
    assert.deepEqual(names({ dangling: ['true'] }), ['a1', 'b1']);
    assert.throws(() => names({ bogus: ['1'] }), /invalid filter 'bogus'/);
  });

  it('refuses to remove a network with active endpoints; prune removes unused ones', async () => {
    await w.svc.create({ Name: 'busy' });
    await w.svc.create({ Name: 'idle', Labels: { keep: '1' } });
    await w.svc.create({ Name: 'idle2' });
    const c = await container(w, 'web', { networkMode: 'busy' });
    await start(w, c);
    const busy = w.svc.inspect('busy');
    await assert.rejects(w.svc.remove('busy'), {
      kind: 'Forbidden',
      message: /^error while removing network: network busy has active endpoints \(name:"web" id:"[0-9a-f]{12}"\)$/,
    });
    const pruned = await w.svc.prune(new Map([['label!', ['keep']]]));
    assert.deepEqual(pruned.NetworksDeleted, ['idle2']);
    await w.svc.tearDown(c.id);
    c.running = false;
    await w.svc.remove('busy');
    assert.equal(w.dp.bridges.has(busy.Id), false);
    assert.throws(() => w.svc.inspect('busy'), { kind: 'NotFound', message: 'network busy not found' });
  });
});

describe('container networking', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it('gives containers on the default bridge addresses, a sandbox, hosts and the host\'s resolvers', async () => {
    const a = await container(w, 'a', { extraHosts: ['gw:host-gateway'] });
    const b = await container(w, 'b');
    const ra = await start(w, a);
    await start(w, b);
    assert.equal(ra.netnsPath, `/run/test/netns/${a.id.slice(0, 12)}`);
    const hosts = await readFile(join(a.dir, 'hosts'), 'utf8');
    assert.match(hosts, new RegExp(`^172\\.17\\.0\\.2\\t${a.hostname}$`, 'm'));
    assert.match(hosts, /^172\.17\.0\.1\tgw$/m);
    assert.equal(await readFile(join(a.dir, 'resolv.conf'), 'utf8'), 'nameserver 10.0.0.53\nsearch corp.example\n');
    const ep = w.dp.of('connect')[1]![1] as { ipv4: string; mac: string; ifName: string; defaultRoute: boolean };
    assert.deepEqual(ep, { containerId: b.id, netnsPath: `/run/test/netns/${b.id.slice(0, 12)}`, ifName: 'eth0', ipv4: '172.17.0.3/16', mac: '02:42:ac:11:00:03', defaultRoute: true });
    const s = w.svc.settings({ id: a.id, name: 'a', hostname: a.hostname, running: true, pid: 1, networkMode: 'bridge', exposedPorts: {} });
    assert.equal(s.networks['bridge']?.IPAddress, '172.17.0.2');
    assert.equal(s.bridge?.Gateway, '172.17.0.1');
    const inspect = w.svc.inspect('bridge');
    assert.equal(inspect.Containers[a.id]?.IPv4Address, '172.17.0.2/16');
    assert.equal(inspect.Containers[a.id]?.Name, 'a');

    await w.svc.tearDown(a.id);
    a.running = false;
    assert.equal(w.dp.sandboxes.has(a.id), false);
    assert.equal(w.svc.records.leaseCount(), 1);
    const c = await container(w, 'c');
    await start(w, c);
    assert.match(await readFile(join(c.dir, 'hosts'), 'utf8'), /^172\.17\.0\.2\t/m, 'the freed address is handed out again');
  });

  it('points user-defined networks at the embedded DNS and answers names, aliases and short IDs', async () => {
    await w.svc.create({ Name: 'app' });
    const net = w.svc.inspect('app');
    const db = await container(w, 'db', { networkMode: 'app' }, { app: { Aliases: ['database'] } });
    await start(w, db);
    assert.equal(await readFile(join(db.dir, 'resolv.conf'), 'utf8'), 'nameserver 172.18.0.1\nsearch corp.example\noptions ndots:0\n');
    assert.deepEqual(w.svc.names.lookup(net.Id, 'db', 'A'), ['172.18.0.2']);
    assert.deepEqual(w.svc.names.lookup(net.Id, 'database', 'A'), ['172.18.0.2']);
    assert.deepEqual(w.svc.names.lookup(net.Id, db.id.slice(0, 12), 'A'), ['172.18.0.2']);
    assert.deepEqual(w.svc.names.lookup(net.Id, 'db.app', 'A'), ['172.18.0.2']);
    assert.deepEqual(w.svc.names.lookup(net.Id, 'db', 'AAAA'), []);
    assert.equal(w.svc.names.lookup(net.Id, 'example.com', 'A'), undefined);
    assert.deepEqual(w.svc.names.reverse(net.Id, '172.18.0.2'), ['db.app']);
    const bridgeId = w.svc.inspect('bridge').Id;
    assert.equal(w.svc.names.lookup(bridgeId, 'db', 'A'), undefined, 'names stay on their network');
    await w.svc.tearDown(db.id);
    assert.equal(w.svc.names.lookup(net.Id, 'db', 'A'), undefined);
  });

  it('publishes ports; a port already allocated fails the start and leaves nothing behind', async () => {
    const web = await container(w, 'web', { portBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] }, exposedPorts: { '80/tcp': {}, '53/udp': {}, '443/tcp': {} } });
    await start(w, web);
    const pub = w.dp.of('publish')[0]![2];
    assert.deepEqual(pub, [
      { proto: 'udp', hostIp: '127.0.0.1', hostPort: 40000, containerPort: 53, containerIp: '172.17.0.2' },
      { proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, containerIp: '172.17.0.2' },
    ]);
    const s = w.svc.settings({ id: web.id, name: 'web', hostname: 'w', running: true, pid: 1, networkMode: 'bridge', exposedPorts: web.exposedPorts });
    assert.deepEqual(s.ports, { '443/tcp': null, '53/udp': [{ HostIp: '127.0.0.1', HostPort: '40000' }], '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] });

    const clash = await container(w, 'clash', { portBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } });
    const before = { leases: w.svc.records.leaseCount(), sandboxes: w.dp.sandboxes.size };
    await assert.rejects(w.svc.setUp(clash), {
      message: /^failed to set up container networking: driver failed programming external connectivity on endpoint clash \([0-9a-f]{64}\): Bind for 0\.0\.0\.0:8080 failed: port is already allocated$/,
    });
    assert.deepEqual({ leases: w.svc.records.leaseCount(), sandboxes: w.dp.sandboxes.size }, before);
    assert.equal(w.svc.records.sandbox(clash.id), undefined);

    w.binder.foreign.add('tcp/0.0.0.0/9090');
    const host = await container(w, 'host', { portBindings: { '80/tcp': [{ HostIp: '', HostPort: '9090' }] } });
    await assert.rejects(w.svc.setUp(host), { message: /Bind for 0\.0\.0\.0:9090 failed: port is already allocated/ });
    await w.svc.tearDown(web.id);
    assert.equal(w.binder.held.size, 0, 'port reservations released');
  });

  it('-P publishes exposed ports on ephemeral ports, round robin', async () => {
    const a = await container(w, 'pa', { publishAll: true, exposedPorts: { '80/tcp': {} } });
    await start(w, a);
    const b = await container(w, 'pb', { publishAll: true, exposedPorts: { '80/tcp': {} } });
    await start(w, b);
    const ports = w.dp.of('publish').map((c) => (c[2] as { hostPort: number }[])[0]!.hostPort);
    assert.deepEqual(ports, [40000, 40001]);
  });

  it('connects and disconnects running and created containers', async () => {
    await w.svc.create({ Name: 'n1' });
    await w.svc.create({ Name: 'n2', IPAM: { Config: [{ Subnet: '10.60.0.0/24' }] } });
    const c = await container(w, 'live', { networkMode: 'n1' });
    await start(w, c);
    await w.svc.connect('n2', { Container: 'live', EndpointConfig: { IPAMConfig: { IPv4Address: '10.60.0.9' }, Aliases: ['x'] } });
    const ep = w.dp.of('connect').at(-1)![1] as { ifName: string; ipv4: string; defaultRoute: boolean };
    assert.deepEqual([ep.ifName, ep.ipv4, ep.defaultRoute], ['eth1', '10.60.0.9/24', false]);
    assert.match(await readFile(join(c.dir, 'hosts'), 'utf8'), /^10\.60\.0\.9\t/m);
    await assert.rejects(w.svc.connect('n2', { Container: 'live' }), { kind: 'Forbidden', message: 'endpoint with name live already exists in network n2' });
    await w.svc.disconnect('n2', { Container: 'live' });
    assert.doesNotMatch(await readFile(join(c.dir, 'hosts'), 'utf8'), /10\.60\.0\.9/);
    assert.equal(w.dp.veths.has(`${c.id}/eth1`), false);
    await assert.rejects(w.svc.disconnect('n2', { Container: 'live' }), /is not connected to network n2/);

    const idle = await container(w, 'idle', { networkMode: 'n1' });
    await w.svc.connect('n2', { Container: 'idle' });
    assert.deepEqual(w.svc.records.attachmentsOf(idle.id).map((a) => a.networkName), ['n1', 'n2']);
    const r = await start(w, idle);
    assert.ok(r.netnsPath);
    assert.deepEqual(
      w.dp.of('connect').slice(-2).map((x) => (x[1] as { ifName: string }).ifName),
      ['eth0', 'eth1'],
    );
    await container(w, 'lonely', { networkMode: 'none' });
    await assert.rejects(w.svc.connect('n1', { Container: 'lonely' }), { message: /private \(none\) mode/ });
  });

  it('gives dual-stack networks IPv6 addresses, AAAA names and ports on :: too', async () => {
    await w.svc.create({ Name: 'v6', EnableIPv6: true, IPAM: { Config: [{ Subnet: 'fd00:aa::/64' }] } });
    const net = w.svc.inspect('v6');
    assert.deepEqual(net.IPAM.Config, [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }, { Subnet: 'fd00:aa::/64' }]);
    assert.equal(net.EnableIPv6, true);
    assert.deepEqual(w.dp.bridges.get(net.Id)?.ipv6, { subnet: 'fd00:aa::/64', gateway: 'fd00:aa::1' });
    const c = await container(w, 'six', { networkMode: 'v6', portBindings: { '80/tcp': [{ HostIp: '', HostPort: '8086' }] } });
    await start(w, c);
    const ep = w.dp.of('connect').at(-1)![1] as { ipv4: string; ipv6?: string };
    assert.equal(ep.ipv6, 'fd00:aa::2/64');
    assert.deepEqual(
      (w.dp.of('publish').at(-1)![2] as { hostIp: string; containerIp: string }[]).map((b) => `${b.hostIp}->${b.containerIp}`),
      ['0.0.0.0->172.18.0.2', '::->fd00:aa::2'],
    );
    assert.deepEqual(w.svc.names.lookup(net.Id, 'six', 'AAAA'), ['fd00:aa::2']);
    assert.deepEqual(w.svc.names.reverse(net.Id, 'fd00:aa::2'), ['six.v6']);
    assert.match(await readFile(join(c.dir, 'hosts'), 'utf8'), /^fd00:aa::2\t/m);
    const s = w.svc.settings({ id: c.id, name: 'six', hostname: c.hostname, running: true, pid: 1, networkMode: 'v6', exposedPorts: {} });
    assert.deepEqual([s.networks['v6']?.GlobalIPv6Address, s.networks['v6']?.GlobalIPv6PrefixLen, s.networks['v6']?.IPv6Gateway], ['fd00:aa::2', 64, 'fd00:aa::1']);
    assert.equal(w.svc.inspect('v6').Containers[c.id]?.IPv6Address, 'fd00:aa::2/64');
    assert.deepEqual(w.svc.plan('v6', { v6: { IPAMConfig: { IPv6Address: 'fd00:aa::99' } } }, true)[0]!.config.IPAMConfig, { IPv6Address: 'fd00:aa::99' });
    assert.throws(() => w.svc.plan('v6', { v6: { IPAMConfig: { IPv6Address: 'fd00:bb::9' } } }, true), /no configured subnet or ip-range contain the IP address fd00:bb::9/);
    await w.svc.create({ Name: 'auto6', EnableIPv6: true });
    assert.match(w.svc.inspect('auto6').IPAM.Config?.[1]?.Subnet ?? '', /^fd[0-9a-f:]+\/64$/);
    await assert.rejects(w.svc.create({ Name: 'half', IPAM: { Config: [{ Subnet: 'fd00:cc::/64' }] } }), /IPv6 is not enabled/);
  });

  it('checks endpoint settings at create as dockerd does', async () => {
    await w.svc.create({ Name: 'auto' });
    await w.svc.create({ Name: 'fixed', IPAM: { Config: [{ Subnet: '10.70.0.0/24' }] } });
    assert.throws(() => w.svc.plan('bridge', { bridge: { Aliases: ['a'] } }, true), /network-scoped alias is supported only for containers in user defined networks/);
    assert.throws(() => w.svc.plan('bridge', { bridge: { IPAMConfig: { IPv4Address: '172.17.0.9' } } }, true), /supported on user defined networks only/);
    assert.throws(() => w.svc.plan('auto', { auto: { IPAMConfig: { IPv4Address: '172.18.0.9' } } }, true), /only when connecting to networks with user configured subnets/);
    assert.throws(() => w.svc.plan('fixed', { fixed: { IPAMConfig: { IPv4Address: '10.1.0.9' } } }, true), /no configured subnet or ip-range contain the IP address 10\.1\.0\.9/);
    const nope = await container(w, 'nope', { networkMode: 'nope' });
    await assert.rejects(w.svc.setUp(nope), { message: 'failed to set up container networking: network nope not found' });
    await w.svc.create({ Name: 'nope' });
    await start(w, nope); // created since: found by name at start
    assert.throws(() => w.svc.plan('auto', { auto: {}, fixed: {} }, false), /Container cannot be connected to network endpoints: auto, fixed/);
    assert.deepEqual(w.svc.plan('auto', { auto: {}, fixed: {} }, true).map((p) => p.networkName), ['auto', 'fixed']);
  });

  it('a restarted daemon keeps running containers\' networking and undoes that of stopped ones', async () => {
    const a = await container(w, 'keep', { portBindings: { '80/tcp': [{ HostIp: '', HostPort: '8081' }] } });
    const b = await container(w, 'gone');
    await start(w, a);
    await start(w, b);
    b.running = false; // exited while the daemon was away
    // A new service over the same database: only `a` is alive.
    const w2 = await world({}, [], w.db, (id) => id === a.id);
    w2.containers.set(a.id, a);
    w2.containers.set(b.id, b);
    const svc2 = w2.svc;
    const expected = w2.dp.of('reconcile').at(-1)![0] as { sandboxes: string[]; ports: Map<string, unknown> };
    assert.deepEqual(expected.sandboxes, [a.id]);
    assert.deepEqual([...expected.ports.keys()], [a.id]);
    assert.equal(svc2.records.sandbox(b.id), undefined);
    assert.deepEqual([...svc2.records.leased(w.svc.inspect('bridge').Id)], ['172.17.0.2']);
    assert.equal(w2.binder.held.has('tcp/0.0.0.0/8081'), true, 'the published port is reserved again');
  });
});
