// An in-memory model of NetlinkHost for unit tests: namespaces (the host's is "host"), links
// with veth peers across namespaces, addresses, default routes and sysctls. Every call is
// recorded; errors carry the errno name as `code` as the real ones do. Namespace files are
// real empty files (callers list their directory), without the mounts.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalIp } from './ip.ts';
import type { AddrInfo, LinkInfo, LinkOp, NetlinkHost } from './netlink.ts';

interface FakeLink extends LinkInfo {
  /** For a veth: the namespace and name of its other end. */
  peer?: { ns: string; name: string };
  hairpin?: boolean;
  nfCall?: boolean;
}

interface Ns {
  links: Map<string, FakeLink>;
  addrs: AddrInfo[];
  routes: { link: string; gateway: string }[];
  sysctls: Map<string, string>;
}

const err = (code: string, msg: string) => Object.assign(new Error(`${msg}: ${code}`), { code });

export class FakeNetlink implements NetlinkHost {
  readonly calls: { kind: string; netns: string | undefined; ops: LinkOp[] }[] = [];
  readonly namespaces = new Map<string, Ns>([['host', FakeNetlink.ns()]]);
  private nextIndex = 2;
  closed = 0;

  private static ns(): Ns {
    const links = new Map<string, FakeLink>([['lo', { name: 'lo', index: 1, kind: '', master: undefined, up: false, mtu: 65536, mac: '', alias: '' }]]);
    return { links, addrs: [], routes: [], sysctls: new Map() };
  }

  /** The host namespace, or the one bound at `path`. */
  ns(path?: string): Ns {
    const ns = this.namespaces.get(path ?? 'host');
    if (!ns) throw err('ENOENT', `open ${path}`);
    return ns;
  }

  async createNetns(path: string, ops: LinkOp[] = []): Promise<void> {
    this.calls.push({ kind: 'createNetns', netns: path, ops });
    if (this.namespaces.has(path)) throw err('EEXIST', `create ${path}`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '');
    const ns = FakeNetlink.ns();
    const lo = ns.links.get('lo');
    if (lo) lo.up = true;
    this.namespaces.set(path, ns);
    this.exec(path, ops);
  }

  async removeNetns(path: string): Promise<void> {
    this.calls.push({ kind: 'removeNetns', netns: path, ops: [] });
    rmSync(path, { force: true });
    const ns = this.namespaces.get(path);
    if (!ns) return;
    for (const l of ns.links.values()) this.dropPeer(l);
    this.namespaces.delete(path);
  }

  async releaseNetnsDir(dir: string): Promise<void> {
    this.calls.push({ kind: 'releaseNetnsDir', netns: dir, ops: [] });
  }

  async apply(netns: string | undefined, ops: LinkOp[]): Promise<string[]> {
    this.calls.push({ kind: 'apply', netns, ops });
    return this.exec(netns, ops);
  }

  async links(netns?: string): Promise<LinkInfo[]> {
    return [...this.ns(netns).links.values()].map(({ peer: _, hairpin: __, nfCall: ___, ...l }) => ({ ...l }));
  }

  async addresses(netns?: string): Promise<AddrInfo[]> {
    return this.ns(netns).addrs.map((a) => ({ ...a }));
  }

  async close(): Promise<void> {
    this.closed++;
  }

  /** The ops of every apply/createNetns call, flattened, for assertions. */
  ops(kind?: LinkOp['op']): LinkOp[] {
    return this.calls.flatMap((c) => c.ops).filter((o) => kind === undefined || o.op === kind);
  }

  /** Makes a link (as the admin or another program would). */
  addLink(name: string, kind: string, netns?: string, alias = ''): void {
    this.ns(netns).links.set(name, { name, index: this.nextIndex++, kind, master: undefined, up: false, mtu: 1500, mac: '', alias });
  }

  private dropPeer(l: FakeLink): void {
    if (!l.peer) return;
    this.namespaces.get(l.peer.ns)?.links.delete(l.peer.name);
  }

  private link(ns: Ns, name: string): FakeLink {
    const l = ns.links.get(name);
    if (!l) throw err('ENODEV', `link ${name}`);
    return l;
  }

  private exec(netns: string | undefined, ops: LinkOp[]): string[] {
    const key = netns ?? 'host';
    const ns = this.ns(netns);
    return ops.map((op) => this.execOp(key, ns, op));
  }

  private execOp(key: string, ns: Ns, op: LinkOp): string {
    {
      switch (op.op) {
        case 'bridge':
          if (ns.links.has(op.name)) return 'EEXIST';
          ns.links.set(op.name, { name: op.name, index: this.nextIndex++, kind: 'bridge', master: undefined, up: false, mtu: op.mtu, mac: op.mac, alias: op.alias });
          return '';
        case 'veth': {
          const peerNs = this.ns(op.peer.netns);
          this.link(ns, op.master);
          if (ns.links.has(op.name) || peerNs.links.has(op.peer.name)) return 'EEXIST';
          ns.links.set(op.name, { name: op.name, index: this.nextIndex++, kind: 'veth', master: op.master, up: true, mtu: op.mtu, mac: '', alias: '', peer: { ns: op.peer.netns, name: op.peer.name }, hairpin: op.hairpin });
          peerNs.links.set(op.peer.name, { name: op.peer.name, index: this.nextIndex++, kind: 'veth', master: undefined, up: false, mtu: op.mtu, mac: op.peer.mac, alias: '', peer: { ns: key, name: op.name } });
          return '';
        }
        case 'set': {
          const l = this.link(ns, op.link);
          if (op.up !== undefined) l.up = op.up;
          if (op.mtu !== undefined) l.mtu = op.mtu;
          if (op.alias !== undefined) l.alias = op.alias;
          if (op.hairpin !== undefined) l.hairpin = op.hairpin;
          if (op.nfCall !== undefined) l.nfCall = op.nfCall;
          return '';
        }
        case 'addr': {
          this.link(ns, op.link);
          const cidr = canonicalIp(op.cidr);
          if (ns.addrs.some((a) => a.link === op.link && a.cidr === cidr)) return 'EEXIST';
          ns.addrs.push({ link: op.link, cidr, family: cidr.includes(':') ? 6 : 4, scope: 0 });
          return '';
        }
        case 'delAddr': {
          const cidr = canonicalIp(op.cidr);
          const i = ns.addrs.findIndex((a) => a.link === op.link && a.cidr === cidr);
          if (i < 0) return 'EADDRNOTAVAIL';
          ns.addrs.splice(i, 1);
          return '';
        }
        case 'defaultRoute':
          if (!this.link(ns, op.link).up) throw err('ENETDOWN', `route via ${op.gateway}`);
          ns.routes.push({ link: op.link, gateway: op.gateway });
          return '';
        case 'delLink': {
          const l = ns.links.get(op.link);
          if (!l) return 'ENODEV';
          this.dropPeer(l);
          ns.links.delete(op.link);
          ns.addrs = ns.addrs.filter((a) => a.link !== op.link);
          ns.routes = ns.routes.filter((r) => r.link !== op.link);
          return '';
        }
        case 'sysctl':
          ns.sysctls.set(op.key, op.value);
          return '';
      }
    }
  }
}
