// A model of iptables for unit tests: restore() applies a script to in-memory tables with
// iptables-restore --noflush's semantics (all or nothing, a declared user chain is created or
// flushed, -D needs an identical rule, -X needs an empty unreferenced chain, a jump needs its
// chain), and save() prints a table as iptables-save does. Scripts are recorded in order.
import type { FirewallHost, IpFamily } from './firewall.ts';

interface Chain {
  policy: string;
  rules: string[];
}
type Tables = Map<string, Map<string, Chain>>;

const BUILTIN: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};
const TARGETS = new Set(['ACCEPT', 'DROP', 'RETURN', 'REJECT', 'MASQUERADE', 'DNAT', 'SNAT', 'LOG']);

function fresh(): Tables {
  const t: Tables = new Map();
  for (const [name, chains] of Object.entries(BUILTIN)) {
    t.set(name, new Map(chains.map((c) => [c, { policy: 'ACCEPT', rules: [] }])));
  }
  return t;
}

function copy(t: Tables): Tables {
  return new Map([...t].map(([n, chains]) => [n, new Map([...chains].map(([c, v]) => [c, { policy: v.policy, rules: [...v.rules] }]))]));
}

const norm = (s: string) => s.trim().replace(/\s+/g, ' ');

export class FakeFirewall implements FirewallHost {
  readonly scripts: { family: IpFamily; script: string }[] = [];
  private tables: Record<IpFamily, Tables> = { 4: fresh(), 6: fresh() };
  /** Makes the next N restores fail (after recording them), as a vanished rule would. */
  failNextRestore: boolean | number = false;

  async restore(family: IpFamily, script: string): Promise<void> {
    this.scripts.push({ family, script });
    if (this.failNextRestore !== false && this.failNextRestore !== 0) {
      this.failNextRestore = typeof this.failNextRestore === 'number' ? this.failNextRestore - 1 : false;
      throw new Error('iptables-restore: line 2 failed');
    }
    const t = copy(this.tables[family]);
    let table: Map<string, Chain> | undefined;
    for (const [i, raw] of script.split('\n').entries()) {
      const line = raw.trim();
      const fail = (why: string): never => {
        throw new Error(`iptables-restore: line ${i + 1} failed: ${why}: ${line}`);
      };
      if (line === '' || line.startsWith('#')) continue;
      if (line.startsWith('*')) {
        table = t.get(line.slice(1));
        if (!table) fail('no such table');
        continue;
      }
      if (line === 'COMMIT') {
        table = undefined;
        continue;
      }
      if (!table) fail('outside a table');
      const chains = table as Map<string, Chain>;
      if (line.startsWith(':')) {
        const [name = '', policy = '-'] = line.slice(1).split(' ');
        const c = chains.get(name);
        if (c && policy !== '-') c.policy = policy;
        else if (c) c.rules = [];
        else chains.set(name, { policy: '-', rules: [] });
        continue;
      }
      const m = /^(-[ADIFNX]) (\S+)(?: (.*))?$/.exec(line);
      if (!m) fail('unknown command');
      const [, cmd, name = '', rest = ''] = m as RegExpExecArray;
      const c = chains.get(name);
      if (cmd === '-N') {
        if (c) fail('chain exists');
        chains.set(name, { policy: '-', rules: [] });
        continue;
      }
      if (!c) fail('no such chain');
      const chain = c as Chain;
      const spec = norm(rest);
      const jump = / -j (\S+)/.exec(` ${spec}`)?.[1];
      if ((cmd === '-A' || cmd === '-I') && jump && !TARGETS.has(jump) && !chains.has(jump)) fail('no such target');
      if (cmd === '-A') chain.rules.push(spec);
      else if (cmd === '-I') {
        const pos = /^(\d+) (.*)$/.exec(spec);
        if (pos) chain.rules.splice(Number(pos[1]) - 1, 0, pos[2] ?? '');
        else chain.rules.unshift(spec);
      } else if (cmd === '-D') {
        const k = chain.rules.indexOf(spec);
        if (k < 0) fail('no such rule');
        chain.rules.splice(k, 1);
      } else if (cmd === '-F') chain.rules = [];
      else if (cmd === '-X') {
        if (chain.policy !== '-') fail('built-in chain');
        if (chain.rules.length > 0) fail('chain not empty');
        for (const o of chains.values()) if (o.rules.some((r) => ` ${r} `.includes(` -j ${name} `))) fail('chain in use');
        chains.delete(name);
      }
    }
    this.tables[family] = t;
  }

  async save(family: IpFamily): Promise<string> {
    const out: string[] = [];
    for (const [table, chains] of this.tables[family]) {
      out.push(`*${table}`);
      for (const [name, c] of chains) out.push(`:${name} ${c.policy === '-' ? '-' : c.policy} [0:0]`);
      for (const [name, c] of chains) for (const r of c.rules) out.push(`-A ${name} ${r}`);
      out.push('COMMIT');
    }
    return `${out.join('\n')}\n`;
  }

  /** Rules of one chain, for assertions. */
  rules(family: IpFamily, table: string, chain: string): string[] {
    return [...(this.tables[family].get(table)?.get(chain)?.rules ?? [])];
  }

  chains(family: IpFamily, table: string): string[] {
    return [...(this.tables[family].get(table)?.keys() ?? [])];
  }

  /** Sets a built-in chain's policy, as an admin or another engine would. */
  setPolicy(family: IpFamily, table: string, chain: string, policy: string): void {
    const c = this.tables[family].get(table)?.get(chain);
    if (c) c.policy = policy;
  }
}
