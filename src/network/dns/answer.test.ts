import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import packet from 'dns-packet';
import { answerLocally, normalize, ptrAddress } from './answer.ts';
import { decodeReply, fakeResolver, query } from './testutil.ts';

describe('ptrAddress', () => {
  it('reads full IPv4 and IPv6 reverse names', () => {
    assert.equal(ptrAddress('2.0.18.172.in-addr.arpa'), '172.18.0.2');
    assert.equal(ptrAddress('2.0.18.172.IN-ADDR.ARPA.'), '172.18.0.2');
    const v6 = '2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa';
    assert.equal(ptrAddress(v6), 'fd00::2');
    const full = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
    assert.equal(ptrAddress(full), '2001:db8::1');
  });

  it('refuses partial, oversized and odd names (they are forwarded)', () => {
    for (const n of [
      '18.172.in-addr.arpa',
      '1.2.0.18.172.in-addr.arpa',
      '256.0.18.172.in-addr.arpa',
      '02.0.18.172.in-addr.arpa',
      'x.0.18.172.in-addr.arpa',
      'd.f.ip6.arpa',
      'g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa',
      'web',
    ]) {
      assert.equal(ptrAddress(n), undefined, n);
    }
  });
});

describe('answerLocally', () => {
  const resolver = fakeResolver({
    n: { names: { web: ['172.18.0.2', 'not-an-ip', 'fd00::2'], cidr: ['172.18.0.7/16'] }, ptr: { '172.18.0.2': ['Web.MyNet'] } },
  });
  const ctx = { networkId: 'n', clientAddress: '172.18.0.9', proto: 'udp' as const };
  const ask = (name: string, type: packet.RecordType) => answerLocally(resolver, packet.decode(query(name, type)), ctx);

  it('gives resolvers the normalized name and drops addresses of the wrong family', () => {
    assert.equal(normalize('WEB.'), 'web');
    assert.deepEqual(decodeReply(ask('WEB.', 'A')).answers.map((a) => a.data), ['172.18.0.2']);
    assert.deepEqual(decodeReply(ask('web', 'AAAA')).answers.map((a) => a.data), ['fd00::2']);
    assert.deepEqual(decodeReply(ask('cidr', 'A')).answers.map((a) => a.data), ['172.18.0.7']);
  });

  it('keeps the case of PTR targets', () => {
    assert.deepEqual(decodeReply(ask('2.0.18.172.in-addr.arpa', 'PTR')).answers.map((a) => a.data), ['Web.MyNet']);
  });

  it('leaves other names, types and classes to the upstream', () => {
    assert.equal(ask('nope', 'A'), undefined);
    assert.equal(ask('web', 'TXT'), undefined);
    assert.equal(ask('web', 'SRV'), undefined);
    assert.equal(ask('3.0.18.172.in-addr.arpa', 'PTR'), undefined);
    const chaos = packet.decode(packet.encode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'web', class: 'CH' }] }));
    assert.equal(answerLocally(resolver, chaos, ctx), undefined);
  });

  it('does not strip a search domain that is the whole name', () => {
    const r = fakeResolver({ n: { names: { web: ['172.18.0.2'] }, ptr: {}, search: ['web', 'corp.example.'] } });
    const q = (name: string) => answerLocally(r, packet.decode(query(name, 'A')), ctx);
    assert.ok(q('web.corp.example'));
    assert.equal(q('corp.example'), undefined);
    assert.equal(q('xweb.corp.example'), undefined);
  });
});
