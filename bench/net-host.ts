// The host side of the network workloads (issue 4): dockerd and podman each get a default bridge
// network of their own, next to wharfd's (the harness gives every wharfd its own bridge, pool and
// firewall-chain prefix), and the bench takes back all they leave: dockerd's bridge (made here:
// dockerd only creates docker0 itself), podman's (netavark leaves it), the iptables rules and
// chains they wrote (DOCKER*, NETAVARK*, CNI*: only those that appeared during the run, and rules
// naming our bridges or subnets), podman's stray netns and (if dockerd turned ip_forward on, and
// so set it to DROP) the FORWARD policy. ip_forward stays on: every engine turns it on, and the
// wharfds of concurrent tests need it.
// Interface names carry the bench's pid (wbkd<pid>, wbkp<pid>, wbkn/wbko<pid>), so a later run removes
// those of a bench that died.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pidAlive } from '../test/fixtures/cache.ts';
import type { EngineKind } from '../test/e2e/harness.ts';

const OURS = /^wbk[dpno](\d+)$/;
/** Chains of dockerd, netavark and CNI plugins: removed when this run created them. */
const FOREIGN_CHAINS = /^(DOCKER|NETAVARK|CNI)/;
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(input === undefined ? {} : { input }) });
}

function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/** The host's IPv4 routes as [network, mask], from /proc/net/route (little-endian hex). */
function hostRoutes(): [number, number][] {
  const ip = (hex: string) => Number.parseInt(hex.match(/../g)!.reverse().join(''), 16) >>> 0;
  return readFileSync('/proc/net/route', 'utf8')
    .split('\n')
    .slice(1)
    .flatMap((l) => {
      const f = l.split('\t');
      return f[1] && f[7] ? [[ip(f[1]), ip(f[7])] as [number, number]] : [];
    });
}

/** A 10.<200-249>.<y>.0/24 that overlaps no host route (the harness's wharfd pools are 10.64-127). */
function freeSubnet(taken: string[]): string {
  const routes = hostRoutes().filter(([, mask]) => mask !== 0); // the default route overlaps everything
  for (let i = 0; i < 200; i++) {
    const [a = 0, b = 0] = randomBytes(2);
    const base = `10.${200 + (a % 50)}.${b}`;
    const net = ((10 << 24) | ((200 + (a % 50)) << 16) | (b << 8)) >>> 0;
    const mask24 = 0xffffff00;
    // Two networks overlap when each one's network, under the shorter mask, is the other's.
    const overlaps = routes.some(([dst, mask]) => {
      const m = (mask & mask24) >>> 0;
      return ((dst & m) >>> 0) === ((net & m) >>> 0);
    });
    if (!overlaps && !taken.includes(base)) return base;
  }
  throw new Error('no free 10.200-249.y.0/24 for a bench bridge');
}

interface SavedTable {
  chains: Map<string, string>;
  rules: string[];
}

function iptablesSave(family: 4 | 6): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  let cur: SavedTable | undefined;
  for (const line of sh(family === 4 ? 'iptables-save' : 'ip6tables-save', []).split('\n')) {
    if (line.startsWith('*')) {
      cur = { chains: new Map(), rules: [] };
      tables.set(line.slice(1), cur);
    } else if (line.startsWith(':') && cur) {
      const [name = '', policy = '-'] = line.slice(1).split(' ');
      cur.chains.set(name, policy);
    } else if (line.startsWith('-A ') && cur) cur.rules.push(line);
  }
  return tables;
}

/** Bridges, subnets and the host address of one bench run, and what it must take back. */
export class BenchHostNet {
  readonly dockerBridge = `wbkd${process.pid}`;
  readonly podmanBridge = `wbkp${process.pid}`;
  /** The interface holding the host address (a veth: this kernel has no dummy driver), and its peer. */
  readonly addrLink = `wbkn${process.pid}`;
  private readonly addrPeer = `wbko${process.pid}`;
  readonly dockerSubnet: string;
  readonly podmanSubnet: string;
  readonly podmanNetDir: string;
  private readonly before: Record<4 | 6, Map<string, SavedTable>>;
  private readonly ipForward: string;
  private readonly netnsBefore: Set<string>;
  address: string | undefined;
  /** Every host address made, for the firewall clean-up (dockerd's DNAT rules name it). */
  private readonly addresses: string[] = [];

