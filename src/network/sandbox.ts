// A container's networking while it runs. On start: addresses leased (one transaction), host
// ports reserved, a network namespace made, one veth per bridge network, published ports
// programmed, and /etc/hosts + /etc/resolv.conf written (the embedded DNS on user-defined
// networks, the host's resolvers on the default bridge). On exit, failed start or removal all
// of it is undone. Live connect/disconnect are in connect.ts.
import { randomId } from '../lib/fsutil.ts';
import { messageOf, systemError, WharfError } from '../lib/errors.ts';
import { log } from '../lib/log.ts';
import { tx } from '../store/db.ts';
import { OPT_HOST_BINDING } from './create.ts';
import type { ContainerNet } from './deps.ts';
import type { EndpointSpec, PortBinding } from './driver.ts';
import { NetworkSetupError, planAttachments } from './endpoint-config.ts';
import { writeEtcFiles, type EtcPaths } from './etc-files.ts';
import { firstFree, ipToNum, macFromIp, parseCidr4, usable } from './ipam.ts';
import { bigToIp6, contains6, firstFree6, ip6ToBig, parseCidr6 } from './ipam6.ts';
import { parseNetworkMode } from './mode.ts';
import { PortAllocationError, portRequests } from './ports.ts';
import type { Attachment, LiveEndpoint, NetworkRecord, PublishedPort } from './records.ts';
import type { NetworkService } from './service.ts';

export interface NetworkSetUp {
  etc: EtcPaths;
  /** The namespace made for the container (bridge networks); absent for none and host. */
  netnsPath?: string;
  hostNetwork: boolean;
}

export function endpointSpec(containerId: string, netnsPath: string, ep: LiveEndpoint, defaultRoute: boolean): EndpointSpec {
  return { containerId, netnsPath, ifName: ep.ifName, ipv4: `${ep.ipv4}/${ep.prefixLen}`, ...(ep.ipv6 ? { ipv6: `${ep.ipv6}/${ep.prefixLen6}` } : {}), mac: ep.mac, defaultRoute };
}

/** The firewall's view of published ports: each goes to the container's address of its family. */
export function bindings(ep: LiveEndpoint, ports: PublishedPort[]): PortBinding[] {
  return ports.map((p) => ({ ...p, containerIp: p.hostIp.includes(':') && ep.ipv6 ? ep.ipv6 : ep.ipv4 }));
}

/** The container's addresses, for /etc/hosts. */
export function addressesOf(eps: (LiveEndpoint | null | undefined)[]): string[] {
  return eps.flatMap((e) => (e?.ipv4 ? [e.ipv4, ...(e.ipv6 ? [e.ipv6] : [])] : []));
}

/** Leases an address (the requested one, else the first free) and names the endpoint. Runs inside a transaction. */
export function allocate(svc: NetworkService, containerId: string, n: NetworkRecord, att: Attachment, ifName: string): LiveEndpoint {
  const endpointId = randomId();
  if (!n.bridge) return { endpointId, ifName: '', ipv4: '', prefixLen: 0, gateway: '', mac: '', ports: [] };
  const b = n.bridge;
  const subnet = parseCidr4(b.subnet);
  const scope = { subnet, range: b.ipRange ? parseCidr4(b.ipRange) : undefined, gateway: b.gateway, reserved: b.reserved };
  const want = att.config.IPAMConfig?.IPv4Address;
  let ip: string;
  if (want) {
    if (!usable(scope, ipToNum(want))) throw new NetworkSetupError(want === b.gateway ? 'Address already in use' : `no configured subnet or ip-range contain the IP address ${want}`);
    const holder = svc.records.leaseHolder(n.id, want);
    if (holder !== undefined && holder !== containerId) throw new NetworkSetupError('Address already in use');
    ip = want;
  } else {
    const free = firstFree(scope, svc.records.leased(n.id));
    if (!free) throw new NetworkSetupError(`no available IPv4 addresses on this network's address pools: ${n.name} (${n.id})`);
    ip = free;
  }
  svc.records.releaseLease(n.id, containerId);
  svc.records.lease(n.id, ip, containerId);
  const ep: LiveEndpoint = { endpointId, ifName, ipv4: ip, prefixLen: subnet.bits, gateway: b.gateway, mac: att.config.MacAddress || macFromIp(ip), ports: [] };
  if (b.ipv6) {
    const sub6 = parseCidr6(b.ipv6.subnet);
    const want6 = att.config.IPAMConfig?.IPv6Address;
    let ip6: string;
    if (want6) {
      const n6 = ip6ToBig(want6);
      ip6 = bigToIp6(n6);
      if (!contains6(sub6, n6) || n6 === sub6.base) throw new NetworkSetupError(`no configured subnet or ip-range contain the IP address ${want6}`);
      const holder = svc.records.leaseHolder(n.id, ip6);
      if (ip6 === b.ipv6.gateway || (holder !== undefined && holder !== containerId)) throw new NetworkSetupError('Address already in use');
    } else {
      const free = firstFree6(sub6, b.ipv6.gateway, svc.records.leased(n.id), b.ipv6.ipRange ? parseCidr6(b.ipv6.ipRange) : undefined);
      if (!free) throw new NetworkSetupError(`no available IPv6 addresses on this network's address pools: ${n.name} (${n.id})`);
      ip6 = free;
    }
    svc.records.lease(n.id, ip6, containerId);
    Object.assign(ep, { ipv6: ip6, prefixLen6: sub6.bits, gateway6: b.ipv6.gateway });
  }
  return ep;
}

