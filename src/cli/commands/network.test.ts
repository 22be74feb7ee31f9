import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consolidateIpam } from './network.ts';

describe('network create: consolidateIpam', () => {
  it('matches ranges, gateways and aux addresses to their subnet', () => {
    assert.deepEqual(consolidateIpam(['10.1.0.0/16', '10.2.0.0/16'], ['10.2.5.0/24'], ['10.1.0.254'], { host1: '10.2.0.9' }), [
      { Subnet: '10.1.0.0/16', AuxiliaryAddresses: {}, Gateway: '10.1.0.254' },
      { Subnet: '10.2.0.0/16', AuxiliaryAddresses: { host1: '10.2.0.9' }, IPRange: '10.2.5.0/24' },
    ]);
    assert.deepEqual(consolidateIpam([], [], [], {}), []);
  });

  it('refuses what docker refuses, in its words', () => {
    assert.throws(() => consolidateIpam([], [], ['10.0.0.1'], {}), /every ip-range or gateway must have a corresponding subnet/);
    assert.throws(() => consolidateIpam(['10.0.0.0/8', '10.1.0.0/16'], [], [], {}), /multiple overlapping subnet configuration is not supported/);
    assert.throws(() => consolidateIpam(['10.1.0.0/16'], [], ['10.9.0.1'], {}), /no matching subnet for gateway 10\.9\.0\.1/);
    assert.throws(() => consolidateIpam(['10.1.0.0/16'], ['10.9.0.0/24'], [], {}), /no matching subnet for range 10\.9\.0\.0\/24/);
    assert.throws(() => consolidateIpam(['10.1.0.0/16', '10.2.0.0/16'], [], ['10.1.0.1', '10.1.0.2'], {}), /cannot configure multiple gateways \(10\.1\.0\.2, 10\.1\.0\.1\) for the same subnet \(10\.1\.0\.0\/16\)/);
  });
});
