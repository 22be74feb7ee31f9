// The bridge data plane (driver.ts's NetworkDataPlane): Linux bridges, veth pairs into
// per-container network namespaces, and iptables rules for masquerading, isolation and
// published ports. Links and namespaces are made in-process over rtnetlink (host/netlink.ts:
// ≈1 ms a sandbox, ≈1.5 ms a connect, no process spawned); rules through iptables-restore
// (firewall.ts), which a plain `run` on a bridge never needs.
//
// What is ours, found again after a restart: bridges carrying our alias (links.ts), every
// file in <runDir>/netns, and the chains named with our prefix (rules.ts).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Iptables, type FirewallHost } from '../../host/firewall.ts';
import { canonicalIp } from '../../host/ip.ts';
import { type LinkInfo, type NetlinkHost, WorkerNetlink } from '../../host/netlink.ts';
import { conflict, errnoCode, invalidParameter } from '../../lib/errors.ts';
import { log } from '../../lib/log.ts';
import type { BridgeNetworkSpec, EndpointSpec, Expected, NetworkDataPlane, PortBinding } from '../driver.ts';
import { BridgeFirewall } from './firewall.ts';
import { bridgeOps, checkIfName, checkNetwork, gatewayCidr, hostVethName, insideOps, isOurBridge, vethOp } from './links.ts';

/**
 * Whether DNAT can carry a binding: host and container addresses of one family, and not ::1
 * (IPv6 has no route_localnet: the kernel drops ::1-sourced packets leaving the host).
 */
function natable(b: PortBinding): boolean {
  return b.hostIp.includes(':') === b.containerIp.includes(':') && b.hostIp !== '::1';
}

export interface BridgePlaneOptions {
  /** The daemon's directory for network state under its exec root; sandboxes are <runDir>/netns/<id>. */
  runDir: string;
  /** Prefix of our firewall chains and bridge marks: unique per daemon on a host. Default "WHARF". */
  chainPrefix?: string;
  netlink?: NetlinkHost;
  firewall?: FirewallHost;
}

/** Runs an operation and logs its duration at debug level (`wharfd -D` shows where time goes). */
async function timed<T>(op: string, subject: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    log.debug('network data plane', { op, subject, ms: Number((performance.now() - t0).toFixed(2)) });
  }
}

export class BridgeDataPlane implements NetworkDataPlane {
  readonly prefix: string;
  readonly netnsDir: string;
  readonly firewall: BridgeFirewall;
  private readonly nl: NetlinkHost;

  constructor(opts: BridgePlaneOptions) {
    this.prefix = opts.chainPrefix ?? 'WHARF';
    this.netnsDir = join(opts.runDir, 'netns');
    if (opts.netlink) this.nl = opts.netlink;
    else {
      const nl = new WorkerNetlink();
      nl.warm(); // loads while the daemon does the rest of its start-up
      this.nl = nl;
    }
    this.firewall = new BridgeFirewall(opts.firewall ?? new Iptables(), this.prefix);
  }