  private constructor(dir: string) {
    this.before = { 4: iptablesSave(4), 6: iptablesSave(6) };
    this.ipForward = readFileSync(IP_FORWARD, 'utf8').trim();
    this.netnsBefore = new Set(existsSync('/run/netns') ? readdirSync('/run/netns') : []);
    const docker = freeSubnet([]);
    this.dockerSubnet = `${docker}.0/24`;
    this.podmanSubnet = `${freeSubnet([docker])}.0/24`;
    this.podmanNetDir = join(dir, 'podman-networks');
  }

  /**
   * Snapshots the firewall, makes dockerd's bridge (dockerd takes its subnet from the bridge's
   * address; it refuses --bip with --bridge) and podman's network config dir, whose podman.json
   * replaces podman's built-in default network (podman0, 10.88.0.0/16).
   */
  static async create(dir: string): Promise<BenchHostNet> {
    sweepStale();
    const n = new BenchHostNet(dir);
    const gw = (subnet: string) => subnet.replace(/\.0\/24$/, '.1');
    sh('ip', ['link', 'add', n.dockerBridge, 'type', 'bridge']);
    sh('ip', ['addr', 'add', `${gw(n.dockerSubnet)}/24`, 'dev', n.dockerBridge]);
    sh('ip', ['link', 'set', n.dockerBridge, 'up']);
    await mkdir(n.podmanNetDir, { recursive: true });
    await writeFile(
      join(n.podmanNetDir, 'podman.json'),
      JSON.stringify({
        name: 'podman',
        id: randomBytes(32).toString('hex'),
        driver: 'bridge',
        network_interface: n.podmanBridge,
        created: new Date().toISOString(),
        subnets: [{ subnet: n.podmanSubnet, gateway: gw(n.podmanSubnet) }],
        ipv6_enabled: false,
        internal: false,
        dns_enabled: false,
        ipam_options: { driver: 'host-local' },
      }),
    );
    return n;
  }

  /** Daemon flags giving an engine its own default bridge (wharfd has its own from the harness). */
  args(kind: EngineKind): string[] {
    if (kind === 'dockerd') return ['--bridge', this.dockerBridge, '--iptables=true']; // after the harness's --bridge=none --iptables=false
    if (kind === 'podman') return ['--network-config-dir', this.podmanNetDir];
    return [];
  }

  describe(kind: EngineKind): string {
    if (kind === 'dockerd') return `bridge ${this.dockerBridge} ${this.dockerSubnet} (made by the bench; dockerd with --iptables, userland proxy on)`;
    if (kind === 'podman') return `bridge ${this.podmanBridge} ${this.podmanSubnet} (podman's default network "podman", netavark)`;
    return '';
  }

  /**
   * An address for the host on an interface of ours, from 198.18.0.0/15 (RFC 2544's
   * benchmarking range): published ports are reached through it as through a LAN address.
   */
  hostAddress(): string {
    if (this.address) return this.address;
    const [a = 0, b = 1] = randomBytes(2);
    const addr = `198.${18 + (a & 1)}.${a >> 1}.${1 + (b % 254)}`;
    // A veth pair (this kernel has no dummy driver); both ends stay on the host, up for a carrier.
    sh('ip', ['link', 'add', this.addrLink, 'type', 'veth', 'peer', 'name', this.addrPeer]);
    sh('ip', ['addr', 'add', `${addr}/32`, 'dev', this.addrLink]);
    sh('ip', ['link', 'set', this.addrPeer, 'up']);
    sh('ip', ['link', 'set', this.addrLink, 'up']);
    this.address = addr;
    this.addresses.push(addr);
    return addr;
  }

