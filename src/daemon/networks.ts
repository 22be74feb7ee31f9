// The networks service as wharfd wires it: dockerd's network flags made concrete, the bridge
// data plane (its sandboxes under <exec-root>/network, its firewall chains and bridge marks
// named with --fw-prefix), the embedded DNS answering from the service's names and
// forwarding the rest to --dns or the host's resolvers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidParameter } from '../lib/errors.ts';
import type { EventSink } from '../lib/events.ts';
import { log } from '../lib/log.ts';
import type { Db } from '../store/db.ts';
import { type FirewallHost, Iptables } from '../host/firewall.ts';
import { BridgeDataPlane } from '../network/bridge/plane.ts';
import { DEFAULT_BRIDGE_NAME } from '../network/defaults.ts';
import type { NetworkDaemonConfig } from '../network/deps.ts';
import { EmbeddedDns } from '../network/dns/server.ts';
import { hostUpstreams } from '../network/dns/upstream.ts';
import { hostResolvConf } from '../network/etc-files.ts';
import { DEFAULT_POOLS, formatCidr, parseProcRoutes } from '../network/ipam.ts';
import { dnatPorts, socketBinder } from '../network/ports.ts';
import { NetworkService } from '../network/service.ts';
import type { DaemonConfig } from './config.ts';

export function networkConfig(config: DaemonConfig): NetworkDaemonConfig {
  const mtu = config.mtu ?? 1500;
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw invalidParameter(`invalid mtu ${mtu}: it must be between 68 and 65535`);
  return {
    bridge: config.bridge === 'none' ? null : (config.bridge ?? DEFAULT_BRIDGE_NAME),
    bip: config.bip,
    fixedCidr: config.fixedCidr,
    pools: config.defaultAddressPools.length > 0 ? config.defaultAddressPools : DEFAULT_POOLS,
    mtu,
    icc: config.icc ?? true,
    ipMasq: config.ipMasq ?? true,
    defaultBindIp: config.ip ?? '0.0.0.0',
    hostGatewayIp: config.hostGatewayIp,
    dns: config.dns ?? [],
    dnsSearch: config.dnsSearch ?? [],
    dnsOptions: config.dnsOpts ?? [],
  };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function hostRoutes(): { iface: string; cidr: string }[] {
  return parseProcRoutes(readText('/proc/net/route')).map((r) => ({ iface: r.iface, cidr: formatCidr(r.cidr) }));
}

/** --iptables=false: dockerd's "leave the firewall to me" — no rule is ever written. */
const noFirewall: FirewallHost = {
  restore: async () => {},
  save: async () => '',
};

function foreignDnatPorts(prefix: string): () => Promise<Set<string>> {
  const iptables = new Iptables();
  return async () => {
    const texts = await Promise.all(([4, 6] as const).map((f) => iptables.save(f).catch(() => '')));
    return dnatPorts(texts.join('\n'), prefix);
  };
}

export function openNetworks(config: DaemonConfig, db: Db, events: EventSink): NetworkService {
  const cfg = networkConfig(config);
  if (config.iptables === false) {
    log.warn('--iptables=false: no firewall rules are written, so published ports, masquerading and isolation between networks are left to the host\'s own rules');
  }
  let svc: NetworkService | undefined;
  const dns = new EmbeddedDns({
    resolver: {
      lookup: (net, name, type) => svc?.names.lookup(net, name, type),
      reverse: (net, addr) => svc?.names.reverse(net, addr),
    },
    // Read per forwarded query, so an edited resolv.conf counts at once; internal networks forward nothing.
    upstream: (net) => (svc?.records.get(net)?.internal ? [] : hostUpstreams(readText('/etc/resolv.conf'), cfg.dns)),
    log,
  });
  svc = new NetworkService({
    db,
    dataPlane: new BridgeDataPlane({
      runDir: join(config.execRoot, 'network'),
      chainPrefix: config.fwPrefix ?? 'WHARF',
      ...(config.iptables === false ? { firewall: noFirewall } : {}),
    }),
    dns,
    events,
    config: cfg,
    ports: socketBinder,
    // Ports other engines DNAT (another wharfd restarting holds no socket for a moment).
    ...(config.iptables === false ? {} : { foreignPorts: foreignDnatPorts(config.fwPrefix ?? 'WHARF') }),
    hostRoutes,
    hostResolvConf,
  });
  return svc;
}
