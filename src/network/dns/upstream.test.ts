import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostUpstreams, parseUpstream } from './upstream.ts';

describe('parseUpstream', () => {
  it('reads addresses with and without ports', () => {
    assert.deepEqual(parseUpstream('10.0.0.2'), { host: '10.0.0.2', port: 53 });
    assert.deepEqual(parseUpstream(' 127.0.0.1:5353 '), { host: '127.0.0.1', port: 5353 });
    assert.deepEqual(parseUpstream('2001:db8::1'), { host: '2001:db8::1', port: 53 });
    assert.deepEqual(parseUpstream('[2001:db8::1]:5353'), { host: '2001:db8::1', port: 5353 });
    assert.deepEqual(parseUpstream('[::1]'), { host: '::1', port: 53 });
  });

  it('refuses names and bad ports', () => {
    for (const s of ['', 'dns.example', '10.0.0.2:0', '10.0.0.2:70000', '10.0.0.2:x', '[::1]:', '[nope]:53', '999.1.1.1']) {
      assert.equal(parseUpstream(s), undefined, s);
    }
  });
});

describe('hostUpstreams', () => {
  it('prefers --dns, then the host nameservers without loopback ones, unless those are all', () => {
    const conf = '# generated\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n  nameserver fd00::53\nsearch corp.example\nnameserver bogus\n';
    assert.deepEqual(hostUpstreams(conf), ['10.0.0.2', 'fd00::53']);
    assert.deepEqual(hostUpstreams(conf, ['192.0.2.53']), ['192.0.2.53']);
    assert.deepEqual(hostUpstreams('nameserver 127.0.0.53\nnameserver ::1\n'), ['127.0.0.53', '::1']);
    assert.deepEqual(hostUpstreams(''), []);
  });
});