  removeHostAddress(): void {
    if (linkExists(this.addrLink)) sh('ip', ['link', 'del', this.addrLink]); // takes its peer along
    this.address = undefined;
  }

  /** Takes back everything of this run, after the engines are gone. Returns what could not be removed. */
  close(): string[] {
    const problems: string[] = [];
    const attempt = (what: string, fn: () => void) => {
      try {
        fn();
      } catch (err) {
        problems.push(`${what}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
      }
    };
    attempt('host address interface', () => this.removeHostAddress());
    for (const br of [this.dockerBridge, this.podmanBridge]) attempt(`bridge ${br}`, () => linkExists(br) && sh('ip', ['link', 'del', br]));
    // Words of a rule that make it ours: interface names, and address prefixes (ending in '.' or '/').
    const ours = [
      this.dockerBridge,
      this.podmanBridge,
      this.addrLink,
      ...[this.dockerSubnet, this.podmanSubnet].map((s) => s.replace(/0\/24$/, '')),
      ...this.addresses.map((a) => `${a}/`),
    ];
    for (const family of [4, 6] as const) attempt(`ip${family === 6 ? '6' : ''}tables`, () => problems.push(...this.restoreFirewall(family, ours)));
    // podman names its netns netns-<uuid>; any made during the run is a container's it did not clean.
    if (existsSync('/run/netns')) {
      for (const ns of readdirSync('/run/netns')) {
        if (ns.startsWith('netns-') && !this.netnsBefore.has(ns)) attempt(`netns ${ns}`, () => sh('ip', ['netns', 'del', ns]));
      }
    }
    return problems;
  }

  /** Removes the rules and chains dockerd and netavark added during the run; restores FORWARD's policy. */
  private restoreFirewall(family: 4 | 6, ours: string[]): string[] {
    const problems: string[] = [];
    const bin = family === 4 ? 'iptables' : 'ip6tables';
    const now = iptablesSave(family);
    for (const [table, cur] of now) {
      const old = this.before[family].get(table) ?? { chains: new Map(), rules: [] };
      const newChains = [...cur.chains.keys()].filter((c) => !old.chains.has(c) && FOREIGN_CHAINS.test(c));
      const oldRules = new Set(old.rules);
      const drop = cur.rules.filter((r) => {
        if (oldRules.has(r)) return false;
        const words = r.split(' ');
        if (newChains.includes(words[1] ?? '')) return false; // flushed with its chain
        const target = words[words.findIndex((w) => w === '-j' || w === '-g') + 1];
        return (target !== undefined && newChains.includes(target)) || words.some((w) => ours.some((o) => w === o || (/[./]$/.test(o) && w.startsWith(o))));
      });
      const lines = [...drop.map((r) => `-D ${r.slice(3)}`), ...newChains.map((c) => `-F ${c}`), ...newChains.map((c) => `-X ${c}`)];
      // dockerd sets FORWARD to DROP only when it turns ip_forward on itself; otherwise a change
      // is someone else's (a test checking wharfd under a DROP policy) and stays.
      const policy = cur.chains.get('FORWARD');
      const oldPolicy = old.chains.get('FORWARD');
      if (table === 'filter' && this.ipForward === '0' && oldPolicy === 'ACCEPT' && policy === 'DROP') lines.push('-P FORWARD ACCEPT');
      if (lines.length === 0) continue;
      const restore = (ls: string[]) => sh(`${bin}-restore`, ['--noflush'], `*${table}\n${ls.join('\n')}\nCOMMIT\n`);
      try {
        restore(lines);
      } catch {
        // One stale line fails the whole commit: take the others one by one.
        for (const l of lines) {
          try {
            restore([l]);
          } catch (err) {
            problems.push(`${bin} -t ${table} ${l}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
          }
        }
      }
    }
    return problems;
  }
}

/** Interfaces of benches that died without cleaning up (their pid is gone). */
function sweepStale(): void {
  for (const name of readdirSync('/sys/class/net')) {
    const m = OURS.exec(name);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) {
      try {
        sh('ip', ['link', 'del', name]);
      } catch {}
    }
  }
}
