// Keeps the firewall in step with the networks and published ports the plane was told about
// (rules.ts says what the rules are). Network chains are rewritten whole when a network comes
// or goes (declaring a chain in iptables-restore flushes it, in the same transaction as the
// refill); a published port is one rule added or deleted. The first use of a family, and any
// failed update (a rule someone else removed), rebuilds everything from what we know.
import type { FirewallHost, IpFamily } from '../../host/firewall.ts';
import { Mutex } from '../../lib/mutex.ts';
import type { BridgeNetworkSpec, PortBinding } from '../driver.ts';
import { type ChainNames, chainNames, familyOfPort, jumps, jumpsInto, netsOf, networkRules, parseSave, portSpec, presentChains, type SavedTable, tableChains } from './rules.ts';

interface PortRule {
  family: IpFamily;
  spec: string;
  containerId: string;
  netId: string;
}

const FAMILIES: IpFamily[] = [4, 6];

export class BridgeFirewall {
  readonly names: ChainNames;
  private readonly host: FirewallHost;
  private readonly nets = new Map<string, BridgeNetworkSpec>();
  private readonly ports = new Map<string, PortRule>();
  private readonly ready = new Set<IpFamily>();
  private readonly mutex = new Mutex();

  constructor(host: FirewallHost, prefix: string) {
    this.host = host;
    this.names = chainNames(prefix);
  }

  /** Adds or updates a network and rewrites the network chains. */
  setNetwork(net: BridgeNetworkSpec): Promise<void> {
    return this.mutex.run(async () => {
      this.nets.set(net.id, net);
      await this.writeNetworks();
    });
  }

  /** Forgets a network (and its ports) and rewrites the network chains. */
  removeNetwork(netId: string): Promise<void> {
    return this.mutex.run(async () => {
      if (!this.nets.delete(netId)) return;
      const gone = [...this.ports].filter(([, p]) => p.netId === netId);
      for (const [k] of gone) this.ports.delete(k);
      await this.writeNetworks();
      await this.deletePortRules(gone.map(([, p]) => p));
    });
  }

  /** Publishes ports of a container on a network (those already published are left alone). */
  publish(net: BridgeNetworkSpec, containerId: string, bindings: PortBinding[]): Promise<void> {
    return this.mutex.run(async () => {
      const added: PortRule[] = [];
      for (const b of bindings) {
        const rule = { family: familyOfPort(b), spec: portSpec(b), containerId, netId: net.id };
        const key = `${rule.family} ${rule.spec}`;
        if (this.ports.has(key)) continue;
        this.ports.set(key, rule);
        added.push(rule);
      }
      // The families are separate tables and tools: both at once.
      await Promise.all(
        FAMILIES.map(async (family) => {
          const mine = added.filter((r) => r.family === family);
          if (mine.length === 0) return;
          try {
            if (!this.ready.has(family)) await this.rebuild(family);
            else {
              // A chain someone flushed or deleted makes the addition fail: rebuild all we know.
              await this.host.restore(family, `*nat\n${mine.map((r) => `-A ${this.names.dnat} ${r.spec}`).join('\n')}\nCOMMIT\n`).catch(() => this.rebuild(family));
            }
          } catch (err) {
            for (const r of mine) this.ports.delete(`${r.family} ${r.spec}`);
            this.ready.delete(family);
            throw err;
          }
        }),
      );
    });
  }

  /** Withdraws published ports matching the filter: given bindings, or all of a container (on a network). */
  unpublish(containerId: string, netId?: string, bindings?: PortBinding[]): Promise<void> {
    return this.mutex.run(async () => {
      const keys = bindings?.map((b) => `${familyOfPort(b)} ${portSpec(b)}`);
      const gone: PortRule[] = [];
      for (const [k, p] of this.ports) {
        if (p.containerId !== containerId || (netId !== undefined && p.netId !== netId)) continue;
        if (keys && !keys.includes(k)) continue;
        this.ports.delete(k);
        gone.push(p);
      }
      await this.deletePortRules(gone);
    });
  }

  /** Replaces everything we know and rebuilds both families from it (daemon start). */
  reset(nets: BridgeNetworkSpec[], ports: { net: BridgeNetworkSpec; containerId: string; bindings: PortBinding[] }[]): Promise<void> {
    return this.mutex.run(async () => {
      this.nets.clear();
      this.ports.clear();
      for (const n of nets) this.nets.set(n.id, n);
      for (const p of ports) {
        if (p.net.internal) continue;
        for (const b of p.bindings) this.ports.set(`${familyOfPort(b)} ${portSpec(b)}`, { family: familyOfPort(b), spec: portSpec(b), containerId: p.containerId, netId: p.net.id });
      }
      for (const family of FAMILIES) await this.rebuild(family, true);
    });
  }

