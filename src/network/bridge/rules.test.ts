import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainNames, jumpsInto, networkRules, parseSave, portSpec, presentChains, tableChains } from './rules.ts';
import { testNet } from './testutil.ts';

const c = chainNames('WHARF');
const net = testNet;

describe('bridge firewall rules', () => {
  it('names chains with the prefix and refuses prefixes iptables cannot take', () => {
    assert.deepEqual(Object.values(c).sort(), ['WHARF-DNAT', 'WHARF-FORWARD', 'WHARF-INPUT', 'WHARF-ISOLATION-1', 'WHARF-ISOLATION-2', 'WHARF-POSTROUTING', 'WHARF-USER']);
    assert.equal(chainNames('WT-0123456789abc').iso1.length <= 28, true);
    for (const bad of ['', 'a b', 'x/y', 'a'.repeat(17), '-x', 'x-']) assert.throws(() => chainNames(bad), /invalid firewall chain prefix/);
  });

  it('accepts a network the way dockerd does, the admin chain and isolation first', () => {
    const r = networkRules(c, [net()], 4);
    assert.deepEqual(r.filter, [
      '-A WHARF-FORWARD -j WHARF-USER',
      '-A WHARF-FORWARD -j WHARF-ISOLATION-1',
      '-A WHARF-FORWARD -o br-1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A WHARF-FORWARD -o br-1 -m conntrack --ctstate DNAT -j ACCEPT',
      '-A WHARF-FORWARD -i br-1 ! -o br-1 -j ACCEPT',
      '-A WHARF-FORWARD -i br-1 -o br-1 -j ACCEPT',
      '-A WHARF-ISOLATION-1 -i br-1 ! -o br-1 -j WHARF-ISOLATION-2',
      '-A WHARF-ISOLATION-2 -o br-1 -j DROP',
      '-A WHARF-INPUT -d 127.0.0.0/8 -i br-1 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    ]);
    assert.deepEqual(r.nat, [
      '-A WHARF-POSTROUTING -s 172.18.0.0/16 ! -o br-1 -j MASQUERADE',
      '-A WHARF-POSTROUTING -m addrtype --src-type LOCAL -o br-1 -j MASQUERADE',
      '-A WHARF-POSTROUTING -s 172.18.0.0/16 -o br-1 -m conntrack --ctstate DNAT -j MASQUERADE',
    ]);
  });

  it('isolates every bridge from every other', () => {
    const r = networkRules(c, [net(), net({ id: 'n2', bridge: 'br-2', subnet: '172.19.0.0/16' })], 4);
    assert.ok(r.filter.includes('-A WHARF-ISOLATION-1 -i br-2 ! -o br-2 -j WHARF-ISOLATION-2'));
    assert.ok(r.filter.includes('-A WHARF-ISOLATION-2 -o br-1 -j DROP'));
    assert.ok(r.filter.includes('-A WHARF-ISOLATION-2 -o br-2 -j DROP'));
  });

  it('drops bridge-to-itself traffic without icc, and masquerades nothing without masquerade', () => {
    const r = networkRules(c, [net({ icc: false, masquerade: false })], 4);
    assert.ok(r.filter.includes('-A WHARF-FORWARD -i br-1 -o br-1 -j DROP'));
    assert.ok(!r.nat.some((l) => l.includes('! -o br-1')));
  });

  it('keeps an internal network to itself: no way out or in, no NAT, no ports', () => {
    const r = networkRules(c, [net({ internal: true, masquerade: false })], 4);
    assert.ok(r.filter.includes('-A WHARF-ISOLATION-1 ! -s 172.18.0.0/16 -o br-1 -j DROP'));
    assert.ok(r.filter.includes('-A WHARF-ISOLATION-1 ! -d 172.18.0.0/16 -i br-1 -j DROP'));
    assert.ok(!r.filter.some((l) => l.includes('--ctstate DNAT') || l.includes('! -o br-1 -j ACCEPT')));
    assert.deepEqual(r.nat, []);
  });

  it('gives IPv6 rules to dual-stack networks only', () => {
    const v6 = net({ id: 'n2', bridge: 'br-2', ipv6: { subnet: 'fd00:1::/64', gateway: 'fd00:1::1' } });
    const r = networkRules(c, [net(), v6], 6);
    assert.ok(!r.filter.some((l) => l.includes('br-1')));
    assert.ok(r.nat.includes('-A WHARF-POSTROUTING -s fd00:1::/64 ! -o br-2 -j MASQUERADE'));
    assert.ok(!r.filter.some((l) => l.includes('127.0.0.0/8')), 'no route_localnet guard for IPv6');
  });

  it('writes one DNAT rule per published port', () => {
    const b = { proto: 'tcp' as const, hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 };
    assert.equal(portSpec({ ...b, hostIp: '' }), '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80');
    assert.equal(portSpec({ ...b, hostIp: '0.0.0.0' }), '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80');
    assert.equal(portSpec({ ...b, proto: 'udp', hostIp: '127.0.0.1' }), '-d 127.0.0.1/32 -p udp -m udp --dport 8080 -j DNAT --to-destination 172.18.0.2:80');
    assert.equal(portSpec({ ...b, hostIp: '::', containerIp: 'fd00::2' }), '-p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00::2]:80');
    assert.equal(portSpec({ ...b, hostIp: 'fd00::9', containerIp: 'fd00::2' }), '-d fd00::9/128 -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00::2]:80');
    assert.throws(() => portSpec({ ...b, hostIp: '::' }), /not of the host address's family/);
  });

  it('reads iptables-save output: our chains by full name, jumps into them from built-in chains', () => {
    const { filter: saved, nat } = parseSave(
      [
        '*filter',
        ':INPUT ACCEPT [0:0]',
        ':FORWARD DROP [12:34]',
        ':WHARF-FORWARD - [0:0]',
        ':WHARF-TEST-FORWARD - [0:0]',
        '-A FORWARD -j WHARF-TEST-FORWARD',
        '-A FORWARD -j WHARF-FORWARD',
        '-A WHARF-FORWARD -j WHARF-USER',
        'COMMIT',
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':WHARF-DNAT - [0:0]',
        'COMMIT',
      ].join('\n'),
    );
    assert.deepEqual(presentChains(nat, tableChains(c).nat), ['WHARF-DNAT']);
    assert.deepEqual(presentChains(saved, tableChains(c).filter), ['WHARF-FORWARD']);
    assert.deepEqual(jumpsInto(saved, ['WHARF-FORWARD', 'WHARF-USER']), [{ chain: 'FORWARD', spec: '-j WHARF-FORWARD' }]);
  });
});
