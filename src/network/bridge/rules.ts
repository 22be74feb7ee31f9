// The firewall rules of Wharf's bridge networks, as iptables-restore lines (pure functions;
// firewall.ts applies them). Every rule lives in chains named with the daemon's prefix, reached
// by one jump from each built-in chain, so several daemons share a host and close() can take
// all of it back. The semantics are dockerd's with userland-proxy=false:
//   filter FORWARD → P-FORWARD: P-USER first (the admin's, never flushed), then the
//     isolation chains (no traffic between two of our bridges; internal networks keep to
//     themselves), then per bridge: replies in, DNATed connections in (published ports: one
//     rule per bridge, not per port), out to the world, bridge to itself (icc).
//   filter INPUT → P-INPUT: route_localnet lets 127.0.0.1 be DNATed to a container; it must
//     not let a container reach the host's loopback services, so new packets to 127/8
//     arriving on a bridge are dropped.
//   nat PREROUTING and OUTPUT (destination a local address) → P-DNAT: one DNAT per port.
//   nat POSTROUTING → P-POSTROUTING: masquerade out of the subnet; masquerade host-sourced
//     packets into the bridge (127.0.0.1 must not reach a container as a source); masquerade
//     DNATed connections from the subnet back into it (hairpin: a container reaching its own
//     or a neighbour's published port through a host address).
import type { IpFamily } from '../../host/firewall.ts';
import { invalidParameter } from '../../lib/errors.ts';
import type { BridgeNetworkSpec, PortBinding } from '../driver.ts';

export interface ChainNames {
  forward: string;
  user: string;
  iso1: string;
  iso2: string;
  input: string;
  dnat: string;
  post: string;
}

/** Longest prefix such that "<prefix>-ISOLATION-1" fits iptables' 28 characters. */
export const MAX_PREFIX = 16;