  /** Removes our jumps and chains from both families (an admin's rules in P-USER stay). */
  teardown(): Promise<void> {
    return this.mutex.run(async () => {
      this.nets.clear();
      this.ports.clear();
      for (const family of FAMILIES) {
        const script: string[] = [];
        const all = parseSave(await this.host.save(family));
        for (const table of ['filter', 'nat'] as const) {
          const saved = all[table];
          const present = presentChains(saved, tableChains(this.names)[table]);
          if (present.length === 0) continue;
          const keepUser = saved.rules.some((r) => r.chain === this.names.user);
          const drop = present.filter((ch) => !(ch === this.names.user && keepUser));
          script.push(`*${table}`);
          for (const j of jumpsInto(saved, present)) script.push(`-D ${j.chain} ${j.spec}`);
          for (const ch of drop) script.push(`-F ${ch}`);
          for (const ch of drop) script.push(`-X ${ch}`);
          script.push('COMMIT');
        }
        if (script.length > 0) await this.host.restore(family, `${script.join('\n')}\n`);
        this.ready.delete(family);
      }
    });
  }

  /** Published rules we hold, for tests and reconcile. */
  portCount(): number {
    return this.ports.size;
  }

  private familiesInUse(): IpFamily[] {
    return FAMILIES.filter((f) => f === 4 || netsOf(this.nets.values(), 6).length > 0 || this.ready.has(f));
  }

  private async writeNetworks(): Promise<void> {
    for (const family of this.familiesInUse()) {
      if (!this.ready.has(family)) {
        await this.rebuild(family);
        continue;
      }
      const { filter, nat } = networkRules(this.names, this.nets.values(), family);
      const c = this.names;
      const script = [
        '*filter',
        ...[c.forward, c.iso1, c.iso2, c.input].map((ch) => `:${ch} - [0:0]`),
        ...filter,
        'COMMIT',
        '*nat',
        `:${c.post} - [0:0]`,
        ...nat,
        'COMMIT',
        '',
      ].join('\n');
      try {
        await this.host.restore(family, script);
      } catch {
        await this.rebuild(family);
      }
    }
  }

  private async deletePortRules(gone: PortRule[]): Promise<void> {
    await Promise.all(
      FAMILIES.map(async (family) => {
        const mine = gone.filter((r) => r.family === family);
        if (mine.length === 0 || !this.ready.has(family)) return;
        try {
          await this.host.restore(family, `*nat\n${mine.map((r) => `-D ${this.names.dnat} ${r.spec}`).join('\n')}\nCOMMIT\n`);
        } catch {
          await this.rebuild(family);
        }
      }),
    );
  }

  /**
   * Makes a family's chains exactly what we know: creates missing chains and jumps (one jump
   * each, whatever an earlier run left), flushes and refills ours. With `evenIfUnused`, a
   * family without networks is still visited so leftovers of an earlier run are cleared.
   */
  private async rebuild(family: IpFamily, evenIfUnused = false): Promise<void> {
    const inUse = family === 4 ? this.nets.size > 0 : netsOf(this.nets.values(), 6).length > 0;
    if (!inUse && !evenIfUnused) return;
    const saved = parseSave(await this.host.save(family));
    if (!inUse && family === 6 && presentChains(saved.filter, tableChains(this.names).filter).length === 0 && presentChains(saved.nat, tableChains(this.names).nat).length === 0) return;
    const rules = networkRules(this.names, this.nets.values(), family);
    const portLines = [...this.ports.values()].filter((p) => p.family === family).map((p) => `-A ${this.names.dnat} ${p.spec}`);
    const script = [
      ...this.tableScript('filter', saved.filter, rules.filter),
      ...this.tableScript('nat', saved.nat, [...rules.nat, ...portLines]),
      '',
    ].join('\n');
    await this.host.restore(family, script);
    this.ready.add(family);
  }

  private tableScript(table: 'filter' | 'nat', saved: SavedTable, lines: string[]): string[] {
    const ours = tableChains(this.names)[table];
    const out = [`*${table}`];
    // Declaring flushes: the admin's chain is only created when missing.
    for (const ch of ours) if (ch !== this.names.user || !saved.chains.has(ch)) out.push(`:${ch} - [0:0]`);
    for (const [op, chain, spec] of jumps(this.names)[table]) {
      const target = /-j (\S+)$/.exec(spec)?.[1] ?? '';
      const existing = jumpsInto(saved, [target]).filter((j) => j.chain === chain);
      if (existing.length === 0) out.push(`${op} ${chain} ${spec}`);
      for (const extra of existing.slice(1)) out.push(`-D ${extra.chain} ${extra.spec}`);
    }
    out.push(...lines, 'COMMIT');
    return out;
  }
}