  sandboxPath(containerId: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(containerId) || containerId.startsWith('.')) throw invalidParameter(`invalid container ID ${JSON.stringify(containerId)}`);
    return join(this.netnsDir, containerId);
  }

  ensureNetwork(net: BridgeNetworkSpec): Promise<void> {
    return timed('ensureNetwork', net.bridge, async () => {
      checkNetwork(net);
      await this.ensureLinks(net, await this.nl.links());
      await this.firewall.setNetwork(net);
    });
  }

  removeNetwork(net: BridgeNetworkSpec): Promise<void> {
    return timed('removeNetwork', net.bridge, async () => {
      await this.firewall.removeNetwork(net.id);
      const link = (await this.nl.links()).find((l) => l.name === net.bridge);
      // A bridge the admin made (no mark of ours) is left to the admin.
      if (link && isOurBridge(link.alias, this.prefix)) await this.nl.apply(undefined, [{ op: 'delLink', link: net.bridge }]);
    });
  }

  createSandbox(containerId: string): Promise<string> {
    return timed('createSandbox', containerId, async () => {
      const path = this.sandboxPath(containerId);
      try {
        await this.nl.createNetns(path);
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
        // A leftover of the container's last run: a fresh namespace, without its old veths.
        await this.nl.removeNetns(path);
        await this.nl.createNetns(path);
      }
      return path;
    });
  }

  removeSandbox(containerId: string): Promise<void> {
    return timed('removeSandbox', containerId, async () => {
      await this.firewall.unpublish(containerId);
      await this.nl.removeNetns(this.sandboxPath(containerId));
    });
  }

  connect(net: BridgeNetworkSpec, ep: EndpointSpec): Promise<void> {
    return timed('connect', `${ep.containerId} ${net.bridge}`, async () => {
      checkIfName(ep.ifName, 'interface');
      let host = hostVethName();
      for (let attempt = 0; ; attempt++) {
        const [res] = await this.nl.apply(undefined, [vethOp(net, ep, host)]);
        if (res === '') break;
        if (attempt === 2) throw conflict(`cannot connect container ${ep.containerId} to ${net.bridge}: interface name ${ep.ifName} or ${host} is taken`);
        // EEXIST: our random name, or the interface in the sandbox (a connect that did not finish).
        const inside = await this.nl.links(ep.netnsPath);
        if (inside.some((l) => l.name === ep.ifName)) await this.nl.apply(ep.netnsPath, [{ op: 'delLink', link: ep.ifName }]);
        host = hostVethName();
      }
      try {
        await this.nl.apply(ep.netnsPath, insideOps(net, ep));
      } catch (err) {
        await this.nl.apply(undefined, [{ op: 'delLink', link: host }]).catch(() => undefined);
        throw err;
      }
    });
  }

  disconnect(net: BridgeNetworkSpec, ep: EndpointSpec): Promise<void> {
    return timed('disconnect', `${ep.containerId} ${net.bridge}`, async () => {
      await this.firewall.unpublish(ep.containerId, net.id);
      try {
        await this.nl.apply(ep.netnsPath, [{ op: 'delLink', link: ep.ifName }]);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err; // the sandbox is gone, and the veth with it
      }
    });
  }

  publish(net: BridgeNetworkSpec, ep: EndpointSpec, ports: PortBinding[]): Promise<void> {
    return timed('publish', ep.containerId, async () => {
      if (net.internal) return; // as dockerd: nothing is published from an internal network
      const nat = ports.filter(natable);
      if (nat.length > 0) await this.firewall.publish(net, ep.containerId, nat);
    });
  }

  unpublish(net: BridgeNetworkSpec, ep: EndpointSpec, ports: PortBinding[]): Promise<void> {
    return timed('unpublish', ep.containerId, async () => {
      const nat = ports.filter(natable);
      if (nat.length > 0) await this.firewall.unpublish(ep.containerId, net.id, nat);
    });
  }

  reconcile(expected: Expected): Promise<void> {
    return timed('reconcile', 'daemon start', async () => {
      for (const n of expected.networks) checkNetwork(n);
      const links = await this.nl.links();
      const wanted = new Set(expected.networks.map((n) => n.bridge));
      const stale = links.filter((l) => l.kind === 'bridge' && isOurBridge(l.alias, this.prefix) && !wanted.has(l.name));
      if (stale.length > 0) await this.nl.apply(undefined, stale.map((l) => ({ op: 'delLink' as const, link: l.name })));
      for (const n of expected.networks) await this.ensureLinks(n, links);
      const keep = new Set(expected.sandboxes);
      for (const id of await this.sandboxFiles()) if (!keep.has(id)) await this.nl.removeNetns(join(this.netnsDir, id));
      const ports = [...expected.ports].map(([containerId, p]) => ({ net: p.network, containerId, bindings: p.ports.filter(natable) }));
      await this.firewall.reset(expected.networks, ports);
    });
  }

  async close(): Promise<void> {
    try {
      for (const id of await this.sandboxFiles()) await this.nl.removeNetns(join(this.netnsDir, id));
      const ours = (await this.nl.links()).filter((l) => l.kind === 'bridge' && isOurBridge(l.alias, this.prefix));
      if (ours.length > 0) await this.nl.apply(undefined, ours.map((l) => ({ op: 'delLink' as const, link: l.name })));
      await this.firewall.teardown();
      await this.nl.releaseNetnsDir(this.netnsDir);
    } finally {
      await this.nl.close();
    }
  }

  /** Makes the bridge match the spec: created if missing, addresses exactly the gateway(s). */
  private async ensureLinks(net: BridgeNetworkSpec, links: LinkInfo[]): Promise<void> {
    const existing = links.find((l) => l.name === net.bridge);
    if (existing && existing.kind !== 'bridge') throw conflict(`cannot create bridge ${net.bridge}: an interface of kind ${existing.kind || 'device'} has that name`);
    await this.nl.apply(undefined, bridgeOps(net, this.prefix, existing === undefined));
    const want = new Set([gatewayCidr(net.gateway, net.subnet), ...(net.ipv6 ? [gatewayCidr(net.ipv6.gateway, net.ipv6.subnet)] : [])].map(canonicalIp));
    const extra = (await this.nl.addresses()).filter((a) => a.link === net.bridge && a.scope === 0 && !want.has(a.cidr));
    if (extra.length > 0) await this.nl.apply(undefined, extra.map((a) => ({ op: 'delAddr' as const, link: net.bridge, cidr: a.cidr })));
  }

  private async sandboxFiles(): Promise<string[]> {
    try {
      return (await readdir(this.netnsDir)).filter((f) => !f.startsWith('.'));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  }
}