/** The network an attachment names: by ID, else (recreated meanwhile) by name. */
function networkOf(svc: NetworkService, a: Attachment): NetworkRecord {
  const n = svc.records.get(a.networkId) ?? svc.records.find(a.networkName);
  if (!n) throw new NetworkSetupError(`network ${a.networkName} not found`);
  if (n.id !== a.networkId) {
    tx(svc.deps.db, () => {
      svc.records.deleteAttachment(a.containerId, a.networkId);
      svc.records.putAttachment({ ...a, networkId: n.id });
    });
    a.networkId = n.id;
  }
  return n;
}

export function extraHosts(svc: NetworkService, c: ContainerNet): string[] {
  return c.extraHosts.map((e) => {
    const m = /^([^:=]+)([:=])host-gateway$/.exec(e);
    if (!m) return e;
    const gw = svc.hostGateway();
    if (!gw) throw new NetworkSetupError('unable to derive the IP value for host-gateway');
    return `${m[1]}${m[2]}${gw}`;
  });
}

export async function setUpNetworking(svc: NetworkService, c: ContainerNet): Promise<NetworkSetUp> {
  const mode = parseNetworkMode(c.networkMode).mode;
  if (mode.kind === 'container') throw systemError('a container sharing another container\'s network has no networking of its own');
  let atts = svc.records.attachmentsOf(c.id);
  if (atts.length === 0) {
    // Created before networks existed: attach as its mode says.
    const plan = planAttachments(svc.records, c.networkMode, {}, false, svc.deps.config.bridge !== null);
    tx(svc.deps.db, () => svc.save(c.id, plan));
    atts = svc.records.attachmentsOf(c.id);
  }
  const nets = atts.map((a) => ({ a, n: networkOf(svc, a) }));
  const hostResolv = await svc.deps.hostResolvConf();
  const hosts = extraHosts(svc, c);
  const bridged = nets.filter((x) => x.n.bridge);
  const base = {
    dir: c.dir,
    hostname: c.hostname,
    ...(c.domainname ? { domainname: c.domainname } : {}),
    extraHosts: hosts,
    dns: c.dns.length > 0 ? c.dns : svc.deps.config.dns,
    dnsSearch: c.dnsSearch.length > 0 ? c.dnsSearch : svc.deps.config.dnsSearch,
    dnsOptions: c.dnsOptions.length > 0 ? c.dnsOptions : svc.deps.config.dnsOptions,
    hostResolv,
  };
  if (bridged.length === 0) {
    tx(svc.deps.db, () => {
      for (const { a, n } of nets) svc.records.setEndpoint(c.id, a.networkId, allocate(svc, c.id, n, a, ''));
    });
    const etc = await writeEtcFiles({ ...base, hostNetwork: mode.kind === 'host' });
    return { etc, hostNetwork: mode.kind === 'host' };
  }

  const gwIndex = bridged.findIndex((x) => !x.n.internal);
  const eps: LiveEndpoint[] = [];
  tx(svc.deps.db, () => {
    svc.records.putSandbox(c.id, '');
    bridged.forEach(({ a, n }, i) => {
      const ep = allocate(svc, c.id, n, a, `eth${i}`);
      svc.records.setEndpoint(c.id, a.networkId, ep);
      eps.push(ep);
    });
  });
  try {
    const gw = gwIndex >= 0 ? bridged[gwIndex]! : undefined;
    let published: PublishedPort[] = [];
    if (gw) {
      const bindIp = gw.n.options[OPT_HOST_BINDING] || svc.deps.config.defaultBindIp;
      const requested = portRequests(c.portBindings, c.exposedPorts, c.publishAll);
      try {
        published = await svc.ports.allocate(c.id, requested.map((r) => (r.hostIp === '' ? { ...r, hostIp: bindIp } : r)));
        // Dual stack: a port published on all addresses is published on all IPv6 ones too, same number.
        if (gw.n.bridge?.ipv6 && bindIp === '0.0.0.0') {
          const v6 = published.flatMap((p, i) => (requested[i]?.hostIp === '' ? [{ proto: p.proto, hostIp: '::', hostPorts: [p.hostPort, p.hostPort] as [number, number], containerPort: p.containerPort }] : []));
          published.push(...(await svc.ports.allocate(c.id, v6)));
        }
      } catch (err) {
        if (!(err instanceof PortAllocationError)) throw err;
        throw new NetworkSetupError(`driver failed programming external connectivity on endpoint ${c.name} (${eps[gwIndex]!.endpointId}): ${err.message}`);
      }
    }
    const netns = await svc.deps.dataPlane.createSandbox(c.id);
    tx(svc.deps.db, () => svc.records.putSandbox(c.id, netns));
    for (const [i, { n }] of bridged.entries()) await svc.deps.dataPlane.connect(svc.spec(n), endpointSpec(c.id, netns, eps[i]!, i === gwIndex));
    if (gw && published.length > 0) {
      const ep = { ...eps[gwIndex]!, ports: published };
      await svc.deps.dataPlane.publish(svc.spec(gw.n), endpointSpec(c.id, netns, ep, true), bindings(ep, published));
      tx(svc.deps.db, () => svc.records.setEndpoint(c.id, gw.a.networkId, ep));
    }
    svc.names.changed();
    const first = bridged[0]!.n;
    const embeddedDns = svc.deps.dns && !first.builtin ? first.bridge!.gateway : undefined;
    const etc = await writeEtcFiles({ ...base, hostNetwork: false, ips: addressesOf(eps), ...(embeddedDns ? { embeddedDns } : {}) });
    for (const { n } of bridged) svc.emit(n, 'connect', { container: c.id });
    return { etc, netnsPath: netns, hostNetwork: false };
  } catch (err) {
    await tearDownNetworking(svc, c.id, false);
    throw err instanceof NetworkSetupError || (err instanceof WharfError && err.kind !== 'System') ? err : new NetworkSetupError(messageOf(err));
  }
}

