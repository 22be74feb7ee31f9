// A container's networking as GET /containers/{id}/json and GET /containers/json show it:
// NetworkSettings.Networks (one EndpointSettings per network, keys sorted as Go's maps are),
// Ports (exposed ports, with their host bindings while running) and the deprecated top-level
// fields, which dockerd fills from the default bridge's endpoint.
import { isUserDefined } from './mode.ts';
import { dnsNames } from './names.ts';
import type { Attachment, NetworkRecord } from './records.ts';
import type { EndpointSettings, PortMap, PortSummary } from './types.ts';

export interface ContainerNetworkInfo {
  id: string;
  name: string;
  hostname: string;
  running: boolean;
  pid: number;
  networkMode: string;
  exposedPorts: Record<string, object>;
}

export interface ContainerNetworkSettings {
  networks: Record<string, EndpointSettings>;
  ports: PortMap;
  sandboxId: string;
  sandboxKey: string;
  /** The default bridge's live endpoint (the deprecated top-level fields), if any. */
  bridge: EndpointSettings | undefined;
}

export function emptyEndpoint(): EndpointSettings {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
}

function endpointSettings(c: ContainerNetworkInfo, a: Attachment, n: NetworkRecord | undefined): EndpointSettings {
  const ep = c.running ? a.endpoint : null;
  const out = emptyEndpoint();
  out.IPAMConfig = a.config.IPAMConfig ?? null;
  out.Links = a.config.Links ?? null;
  out.Aliases = a.config.Aliases ?? null;
  out.MacAddress = ep?.mac || a.config.MacAddress || '';
  out.DriverOpts = a.config.DriverOpts ?? null;
  out.GwPriority = a.config.GwPriority ?? 0;
  // A network that never existed has no ID to show; a removed one keeps the one it had.
  out.NetworkID = n?.id ?? (/^[0-9a-f]{64}$/.test(a.networkId) ? a.networkId : '');
  if (ep) {
    out.EndpointID = ep.endpointId;
    out.Gateway = ep.gateway;
    out.IPAddress = ep.ipv4;
    out.IPPrefixLen = ep.prefixLen;
    if (ep.ipv6) {
      out.IPv6Gateway = ep.gateway6 ?? '';
      out.GlobalIPv6Address = ep.ipv6;
      out.GlobalIPv6PrefixLen = ep.prefixLen6 ?? 0;
    }
  }
  if (n && !n.builtin && isUserDefined(n.name)) out.DNSNames = dnsNames(c.id, c.name, c.hostname, a.config.Aliases ?? []);
  return out;
}

export function containerNetworkSettings(
  c: ContainerNetworkInfo,
  atts: Attachment[],
  network: (id: string) => NetworkRecord | undefined,
  netnsPath: string | undefined,
): ContainerNetworkSettings {
  const networks: Record<string, EndpointSettings> = {};
  let bridge: EndpointSettings | undefined;
  const sorted = [...atts].sort((x, y) => (x.networkName < y.networkName ? -1 : x.networkName > y.networkName ? 1 : 0));
  for (const a of sorted) {
    const n = network(a.networkId);
    const es = endpointSettings(c, a, n);
    networks[n?.name ?? a.networkName] = es;
    if (n?.builtin && n.name === 'bridge' && es.EndpointID) bridge = es;
  }
  const ports: PortMap = {};
  const live = c.running ? atts.filter((a) => a.endpoint?.ipv4) : [];
  if (live.length > 0) {
    for (const key of Object.keys(c.exposedPorts)) ports[key] = null;
    for (const a of live) {
      for (const p of a.endpoint!.ports) {
        const key = `${p.containerPort}/${p.proto}`;
        ports[key] = [...(ports[key] ?? []), { HostIp: p.hostIp, HostPort: String(p.hostPort) }];
      }
    }
  }
  let sandboxKey = '';
  if (c.running) sandboxKey = netnsPath ?? (c.networkMode === 'none' ? `/proc/${c.pid}/ns/net` : '');
  const shares = c.networkMode.startsWith('container:');
  return { networks, ports: sortedPorts(ports), sandboxId: c.running && !shares ? c.id : '', sandboxKey, bridge };
}

/** Go marshals map keys sorted. */
function sortedPorts(p: PortMap): PortMap {
  const out: PortMap = {};
  for (const k of Object.keys(p).sort()) out[k] = p[k] ?? null;
  return out;
}

/** ContainerSummary.Ports from the Ports map. */
export function portSummaries(ports: PortMap): PortSummary[] {
  const out: PortSummary[] = [];
  for (const [key, bindings] of Object.entries(ports)) {
    const [port = '0', proto = 'tcp'] = key.split('/');
    if (!bindings || bindings.length === 0) {
      out.push({ PrivatePort: Number(port), Type: proto });
      continue;
    }
    for (const b of bindings) out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: proto });
  }
  return out;
}
