import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakePortBinder } from './fake-dataplane.ts';
import { dnatPorts, PortAllocator, portRequests, socketBinder } from './ports.ts';

describe('port requests', () => {
  it('reads PortBindings and, with -P, the exposed ports; empty or 0 host ports are ephemeral', () => {
    const r = portRequests({ '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '0' }] }, { '443/tcp': {} }, true);
    assert.deepEqual(r, [
      { proto: 'tcp', hostIp: '', hostPorts: [0, 0], containerPort: 443 },
      { proto: 'udp', hostIp: '127.0.0.1', hostPorts: [0, 0], containerPort: 53 },
      { proto: 'tcp', hostIp: '', hostPorts: [8080, 8080], containerPort: 80 },
    ]);
    assert.deepEqual(portRequests({ '80/tcp': [{ HostIp: '', HostPort: '8000-8010' }] }, {}, false)[0]!.hostPorts, [8000, 8010]);
    assert.throws(() => portRequests({ '80/sctp': [{ HostIp: '', HostPort: '' }] }, {}, false), /only tcp and udp/);
    assert.throws(() => portRequests({ '80/tcp': [{ HostIp: '', HostPort: 'x' }] }, {}, false), /invalid port specification/);
  });
});

describe('port allocator', () => {
  it('takes the first free port of a range; a wildcard and a specific address clash', async () => {
    const a = new PortAllocator(new FakePortBinder(), [40000, 40002], '0.0.0.0');
    const [p1] = await a.allocate('c1', [{ proto: 'tcp', hostIp: '0.0.0.0', hostPorts: [8000, 8001], containerPort: 80 }]);
    const [p2] = await a.allocate('c2', [{ proto: 'tcp', hostIp: '0.0.0.0', hostPorts: [8000, 8001], containerPort: 80 }]);
    assert.deepEqual([p1!.hostPort, p2!.hostPort], [8000, 8001]);
    await assert.rejects(a.allocate('c3', [{ proto: 'tcp', hostIp: '127.0.0.1', hostPorts: [8000, 8000], containerPort: 80 }]), /Bind for 127\.0\.0\.1:8000 failed: port is already allocated/);
    const [udp] = await a.allocate('c3', [{ proto: 'udp', hostIp: '0.0.0.0', hostPorts: [8000, 8000], containerPort: 53 }]);
    assert.equal(udp!.hostPort, 8000, 'udp and tcp ports are separate');
  });

  it('is all or nothing, and ephemeral ports run out with Docker\'s message', async () => {
    const binder = new FakePortBinder();
    const a = new PortAllocator(binder, [40000, 40001], '0.0.0.0');
    binder.foreign.add('tcp/0.0.0.0/9000');
    await assert.rejects(a.allocate('c1', [
      { proto: 'tcp', hostIp: '0.0.0.0', hostPorts: [0, 0], containerPort: 80 },
      { proto: 'tcp', hostIp: '0.0.0.0', hostPorts: [9000, 9000], containerPort: 81 },
    ]), /Bind for 0\.0\.0\.0:9000 failed: port is already allocated/);
    assert.equal(a.count(), 0, 'the first port was given back');
    await a.allocate('c1', [{ proto: 'tcp', hostIp: '0.0.0.0', hostPorts: [0, 0], containerPort: 80 }, { proto: 'tcp', hostIp: '0.0.0.0', hostPorts: [0, 0], containerPort: 81 }]);
    await assert.rejects(a.allocate('c2', [{ proto: 'tcp', hostIp: '0.0.0.0', hostPorts: [0, 0], containerPort: 80 }]), /all ports are allocated/);
    a.release('c1');
    assert.equal(binder.held.size, 0);
  });

  it('never hands out a port another engine DNATs', async () => {
    const save = [
      '*filter',
      '-A FORWARD -p tcp -m tcp --dport 40000 -j ACCEPT',
      'COMMIT',
      '*nat',
      '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 40000 -j DNAT --to-destination 172.17.0.2:80',
      '-A NETAVARK-DN-1 -p udp -m udp --dport 40001:40002 -j DNAT --to-destination 10.88.0.2:53',
      '-A WHARF-DNAT -d 127.0.0.1/32 -p tcp -m tcp --dport 40003 -j DNAT --to-destination 10.1.0.2:80',
      '-A WHARF2-DNAT -p tcp -m tcp --dport 40004 -j DNAT --to-destination 10.2.0.2:80',
      'COMMIT',
    ].join('\n');
    assert.deepEqual([...dnatPorts(save, 'WHARF')].sort(), ['tcp/40000', 'tcp/40004', 'udp/40001', 'udp/40002']);
    const a = new PortAllocator(new FakePortBinder(), [40000, 40009], '0.0.0.0', async () => dnatPorts(save, 'WHARF'));
    const [p] = await a.allocate('c1', [{ proto: 'tcp', hostIp: '', hostPorts: [0, 0], containerPort: 80 }]);
    assert.equal(p!.hostPort, 40001, '40000 is DNATed by dockerd');
    await assert.rejects(a.allocate('c2', [{ proto: 'tcp', hostIp: '', hostPorts: [40004, 40004], containerPort: 80 }]), /Bind for 0\.0\.0\.0:40004 failed: port is already allocated/);
  });

  it('really holds a port with a socket: another bind fails until it is released', async () => {
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const a = new PortAllocator(socketBinder, [port, port], '127.0.0.1');
    await a.allocate('c1', [{ proto: 'tcp', hostIp: '127.0.0.1', hostPorts: [0, 0], containerPort: 80 }]);
    await assert.rejects(socketBinder.reserve('tcp', '127.0.0.1', port), { code: 'EADDRINUSE' });
    a.release('c1');
    await new Promise((r) => setTimeout(r, 10));
    (await socketBinder.reserve('tcp', '127.0.0.1', port)).close();
  });
});
