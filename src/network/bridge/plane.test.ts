import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FakeFirewall } from '../../host/firewall-fake.ts';
import { FakeNetlink } from '../../host/netlink-fake.ts';
import type { LinkOp } from '../../host/netlink.ts';
import type { BridgeNetworkSpec, EndpointSpec } from '../driver.ts';
import { bridgeAlias } from './links.ts';
import { BridgeDataPlane } from './plane.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const runDir = mkdtempSync(join(tmpdir(), 'wharf-plane-unit-'));
  dirs.push(runDir);
  const nl = new FakeNetlink();
  const fw = new FakeFirewall();
  const plane = new BridgeDataPlane({ runDir, chainPrefix: 'WT', netlink: nl, firewall: fw });
  return { runDir, nl, fw, plane };
}

const NET: BridgeNetworkSpec = {
  id: 'f'.repeat(64),
  bridge: 'br-ffffffffffff',
  subnet: '172.18.0.0/16',
  gateway: '172.18.0.1',
  mtu: 1450,
  icc: true,
  internal: false,
  masquerade: true,
};
const DUAL: BridgeNetworkSpec = { ...NET, id: 'd'.repeat(64), bridge: 'br-dual', ipv6: { subnet: 'fd00:1::/64', gateway: 'fd00:1::1' } };
const endpoint = (netnsPath: string, over: Partial<EndpointSpec> = {}): EndpointSpec => ({
  containerId: 'c1',
  netnsPath,
  ifName: 'eth0',
  ipv4: '172.18.0.2/16',
  mac: '02:42:ac:12:00:02',
  defaultRoute: true,
  ...over,
});

