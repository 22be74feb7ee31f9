// What a bridge network and an endpoint are made of, as netlink ops (pure; plane.ts runs them),
// and the names and marks the plane gives things.
import { createHash, randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { LinkOp } from '../../host/netlink.ts';
import { invalidParameter } from '../../lib/errors.ts';
import type { BridgeNetworkSpec, EndpointSpec } from '../driver.ts';

/** IFNAMSIZ - 1, and the characters that are safe in /proc/sys paths and iptables rules. */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

export function checkIfName(name: string, what: string): void {
  if (!IFNAME.test(name) || name === '.' || name === '..') throw invalidParameter(`invalid ${what} name ${JSON.stringify(name)}: 1 to 15 letters, digits, '_', '.' or '-'`);
}

export function checkNetwork(net: BridgeNetworkSpec): void {
  checkIfName(net.bridge, 'bridge');
  const cidr = (s: string, v6: boolean) => {
    const [ip = '', len] = s.split('/');
    if (!(v6 ? isIPv6(ip) : isIPv4(ip)) || len === undefined || !/^\d+$/.test(len) || Number(len) > (v6 ? 128 : 32)) {
      throw invalidParameter(`invalid subnet ${s} of network ${net.id}`);
    }
  };
  cidr(net.subnet, false);
  if (!isIPv4(net.gateway)) throw invalidParameter(`invalid gateway ${net.gateway} of network ${net.id}`);
  if (net.ipv6) {
    cidr(net.ipv6.subnet, true);
    if (!isIPv6(net.ipv6.gateway)) throw invalidParameter(`invalid IPv6 gateway ${net.ipv6.gateway} of network ${net.id}`);
  }
  if (!Number.isInteger(net.mtu) || net.mtu < 68 || net.mtu > 65535) throw invalidParameter(`invalid MTU ${net.mtu} of network ${net.id}`);
}

/** The gateway with the subnet's prefix length: the bridge's address. */
export const gatewayCidr = (gateway: string, subnet: string) => `${gateway}/${subnet.split('/')[1]}`;

/** The interface alias that marks a bridge as made by the daemon with this prefix. */
export const bridgeAlias = (prefix: string, netId: string) => `wharf ${prefix} ${netId}`;
export const isOurBridge = (alias: string, prefix: string) => alias.split(' ')[0] === 'wharf' && alias.split(' ')[1] === prefix;

/**
 * A fixed MAC for the bridge, from the network ID (locally administered, unicast): without one
 * the bridge takes the smallest of its ports' and changes as containers come and go, which
 * makes the containers' ARP entries for the gateway stale.
 */
export function bridgeMac(netId: string): string {
  const h = createHash('sha256').update(`bridge ${netId}`).digest();
  return ['02', ...[...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** The host end of a veth, named as Docker names it: "veth" and 7 hex digits. */
export const hostVethName = () => `veth${randomBytes(4).toString('hex').slice(0, 7)}`;

/** Host-side ops that make (or confirm) a network's bridge, its addresses and its sysctls. */
export function bridgeOps(net: BridgeNetworkSpec, prefix: string, create: boolean): LinkOp[] {
  const br = net.bridge;
  const ops: LinkOp[] = [];
  if (create) ops.push({ op: 'bridge', name: br, mtu: net.mtu, mac: bridgeMac(net.id), alias: bridgeAlias(prefix, net.id) });
  // Without icc, traffic between two ports of the bridge must meet our DROP rule: only bridged
  // traffic sent through iptables does (when br_netfilter is loaded).
  ops.push({ op: 'set', link: br, mtu: net.mtu, up: true, ...(net.icc ? {} : { nfCall: true }) });
  ops.push({ op: 'sysctl', key: 'net/ipv4/ip_forward', value: '1' });
  // 127.0.0.1 may be DNATed to a container only where route_localnet allows (rules.ts guards it).
  if (!net.internal) ops.push({ op: 'sysctl', key: `net/ipv4/conf/${br}/route_localnet`, value: '1' });
  ops.push({ op: 'addr', link: br, cidr: gatewayCidr(net.gateway, net.subnet) });
  if (net.ipv6) {
    ops.push({ op: 'sysctl', key: `net/ipv6/conf/${br}/disable_ipv6`, value: '0' });
    ops.push({ op: 'sysctl', key: `net/ipv6/conf/${br}/accept_ra`, value: '0' });
    ops.push({ op: 'sysctl', key: 'net/ipv6/conf/all/forwarding', value: '1' });
    ops.push({ op: 'addr', link: br, cidr: gatewayCidr(net.ipv6.gateway, net.ipv6.subnet) });
  }
  return ops;
}

/** The host side of an endpoint: the veth, its peer put in the sandbox. */
export function vethOp(net: BridgeNetworkSpec, ep: EndpointSpec, hostName: string): LinkOp {
  // Hairpin: a container reaching its own published port through a host address comes back
  // out of the port it went in by, which the bridge does only in hairpin mode.
  return { op: 'veth', name: hostName, master: net.bridge, mtu: net.mtu, hairpin: true, peer: { name: ep.ifName, mac: ep.mac, netns: ep.netnsPath } };
}

/** Inside the sandbox: addresses, up, default routes; no IPv6 at all on a v4-only interface. */
export function insideOps(net: BridgeNetworkSpec, ep: EndpointSpec): LinkOp[] {
  const ops: LinkOp[] = [];
  const v6 = ep.ipv6 !== undefined && net.ipv6 !== undefined;
  // Before the link is up: no link-local address, no DAD, no router solicitations.
  if (!v6) ops.push({ op: 'sysctl', key: `net/ipv6/conf/${ep.ifName}/disable_ipv6`, value: '1', optional: true });
  ops.push({ op: 'addr', link: ep.ifName, cidr: ep.ipv4 });
  if (v6 && ep.ipv6) ops.push({ op: 'addr', link: ep.ifName, cidr: ep.ipv6 });
  ops.push({ op: 'set', link: ep.ifName, up: true });
  if (ep.defaultRoute && !net.internal) {
    ops.push({ op: 'defaultRoute', link: ep.ifName, gateway: net.gateway });
    if (v6 && net.ipv6) ops.push({ op: 'defaultRoute', link: ep.ifName, gateway: net.ipv6.gateway });
  }
  return ops;
}
