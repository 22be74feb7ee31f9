// Names on a user-defined network, as the embedded DNS answers them: every container with a
// live endpoint there is found by its name, its network aliases, its short ID and its hostname
// (Docker's DNSNames), also as "<name>.<network>". Reverse lookups give the container's name.
// The index is rebuilt lazily after any change of endpoints (version counter), so a query
// costs a map lookup.
import type { DnsResolver } from './dns/types.ts';
import type { Attachment } from './records.ts';

interface Records {
  get(id: string): { name: string } | undefined;
  activeOn(networkId: string): Attachment[];
}

type ContainerOf = (id: string) => { name: string; hostname: string } | undefined;

interface NetIndex {
  byName: Map<string, { a: string[]; aaaa: string[] }>;
  byAddress: Map<string, string[]>;
}

/** Docker's buildEndpointDNSNames: name, aliases, short ID, hostname, without repeats. */
export function dnsNames(containerId: string, name: string, hostname: string, aliases: readonly string[]): string[] {
  return [...new Set([name, ...aliases, containerId.slice(0, 12), ...(hostname ? [hostname] : [])].filter((n) => n !== ''))];
}

export class NameIndex implements DnsResolver {
  private readonly records: Records;
  private readonly containerOf: ContainerOf;
  private version = 0;
  private readonly cache = new Map<string, { version: number; index: NetIndex }>();

  constructor(records: Records, containerOf: ContainerOf) {
    this.records = records;
    this.containerOf = containerOf;
  }

  /** Endpoints changed: the next query rebuilds what it needs. */
  changed(): void {
    this.version++;
  }

  /** A network is gone. */
  forget(networkId: string): void {
    this.cache.delete(networkId);
  }

  lookup(networkId: string, name: string, type: 'A' | 'AAAA'): string[] | undefined {
    const idx = this.index(networkId);
    if (!idx) return undefined;
    let found = idx.byName.get(name);
    if (!found) {
      const net = this.records.get(networkId)?.name.toLowerCase();
      if (net && name.endsWith(`.${net}`)) found = idx.byName.get(name.slice(0, -(net.length + 1)));
    }
    if (!found) return undefined;
    return type === 'A' ? found.a : found.aaaa;
  }

  reverse(networkId: string, address: string): string[] | undefined {
    return this.index(networkId)?.byAddress.get(address);
  }

  private index(networkId: string): NetIndex | undefined {
    const hit = this.cache.get(networkId);
    if (hit && hit.version === this.version) return hit.index;
    const net = this.records.get(networkId);
    if (!net) return undefined;
    const index: NetIndex = { byName: new Map(), byAddress: new Map() };
    for (const a of this.records.activeOn(networkId)) {
      const c = this.containerOf(a.containerId);
      if (!c || !a.endpoint?.ipv4) continue;
      const ep = a.endpoint;
      for (const n of dnsNames(a.containerId, c.name, c.hostname, a.config.Aliases ?? [])) {
        const key = n.toLowerCase();
        const entry = index.byName.get(key) ?? { a: [], aaaa: [] };
        entry.a.push(ep.ipv4);
        if (ep.ipv6) entry.aaaa.push(ep.ipv6);
        index.byName.set(key, entry);
      }
      index.byAddress.set(ep.ipv4, [`${c.name}.${net.name}`]);
      if (ep.ipv6) index.byAddress.set(ep.ipv6, [`${c.name}.${net.name}`]);
    }
    this.cache.set(networkId, { version: this.version, index });
    return index;
  }
}