describe('BridgeDataPlane (fakes)', () => {
  it('makes a bridge with its mark, MTU, gateway address and sysctls', async () => {
    const { nl, plane } = setup();
    await plane.ensureNetwork(NET);
    const br = nl.ns().links.get(NET.bridge);
    assert.equal(br?.kind, 'bridge');
    assert.equal(br?.alias, bridgeAlias('WT', NET.id));
    assert.equal(br?.mtu, 1450);
    assert.equal(br?.up, true);
    assert.match(br?.mac ?? '', /^02(:[0-9a-f]{2}){5}$/);
    assert.deepEqual(nl.ns().addrs, [{ link: NET.bridge, cidr: '172.18.0.1/16', family: 4, scope: 0 }]);
    assert.equal(nl.ns().sysctls.get('net/ipv4/ip_forward'), '1');
    assert.equal(nl.ns().sysctls.get(`net/ipv4/conf/${NET.bridge}/route_localnet`), '1');
    // Again: nothing new is created, the address is not added twice.
    await plane.ensureNetwork(NET);
    assert.equal(nl.ops('bridge').length, 1);
    assert.equal(nl.ns().addrs.length, 1);
  });

  it('sends the bridged traffic of an icc=false bridge through iptables, and only then', async () => {
    const { nl, plane } = setup();
    await plane.ensureNetwork(NET);
    await plane.ensureNetwork({ ...DUAL, icc: false });
    assert.equal(nl.ns().links.get(NET.bridge)?.nfCall, undefined);
    assert.equal(nl.ns().links.get('br-dual')?.nfCall, true);
  });

  it('gives a dual-stack bridge its IPv6 gateway and forwarding', async () => {
    const { nl, plane, fw } = setup();
    await plane.ensureNetwork(DUAL);
    assert.deepEqual(nl.ns().addrs.map((a) => a.cidr), ['172.18.0.1/16', 'fd00:1::1/64']);
    assert.equal(nl.ns().sysctls.get('net/ipv6/conf/all/forwarding'), '1');
    assert.equal(nl.ns().sysctls.get('net/ipv6/conf/br-dual/accept_ra'), '0');
    assert.deepEqual(fw.rules(6, 'filter', 'FORWARD'), ['-j WT-FORWARD']);
  });

  it('replaces a stale gateway address and leaves a bridge that is not ours', async () => {
    const { nl, plane } = setup();
    nl.addLink(NET.bridge, 'bridge');
    await nl.apply(undefined, [{ op: 'addr', link: NET.bridge, cidr: '10.0.0.1/24' }]);
    await plane.ensureNetwork(NET);
    assert.deepEqual(nl.ns().addrs.map((a) => a.cidr), ['172.18.0.1/16']);
    await plane.removeNetwork(NET);
    assert.ok(nl.ns().links.has(NET.bridge), "the admin's bridge stays");
  });

  it('refuses a bridge name held by another kind of interface', async () => {
    const { nl, plane } = setup();
    nl.addLink(NET.bridge, 'veth');
    await assert.rejects(plane.ensureNetwork(NET), /an interface of kind veth has that name/);
  });

  it('refuses names that are not interface names', async () => {
    const { plane } = setup();
    await assert.rejects(plane.ensureNetwork({ ...NET, bridge: 'a-name-longer-than-15' }), /invalid bridge name/);
    await assert.rejects(plane.createSandbox('../x'), /invalid container ID/);
  });

  it('creates sandboxes under <runDir>/netns, fresh when one was left over', async () => {
    const { nl, plane, runDir } = setup();
    const path = await plane.createSandbox('c1');
    assert.equal(path, join(runDir, 'netns', 'c1'));
    assert.equal(nl.ns(path).links.get('lo')?.up, true);
    nl.ns(path).links.set('junk', { name: 'junk', index: 9, kind: 'veth', master: undefined, up: true, mtu: 1500, mac: '', alias: '' });
    await plane.createSandbox('c1');
    assert.ok(!nl.ns(path).links.has('junk'));
    await plane.removeSandbox('c1');
    assert.ok(!existsSync(path));
    await plane.removeSandbox('c1'); // idempotent
  });

  it('connects: a Docker-named veth on the bridge in hairpin mode, the peer configured inside', async () => {
    const { nl, plane } = setup();
    await plane.ensureNetwork(NET);
    const path = await plane.createSandbox('c1');
    await plane.connect(NET, endpoint(path));
    const host = [...nl.ns().links.values()].find((l) => l.kind === 'veth');
    assert.match(host?.name ?? '', /^veth[0-9a-f]{7}$/);
    assert.equal(host?.master, NET.bridge);
    assert.equal(host && nl.ns().links.get(host.name)?.hairpin, true);
    const eth0 = nl.ns(path).links.get('eth0');
    assert.equal(eth0?.mac, '02:42:ac:12:00:02');
    assert.equal(eth0?.mtu, 1450);
    assert.equal(eth0?.up, true);
    assert.deepEqual(nl.ns(path).addrs.map((a) => a.cidr), ['172.18.0.2/16']);
    assert.deepEqual(nl.ns(path).routes, [{ link: 'eth0', gateway: '172.18.0.1' }]);
    assert.equal(nl.ns(path).sysctls.get('net/ipv6/conf/eth0/disable_ipv6'), '1', 'no IPv6 on a v4-only interface');
  });

  it('configures IPv6 inside on a dual-stack network, routes only where asked and never on internal networks', async () => {
    const { nl, plane } = setup();
    const internal = { ...NET, id: 'i'.repeat(64), bridge: 'br-int', subnet: '172.30.0.0/16', gateway: '172.30.0.1', internal: true, masquerade: false };
    await plane.ensureNetwork(NET);
    await plane.ensureNetwork(DUAL);
    await plane.ensureNetwork(internal);
    const path = await plane.createSandbox('c1');
    await plane.connect(DUAL, endpoint(path, { ipv6: 'fd00:1::2/64' }));
    await plane.connect(internal, endpoint(path, { ifName: 'eth1', ipv4: '172.30.0.2/16', mac: '02:42:ac:1e:00:02' }));
    await plane.connect(NET, endpoint(path, { ifName: 'eth2', ipv4: '172.18.0.9/16', mac: '02:42:ac:12:00:09', defaultRoute: false }));
    assert.deepEqual(nl.ns(path).routes, [
      { link: 'eth0', gateway: '172.18.0.1' },
      { link: 'eth0', gateway: 'fd00:1::1' },
    ]);
    assert.ok(nl.ns(path).addrs.some((a) => a.cidr === 'fd00:1::2/64'));
    assert.equal(nl.ns(path).sysctls.get('net/ipv6/conf/eth0/disable_ipv6'), undefined);
    assert.equal(nl.ns().sysctls.get('net/ipv4/conf/br-int/route_localnet'), undefined, 'no route_localnet where nothing is published');
  });

  it('finishes a connect that an earlier one left half done', async () => {
    const { nl, plane } = setup();
    await plane.ensureNetwork(NET);
    const path = await plane.createSandbox('c1');
    nl.ns(path).links.set('eth0', { name: 'eth0', index: 7, kind: 'veth', master: undefined, up: false, mtu: 1500, mac: '', alias: '' });
    await plane.connect(NET, endpoint(path));
    assert.equal(nl.ns(path).links.get('eth0')?.mac, '02:42:ac:12:00:02');
  });

  it('removes the host end when the inside cannot be configured', async () => {
    const { nl, plane } = setup();
    await plane.ensureNetwork(NET);
    const path = await plane.createSandbox('c1');
    const apply = nl.apply.bind(nl);
    nl.apply = async (netns: string | undefined, ops: LinkOp[]) => {
      if (netns === path) throw Object.assign(new Error('boom'), { code: 'EINVAL' });
      return apply(netns, ops);
    };
    await assert.rejects(plane.connect(NET, endpoint(path)), /boom/);
    assert.deepEqual([...nl.ns().links.values()].filter((l) => l.kind === 'veth'), []);
  });

  it('disconnects (the veth and the ports of that endpoint) even from a sandbox already gone', async () => {
    const { nl, fw, plane } = setup();
    await plane.ensureNetwork(NET);
    const path = await plane.createSandbox('c1');
    const ep = endpoint(path);
    await plane.connect(NET, ep);
    await plane.publish(NET, ep, [{ proto: 'tcp', hostIp: '', hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 }]);
    await plane.disconnect(NET, ep);
    assert.ok(!nl.ns(path).links.has('eth0'));
    assert.deepEqual([...nl.ns().links.values()].filter((l) => l.kind === 'veth'), []);
    assert.deepEqual(fw.rules(4, 'nat', 'WT-DNAT'), []);
    await plane.removeSandbox('c1');
    await plane.disconnect(NET, ep);
  });

  it('withdraws the ports of a removed sandbox, publishes nothing from an internal network', async () => {
    const { fw, plane } = setup();
    await plane.ensureNetwork(NET);
    const path = await plane.createSandbox('c1');
    const ep = endpoint(path);
    await plane.connect(NET, ep);
    await plane.publish(NET, ep, [{ proto: 'udp', hostIp: '127.0.0.1', hostPort: 5353, containerIp: '172.18.0.2', containerPort: 53 }]);
    assert.equal(fw.rules(4, 'nat', 'WT-DNAT').length, 1);
    await plane.removeSandbox('c1');
    assert.deepEqual(fw.rules(4, 'nat', 'WT-DNAT'), []);
    await plane.publish({ ...NET, internal: true }, ep, [{ proto: 'tcp', hostIp: '', hostPort: 1, containerIp: '172.18.0.2', containerPort: 1 }]);
    assert.deepEqual(fw.rules(4, 'nat', 'WT-DNAT'), []);
    // No NAT between families, none from ::1: such bindings are left out, not failed.
    await plane.publish(NET, ep, [
      { proto: 'tcp', hostIp: '::', hostPort: 2, containerIp: '172.18.0.2', containerPort: 2 },
      { proto: 'tcp', hostIp: '::1', hostPort: 3, containerIp: 'fd00::2', containerPort: 3 },
    ]);
    assert.deepEqual([...fw.rules(4, 'nat', 'WT-DNAT'), ...fw.rules(6, 'nat', 'WT-DNAT')], []);
  });

  it('reconciles: removes our stale bridges and sandboxes, re-creates what is expected, keeps the rest', async () => {
    const { nl, fw, plane, runDir } = setup();
    const OLD = { ...NET, id: 'o'.repeat(64), bridge: 'br-old', subnet: '172.20.0.0/16', gateway: '172.20.0.1' };
    await plane.ensureNetwork(OLD);
    nl.addLink('docker0', 'bridge');
    nl.addLink('br-other', 'bridge', undefined, bridgeAlias('OTHER', 'x'));
    await plane.createSandbox('keep');
    await plane.createSandbox('stale');
    const keepPath = join(runDir, 'netns', 'keep');
    const ep = endpoint(keepPath, { containerId: 'keep' });
    const ports = [{ proto: 'tcp' as const, hostIp: '', hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 }];
    const restarted = new BridgeDataPlane({ runDir, chainPrefix: 'WT', netlink: nl, firewall: fw });
    await restarted.reconcile({ networks: [NET], sandboxes: ['keep'], ports: new Map([['keep', { network: NET, endpoint: ep, ports }]]) });
    assert.deepEqual([...nl.ns().links.keys()].sort(), ['br-ffffffffffff', 'br-other', 'docker0', 'lo']);
    assert.deepEqual(readdirSync(join(runDir, 'netns')), ['keep']);
    assert.deepEqual(fw.rules(4, 'nat', 'WT-DNAT'), ['-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80']);
    assert.ok(!fw.rules(4, 'filter', 'WT-FORWARD').some((r) => r.includes('br-old')));
  });

  it('closes: removes every sandbox, bridge and chain of ours, and stops the worker', async () => {
    const { nl, fw, plane, runDir } = setup();
    await plane.ensureNetwork(NET);
    await plane.ensureNetwork(DUAL);
    nl.addLink('docker0', 'bridge');
    const path = await plane.createSandbox('c1');
    await plane.connect(NET, endpoint(path));
    await plane.close();
    assert.deepEqual([...nl.ns().links.keys()].sort(), ['docker0', 'lo']);
    assert.deepEqual(readdirSync(join(runDir, 'netns')), []);
    for (const f of [4, 6] as const) for (const t of ['filter', 'nat']) assert.deepEqual(fw.chains(f, t).filter((c) => c.startsWith('WT-')), []);
    assert.ok(nl.calls.some((c) => c.kind === 'releaseNetnsDir' && c.netns === join(runDir, 'netns')));
    assert.equal(nl.closed, 1);
  });
});
