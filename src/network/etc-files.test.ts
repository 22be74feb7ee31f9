import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostsFile, resolvConf } from './etc-files.ts';
import { parseNetworkMode } from './mode.ts';

describe('/etc/hosts', () => {
  it('has the localhost lines, extra hosts and the container\'s own name', () => {
    const text = hostsFile({ hostname: 'abc', domainname: 'example.org', ip: '10.0.0.2', extraHosts: ['db:10.1.1.1'] });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], '127.0.0.1\tlocalhost');
    assert.ok(lines.includes('10.1.1.1\tdb'));
    assert.equal(lines.at(-1), '10.0.0.2\tabc.example.org abc');
  });
});

describe('/etc/resolv.conf', () => {
  const host = '# generated\nnameserver 127.0.0.53\nnameserver 10.0.0.1\nsearch corp.example\noptions edns0\n';
  it('drops loopback nameservers from another namespace', () => {
    assert.equal(resolvConf({ host, keepLoopback: false }), '# generated\nnameserver 10.0.0.1\nsearch corp.example\noptions edns0\n');
  });
  it('keeps them for host networking', () => {
    assert.match(resolvConf({ host, keepLoopback: true }), /nameserver 127\.0\.0\.53/);
  });
  it('falls back to public resolvers when none is left, and --dns* replace lines', () => {
    assert.match(resolvConf({ host: 'nameserver 127.0.0.1\n', keepLoopback: false }), /^nameserver 8\.8\.8\.8\nnameserver 8\.8\.4\.4\n$/);
    const r = resolvConf({ host, keepLoopback: false, dns: ['1.1.1.1'], dnsSearch: ['a.b'], dnsOptions: ['ndots:2'] });
    assert.equal(r, '# generated\nnameserver 1.1.1.1\nsearch a.b\noptions ndots:2\n');
  });
});

describe('network modes', () => {
  it('parses none, host, container:<x>, the default bridge and user-defined networks', () => {
    assert.deepEqual(parseNetworkMode('none').mode, { kind: 'none' });
    assert.deepEqual(parseNetworkMode('host').mode, { kind: 'host' });
    assert.deepEqual(parseNetworkMode('container:web').mode, { kind: 'container', ref: 'web' });
    assert.deepEqual(parseNetworkMode(undefined), { mode: { kind: 'bridge' }, display: 'bridge' });
    assert.deepEqual(parseNetworkMode('default').mode, { kind: 'bridge' });
    assert.deepEqual(parseNetworkMode('mynet'), { mode: { kind: 'network', name: 'mynet' }, display: 'mynet' });
    assert.throws(() => parseNetworkMode('container:'), /No such container/);
  });
});

describe('resolv.conf behind the embedded DNS', () => {
  it('has the gateway as its only nameserver and ndots:0', () => {
    const r = resolvConf({ host: 'nameserver 10.0.0.1\nsearch corp.example\n', keepLoopback: false, embeddedDns: '172.18.0.1' });
    assert.equal(r, 'nameserver 172.18.0.1\nsearch corp.example\noptions ndots:0\n');
    const own = resolvConf({ host: '', keepLoopback: false, embeddedDns: '172.18.0.1', dnsOptions: ['ndots:3'] });
    assert.equal(own, 'nameserver 172.18.0.1\noptions ndots:3\n');
  });
  it('hosts lists one line per address', () => {
    const text = hostsFile({ hostname: 'web', ips: ['172.18.0.2', '172.19.0.2'] });
    assert.deepEqual(text.trimEnd().split('\n').slice(-2), ['172.18.0.2\tweb', '172.19.0.2\tweb']);
  });
});
