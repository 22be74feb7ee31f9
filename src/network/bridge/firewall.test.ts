import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeFirewall } from '../../host/firewall-fake.ts';
import type { PortBinding } from '../driver.ts';
import { BridgeFirewall } from './firewall.ts';
import { testNet } from './testutil.ts';

const net = testNet;
const tcp = (hostPort: number, containerIp = '172.18.0.2', hostIp = ''): PortBinding => ({ proto: 'tcp', hostIp, hostPort, containerIp, containerPort: 80 });
const N1 = net();
const N2 = net({ id: 'n2', bridge: 'br-2', subnet: '172.19.0.0/16', gateway: '172.19.0.1' });

describe('BridgeFirewall', () => {
  it('creates its chains and one jump from each built-in chain, whatever the FORWARD policy', async () => {
    const host = new FakeFirewall();
    host.setPolicy(4, 'filter', 'FORWARD', 'DROP');
    const fw = new BridgeFirewall(host, 'WHARF');
    await fw.setNetwork(N1);
    await fw.setNetwork(N2);
    assert.deepEqual(host.rules(4, 'filter', 'FORWARD'), ['-j WHARF-FORWARD']);
    assert.deepEqual(host.rules(4, 'filter', 'INPUT'), ['-j WHARF-INPUT']);
    assert.deepEqual(host.rules(4, 'nat', 'PREROUTING'), ['-m addrtype --dst-type LOCAL -j WHARF-DNAT']);
    assert.deepEqual(host.rules(4, 'nat', 'OUTPUT'), ['-m addrtype --dst-type LOCAL -j WHARF-DNAT']);
    assert.deepEqual(host.rules(4, 'nat', 'POSTROUTING'), ['-j WHARF-POSTROUTING']);
    const fwd = host.rules(4, 'filter', 'WHARF-FORWARD');
    assert.equal(fwd[0], '-j WHARF-USER');
    assert.ok(fwd.includes('-i br-2 ! -o br-2 -j ACCEPT'));
    // Only the first use looked at the tables; the second rewrote the network chains only.
    assert.equal(host.scripts.length, 2);
    assert.doesNotMatch(host.scripts[1]?.script ?? '', /-I FORWARD|WHARF-DNAT|WHARF-USER - /);
    assert.deepEqual(host.chains(6, 'filter'), ['INPUT', 'FORWARD', 'OUTPUT'], 'no IPv6 without a dual-stack network');
  });

  it('adds a published port once and deletes it exactly', async () => {
    const host = new FakeFirewall();
    const fw = new BridgeFirewall(host, 'WHARF');
    await fw.setNetwork(N1);
    await fw.publish(N1, 'c1', [tcp(8080), { ...tcp(8080), proto: 'udp' }]);
    await fw.publish(N1, 'c1', [tcp(8080)]);
    assert.deepEqual(host.rules(4, 'nat', 'WHARF-DNAT'), [
      '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80',
      '-p udp -m udp --dport 8080 -j DNAT --to-destination 172.18.0.2:80',
    ]);
    await fw.unpublish('c1', 'n1', [tcp(8080)]);
    assert.deepEqual(host.rules(4, 'nat', 'WHARF-DNAT'), ['-p udp -m udp --dport 8080 -j DNAT --to-destination 172.18.0.2:80']);
    await fw.unpublish('c1');
    assert.deepEqual(host.rules(4, 'nat', 'WHARF-DNAT'), []);
    assert.equal(fw.portCount(), 0);
  });

  it('puts IPv6 ports in ip6tables, on dual-stack networks', async () => {
    const host = new FakeFirewall();
    const fw = new BridgeFirewall(host, 'WHARF');
    const v6 = net({ ipv6: { subnet: 'fd00::/64', gateway: 'fd00::1' } });
    await fw.setNetwork(v6);
    await fw.publish(v6, 'c1', [tcp(8080), tcp(8080, 'fd00::2', '::')]);
    assert.deepEqual(host.rules(4, 'nat', 'WHARF-DNAT'), ['-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80']);
    assert.deepEqual(host.rules(6, 'nat', 'WHARF-DNAT'), ['-p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00::2]:80']);
    assert.deepEqual(host.rules(6, 'filter', 'FORWARD'), ['-j WHARF-FORWARD']);
  });

  it('drops a network with its ports', async () => {
    const host = new FakeFirewall();
    const fw = new BridgeFirewall(host, 'WHARF');
    await fw.setNetwork(N1);
    await fw.setNetwork(N2);
    await fw.publish(N1, 'c1', [tcp(8080)]);
    await fw.publish(N2, 'c2', [tcp(9090, '172.19.0.2')]);
    await fw.removeNetwork('n1');
    assert.ok(!host.rules(4, 'filter', 'WHARF-FORWARD').some((r) => r.includes('br-1')));
    assert.deepEqual(host.rules(4, 'nat', 'WHARF-DNAT'), ['-p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.19.0.2:80']);
  });

  it('rebuilds from what it knows when a rule it wants to delete is gone', async () => {
    const host = new FakeFirewall();
    const fw = new BridgeFirewall(host, 'WHARF');
    await fw.setNetwork(N1);
    await fw.publish(N1, 'c1', [tcp(8080), tcp(8081)]);
    // Someone flushed our chain behind our back.
    await host.restore(4, '*nat\n-F WHARF-DNAT\nCOMMIT\n');
    await fw.unpublish('c1', 'n1', [tcp(8080)]);
    assert.deepEqual(host.rules(4, 'nat', 'WHARF-DNAT'), ['-p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.18.0.2:80']);
  });

  it('rebuilds when a port cannot be added (our chains were flushed or deleted)', async () => {
    const host = new FakeFirewall();
    const fw = new BridgeFirewall(host, 'WHARF');
    await fw.setNetwork(N1);
    await fw.publish(N1, 'c1', [tcp(8080)]);
    await host.restore(4, '*filter\n-F WHARF-FORWARD\n-D FORWARD -j WHARF-FORWARD\nCOMMIT\n*nat\n-F WHARF-DNAT\n-D PREROUTING -m addrtype --dst-type LOCAL -j WHARF-DNAT\n-D OUTPUT -m addrtype --dst-type LOCAL -j WHARF-DNAT\n-X WHARF-DNAT\nCOMMIT\n');
    await fw.publish(N1, 'c2', [tcp(8081, '172.18.0.3')]);
    assert.equal(host.rules(4, 'nat', 'WHARF-DNAT').length, 2);
    assert.deepEqual(host.rules(4, 'filter', 'FORWARD'), ['-j WHARF-FORWARD']);
    assert.ok(host.rules(4, 'filter', 'WHARF-FORWARD').length > 2);
  });

  it('forgets ports it could not add', async () => {
    const host = new FakeFirewall();
    const fw = new BridgeFirewall(host, 'WHARF');
    await fw.setNetwork(N1);
    host.failNextRestore = 2;
    await assert.rejects(fw.publish(N1, 'c1', [tcp(8080)]), /line 2 failed/);
    assert.equal(fw.portCount(), 0);
    await fw.publish(N1, 'c1', [tcp(8080)]);
    assert.deepEqual(host.rules(4, 'nat', 'WHARF-DNAT'), ['-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80']);
  });

  it('starts again from the kernel state after a restart: no second jump, the admin chain kept', async () => {
    const host = new FakeFirewall();
    const first = new BridgeFirewall(host, 'WHARF');
    await first.setNetwork(N1);
    await first.publish(N1, 'old', [tcp(7000)]);
    await host.restore(4, '*filter\n-A WHARF-USER -s 10.9.9.9/32 -j DROP\nCOMMIT\n');
    const second = new BridgeFirewall(host, 'WHARF');
    await second.reset([N1, N2], [{ net: N1, containerId: 'c1', bindings: [tcp(8080)] }]);
    assert.deepEqual(host.rules(4, 'filter', 'FORWARD'), ['-j WHARF-FORWARD']);
    assert.deepEqual(host.rules(4, 'nat', 'POSTROUTING'), ['-j WHARF-POSTROUTING']);
    assert.deepEqual(host.rules(4, 'filter', 'WHARF-USER'), ['-s 10.9.9.9/32 -j DROP']);
    assert.deepEqual(host.rules(4, 'nat', 'WHARF-DNAT'), ['-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80'], 'the old port is gone');
    assert.ok(host.rules(4, 'filter', 'WHARF-ISOLATION-2').includes('-o br-2 -j DROP'));
  });

  it('tears everything down, keeping only an admin chain with rules in it', async () => {
    const host = new FakeFirewall();
    const other = new BridgeFirewall(host, 'WHARF-TEST');
    await other.setNetwork(N2);
    const fw = new BridgeFirewall(host, 'WHARF');
    await fw.setNetwork(net({ ipv6: { subnet: 'fd00::/64', gateway: 'fd00::1' } }));
    await fw.publish(N1, 'c1', [tcp(8080)]);
    await fw.teardown();
    for (const f of [4, 6] as const) {
      for (const t of ['filter', 'nat']) assert.deepEqual(host.chains(f, t).filter((ch) => ch.startsWith('WHARF-') && !ch.startsWith('WHARF-TEST-')), [], `${f} ${t}`);
    }
    assert.deepEqual(host.rules(4, 'filter', 'FORWARD'), ['-j WHARF-TEST-FORWARD'], "the other daemon's jump stays");
    assert.ok(host.chains(4, 'filter').includes('WHARF-TEST-ISOLATION-1'), "and its chains");

    await fw.setNetwork(N1);
    await host.restore(4, '*filter\n-A WHARF-USER -j RETURN\nCOMMIT\n');
    await fw.teardown();
    assert.deepEqual(host.chains(4, 'filter').filter((ch) => ch.startsWith('WHARF-') && !ch.startsWith('WHARF-TEST-')), ['WHARF-USER']);
  });
});
