import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bigToIp6, firstFree6, formatCidr6, ip6ToBig, overlaps6, parseCidr6, randomUla64 } from './ipam6.ts';

describe('ipam6', () => {
  it('reads and writes IPv6 text as RFC 5952 does', () => {
    for (const [text, canonical] of [
      ['fd00::1', 'fd00::1'],
      ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['::', '::'],
      ['::ffff:1.2.3.4', '::ffff:102:304'],
    ]) {
      assert.equal(bigToIp6(ip6ToBig(text!)), canonical, text);
    }
    assert.equal(formatCidr6(parseCidr6('fd12:3456::77/64')), 'fd12:3456::/64');
    assert.throws(() => parseCidr6('fd00::/129'), /invalid CIDR/);
  });

  it('hands out addresses after the gateway; random unique-local /64s', () => {
    const s = parseCidr6('fd00:1::/64');
    assert.equal(firstFree6(s, 'fd00:1::1', new Set()), 'fd00:1::2');
    assert.equal(firstFree6(s, 'fd00:1::1', new Set(['fd00:1::2'])), 'fd00:1::3');
    assert.equal(firstFree6(s, 'fd00:1::2', new Set()), 'fd00:1::1');
    assert.equal(firstFree6(parseCidr6('fd00:1::/126'), 'fd00:1::1', new Set(['fd00:1::2', 'fd00:1::3'])), undefined);
    const u = randomUla64();
    assert.equal(u.bits, 64);
    assert.match(formatCidr6(u), /^fd[0-9a-f]{2}:/);
    assert.ok(overlaps6(parseCidr6('fd00::/48'), parseCidr6('fd00:0:0:5::/64')));
  });
});
