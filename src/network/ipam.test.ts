import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POOLS, firstFree, formatCidr, macFromIp, parseCidr4, parseProcRoutes, pickSubnet } from './ipam.ts';

describe('ipam', () => {
  it('carves subnets out of the pools in order, around what is taken', () => {
    assert.equal(formatCidr(pickSubnet(DEFAULT_POOLS, [])!), '172.17.0.0/16');
    const taken = [parseCidr4('172.17.0.0/16'), parseCidr4('172.18.3.0/24')];
    assert.equal(formatCidr(pickSubnet(DEFAULT_POOLS, taken)!), '172.19.0.0/16');
    const all172 = Array.from({ length: 15 }, (_, i) => parseCidr4(`172.${17 + i}.0.0/16`));
    assert.equal(formatCidr(pickSubnet(DEFAULT_POOLS, all172)!), '192.168.0.0/20');
    assert.equal(formatCidr(pickSubnet([{ base: '10.0.0.0/8', size: 24 }], [parseCidr4('10.0.0.0/23')])!), '10.0.2.0/24');
    assert.equal(pickSubnet([{ base: '10.0.0.0/24', size: 24 }], [parseCidr4('10.0.0.0/8')]), undefined);
  });

  it('hands out the first free address, never network, gateway or broadcast', () => {
    const subnet = parseCidr4('10.0.0.0/29');
    assert.equal(firstFree({ subnet, gateway: '10.0.0.1' }, new Set()), '10.0.0.2');
    assert.equal(firstFree({ subnet, gateway: '10.0.0.1' }, new Set(['10.0.0.2', '10.0.0.3'])), '10.0.0.4');
    const full = new Set(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    assert.equal(firstFree({ subnet, gateway: '10.0.0.1' }, full), undefined);
    assert.equal(firstFree({ subnet: parseCidr4('10.1.0.0/16'), range: parseCidr4('10.1.8.0/24'), gateway: '10.1.0.1' }, new Set()), '10.1.8.0', 'only the subnet\'s own network address is skipped');
  });

  it('derives Docker\'s MAC and reads link routes from /proc/net/route', () => {
    assert.equal(macFromIp('172.18.0.2'), '02:42:ac:12:00:02');
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    ].join('\n');
    assert.deepEqual(
      parseProcRoutes(text).map((r) => `${r.iface} ${formatCidr(r.cidr)}`),
      ['eth0 192.0.2.0/24', 'docker0 172.17.0.0/16'],
    );
  });
});