/**
 * Undoes a container's networking (idempotent): the namespace goes, and its veths and published
 * ports with it (removeSandbox; a per-veth disconnect would wait for the kernel), then the
 * reserved host ports and the leases.
 */
export async function tearDownNetworking(svc: NetworkService, containerId: string, events = true): Promise<void> {
  const live = svc.records.attachmentsOf(containerId).filter((a) => a.endpoint);
  const netns = svc.records.sandbox(containerId);
  if (netns !== undefined) {
    await svc.deps.dataPlane.removeSandbox(containerId).catch((e: unknown) => log.warn('network teardown: sandbox', { id: containerId, error: messageOf(e) }));
  }
  svc.ports.release(containerId);
  tx(svc.deps.db, () => {
    for (const a of live) svc.records.setEndpoint(containerId, a.networkId, null);
    svc.records.releaseLeasesOf(containerId);
    svc.records.deleteSandbox(containerId);
  });
  svc.names.changed();
  if (!events) return;
  for (const a of live) {
    const n = svc.records.get(a.networkId);
    if (n?.bridge) svc.emit(n, 'disconnect', { container: containerId });
  }
}

/** The container is gone: its networking and its wishes. */
export async function forgetContainer(svc: NetworkService, containerId: string): Promise<void> {
  await tearDownNetworking(svc, containerId);
  tx(svc.deps.db, () => svc.records.deleteAttachmentsOf(containerId));
}
