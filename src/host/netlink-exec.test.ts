import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { canonicalIp, ipBytes, macBytes, parseCidr } from './ip.ts';
import { execOps } from './netlink-exec.ts';
import {
  AF_INET6,
  attr,
  IFA_BROADCAST,
  IFA_F_NODAD,
  IFF_UP,
  IFLA_BRPORT_MODE,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_DATA,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_NET_NS_FD,
  type Message,
  NLM_F_CREATE,
  NLM_F_EXCL,
  parseAttrs,
  RTA_GATEWAY,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  type Request,
  type RtnlSocket,
  VETH_INFO_PEER,
} from './rtnetlink.ts';

const dir = mkdtempSync(join(tmpdir(), 'wharf-nl-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Records requests; links resolve to index 42; every request succeeds unless `answer` says. */
function stub(answer: (r: Request) => string = () => '') {
  const sent: Request[] = [];
  const sock = {
    transact(reqs: Request[]) {
      sent.push(...reqs);
      return reqs.map(answer);
    },
    get(req: Request): Message | undefined {
      sent.push(req);
      const body = Buffer.alloc(16);
      body.writeInt32LE(42, 4);
      return { type: RTM_NEWLINK, body };
    },
  };
  return { sent, sock: sock as unknown as RtnlSocket };
}

const attrsOf = (r: Request | undefined) => parseAttrs(Buffer.concat(r?.attrs ?? []), 0);

describe('netlink ops', () => {
  it('reads and writes addresses', () => {
    assert.deepEqual([...ipBytes('10.1.2.3')], [10, 1, 2, 3]);
    assert.equal(ipBytes('fd00::1').toString('hex'), 'fd000000000000000000000000000001');
    assert.equal(ipBytes('::ffff:1.2.3.4').toString('hex'), '00000000000000000000ffff01020304');
    assert.equal(canonicalIp('fd00:0:0::1/64'), 'fd00::1/64');
    assert.equal(canonicalIp('fd00:1:0:0:1:0:0:0'), 'fd00:1:0:0:1::', 'the longest run of zeros');
    assert.equal(canonicalIp('1:0:0:1:0:0:1:1'), '1::1:0:0:1:1', 'the first of equal runs');
    assert.equal(canonicalIp('1:0:1:1:1:1:1:1'), '1:0:1:1:1:1:1:1', 'not a single zero');
    assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
    assert.deepEqual(parseCidr('172.18.0.1/16').prefix, 16);
    assert.throws(() => parseCidr('172.18.0.1/33'), /prefix length/);
    assert.throws(() => parseCidr('nope/8'), /invalid address/);
    assert.deepEqual([...macBytes('02:42:AC:12:00:02')], [2, 0x42, 0xac, 0x12, 0, 2]);
    assert.throws(() => macBytes('02:42:ac:12:00'), /invalid MAC/);
  });

  it('pads attributes to four bytes', () => {
    const a = attr(3, Buffer.from('eth0\0'));
    assert.equal(a.length, 12);
    assert.equal(a.readUInt16LE(0), 9);
  });

  it('creates a veth on the bridge, up, its peer named and addressed in the namespace, then hairpin', () => {
    const netns = join(dir, 'ns');
    writeFileSync(netns, '');
    const { sent, sock } = stub();
    const res = execOps(sock, [{ op: 'veth', name: 'veth1234567', master: 'br0', mtu: 1450, hairpin: true, peer: { name: 'eth0', mac: '02:42:ac:12:00:02', netns } }]);
    assert.deepEqual(res, ['']);
    assert.deepEqual(sent.map((r) => r.type), [RTM_GETLINK, RTM_NEWLINK, RTM_NEWLINK]);
    const create = sent[1];
    assert.equal(create?.flags, NLM_F_CREATE | NLM_F_EXCL);
    assert.equal(create?.header.readUInt32LE(8), IFF_UP);
    const a = attrsOf(create);
    assert.equal(a.get(IFLA_IFNAME)?.toString(), 'veth1234567\0');
    assert.equal(a.get(IFLA_MASTER)?.readUInt32LE(0), 42);
    const info = parseAttrs(a.get(IFLA_LINKINFO) ?? Buffer.alloc(0), 0);
    assert.equal(info.get(IFLA_INFO_KIND)?.toString(), 'veth\0');
    const peer = parseAttrs(info.get(IFLA_INFO_DATA) ?? Buffer.alloc(0), 0).get(VETH_INFO_PEER) ?? Buffer.alloc(0);
    assert.equal(peer.readUInt32LE(8), 0, 'the peer is created down (veth_open would fail with ENOTCONN)');
    const pa = parseAttrs(peer, 16);
    assert.equal(pa.get(IFLA_IFNAME)?.toString(), 'eth0\0');
    assert.ok(pa.get(IFLA_NET_NS_FD) !== undefined);
    const hp = parseAttrs(attrsOf(sent[2]).get(IFLA_LINKINFO) ?? Buffer.alloc(0), 0).get(IFLA_INFO_SLAVE_DATA) ?? Buffer.alloc(0);
    assert.equal(parseAttrs(hp, 0).get(IFLA_BRPORT_MODE)?.[0], 1);
  });

  it('sets no hairpin on a veth that could not be made', () => {
    const netns = join(dir, 'ns2');
    writeFileSync(netns, '');
    const { sent, sock } = stub(() => 'EEXIST');
    assert.deepEqual(execOps(sock, [{ op: 'veth', name: 'v', master: 'br0', mtu: 1500, hairpin: true, peer: { name: 'eth0', mac: '02:00:00:00:00:01', netns } }]), ['EEXIST']);
    assert.equal(sent.filter((r) => r.type === RTM_NEWLINK).length, 1);
  });

  it('adds IPv4 addresses with their broadcast, IPv6 ones without DAD, default routes by family', () => {
    const { sent, sock } = stub();
    execOps(sock, [
      { op: 'addr', link: 'eth0', cidr: '172.18.0.2/16' },
      { op: 'addr', link: 'eth0', cidr: 'fd00::2/64' },
      { op: 'defaultRoute', link: 'eth0', gateway: 'fd00::1' },
    ]);
    const [v4, v6, route] = sent.filter((r) => r.type !== RTM_GETLINK);
    assert.equal(v4?.type, RTM_NEWADDR);
    assert.deepEqual([...(attrsOf(v4).get(IFA_BROADCAST) ?? [])], [172, 18, 255, 255]);
    assert.equal(v6?.header[2], IFA_F_NODAD);
    assert.equal(route?.type, RTM_NEWROUTE);
    assert.equal(route?.header[0], AF_INET6);
    assert.equal(attrsOf(route).get(RTA_GATEWAY)?.toString('hex'), 'fd000000000000000000000000000001');
    assert.equal(sent.filter((r) => r.type === RTM_GETLINK).length, 1, 'the index is looked up once per batch');
  });
});