export function chainNames(prefix: string): ChainNames {
  if (!/^[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*$/.test(prefix) || prefix.length > MAX_PREFIX) {
    throw invalidParameter(`invalid firewall chain prefix ${JSON.stringify(prefix)}: letters, digits, '_' and '-', at most ${MAX_PREFIX} characters`);
  }
  return {
    forward: `${prefix}-FORWARD`,
    user: `${prefix}-USER`,
    iso1: `${prefix}-ISOLATION-1`,
    iso2: `${prefix}-ISOLATION-2`,
    input: `${prefix}-INPUT`,
    dnat: `${prefix}-DNAT`,
    post: `${prefix}-POSTROUTING`,
  };
}

/** Our chains per table, in declaration order. */
export function tableChains(c: ChainNames): { filter: string[]; nat: string[] } {
  return { filter: [c.user, c.forward, c.iso1, c.iso2, c.input], nat: [c.dnat, c.post] };
}

/** The jumps from built-in chains, as `<chain> <spec>` ("-I" for those that go first). */
export function jumps(c: ChainNames): { filter: [string, string, string][]; nat: [string, string, string][] } {
  return {
    filter: [
      ['-I', 'FORWARD', `-j ${c.forward}`],
      ['-I', 'INPUT', `-j ${c.input}`],
    ],
    nat: [
      ['-A', 'PREROUTING', `-m addrtype --dst-type LOCAL -j ${c.dnat}`],
      ['-A', 'OUTPUT', `-m addrtype --dst-type LOCAL -j ${c.dnat}`],
      ['-I', 'POSTROUTING', `-j ${c.post}`],
    ],
  };
}

const subnetOf = (n: BridgeNetworkSpec, family: IpFamily) => (family === 4 ? n.subnet : n.ipv6?.subnet);

/** The networks that have rules in a family: all for IPv4, the dual-stack ones for IPv6. */
export const netsOf = (nets: Iterable<BridgeNetworkSpec>, family: IpFamily) => [...nets].filter((n) => subnetOf(n, family) !== undefined);

/** `-A` lines of the network chains (all but P-DNAT and P-USER) for one family. */
export function networkRules(c: ChainNames, all: Iterable<BridgeNetworkSpec>, family: IpFamily): { filter: string[]; nat: string[] } {
  const nets = netsOf(all, family);
  const filter = [`-A ${c.forward} -j ${c.user}`, `-A ${c.forward} -j ${c.iso1}`];
  const nat: string[] = [];
  for (const n of nets) {
    const br = n.bridge;
    const subnet = subnetOf(n, family) ?? '';
    filter.push(`-A ${c.forward} -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
    if (!n.internal) {
      filter.push(`-A ${c.forward} -o ${br} -m conntrack --ctstate DNAT -j ACCEPT`);
      filter.push(`-A ${c.forward} -i ${br} ! -o ${br} -j ACCEPT`);
    }
    filter.push(`-A ${c.forward} -i ${br} -o ${br} -j ${n.icc ? 'ACCEPT' : 'DROP'}`);
    if (n.internal) {
      filter.push(`-A ${c.iso1} ! -s ${subnet} -o ${br} -j DROP`);
      filter.push(`-A ${c.iso1} ! -d ${subnet} -i ${br} -j DROP`);
    }
    filter.push(`-A ${c.iso1} -i ${br} ! -o ${br} -j ${c.iso2}`);
    filter.push(`-A ${c.iso2} -o ${br} -j DROP`);
    if (n.internal) continue;
    if (family === 4) filter.push(`-A ${c.input} -d 127.0.0.0/8 -i ${br} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
    if (n.masquerade) nat.push(`-A ${c.post} -s ${subnet} ! -o ${br} -j MASQUERADE`);
    nat.push(`-A ${c.post} -m addrtype --src-type LOCAL -o ${br} -j MASQUERADE`);
    nat.push(`-A ${c.post} -s ${subnet} -o ${br} -m conntrack --ctstate DNAT -j MASQUERADE`);
  }
  return { filter, nat };
}

export const familyOfPort = (b: PortBinding): IpFamily => (b.hostIp.includes(':') ? 6 : 4);

/** The DNAT rule spec of one published port (what follows "-A <P-DNAT> "). */
export function portSpec(b: PortBinding): string {
  const family = familyOfPort(b);
  if (family === 6 !== b.containerIp.includes(':')) {
    throw invalidParameter(`published port ${b.hostIp}:${b.hostPort}: container address ${b.containerIp} is not of the host address's family`);
  }
  const any = b.hostIp === '' || b.hostIp === '0.0.0.0' || b.hostIp === '::';
  const dst = any ? '' : `-d ${b.hostIp}/${family === 4 ? 32 : 128} `;
  const to = family === 4 ? `${b.containerIp}:${b.containerPort}` : `[${b.containerIp}]:${b.containerPort}`;
  return `${dst}-p ${b.proto} -m ${b.proto} --dport ${b.hostPort} -j DNAT --to-destination ${to}`;
}

/** A table of iptables-save output: its chains and its rules (chain, spec). */
export interface SavedTable {
  chains: Map<string, string>;
  rules: { chain: string; spec: string }[];
}

/** iptables-save output, by table (a table it does not print comes back empty). */
export function parseSave(text: string): { filter: SavedTable; nat: SavedTable } {
  const tables = new Map<string, SavedTable>();
  let cur: SavedTable | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      cur = { chains: new Map(), rules: [] };
      tables.set(line.slice(1).trim(), cur);
    }
    const decl = /^:(\S+) (\S+)/.exec(line);
    if (decl && cur) cur.chains.set(decl[1] ?? '', decl[2] ?? '-');
    const rule = /^-A (\S+) (.*)$/.exec(line);
    if (rule && cur) cur.rules.push({ chain: rule[1] ?? '', spec: (rule[2] ?? '').trim() });
  }
  const empty = (): SavedTable => ({ chains: new Map(), rules: [] });
  return { filter: tables.get('filter') ?? empty(), nat: tables.get('nat') ?? empty() };
}

/**
 * Our chains present in a saved table. Matched by full name, never by prefix: "WHARF" must not
 * take "WHARF-TEST-FORWARD" of another daemon for its own.
 */
export function presentChains(saved: SavedTable, ours: string[]): string[] {
  return ours.filter((ch) => saved.chains.has(ch));
}

/** Rules of built-in chains that jump into one of `chains` (stale or current jumps). */
export function jumpsInto(saved: SavedTable, chains: string[]): { chain: string; spec: string }[] {
  const set = new Set(chains);
  return saved.rules.filter((r) => saved.chains.get(r.chain) !== '-' && set.has(/(?:^| )-j (\S+)/.exec(r.spec)?.[1] ?? ''));
}
