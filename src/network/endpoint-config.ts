// Which networks a new container is attached to (HostConfig.NetworkMode plus
// NetworkingConfig.EndpointsConfig), and the checks dockerd makes of each endpoint's settings:
// aliases and static addresses on user-defined networks only, addresses inside the subnet.
import { isIPv4, isIPv6 } from 'node:net';
import { invalidParameter, notFound, WharfError } from '../lib/errors.ts';
import { contains, ipToNum, parseCidr4 } from './ipam.ts';
import { contains6, ip6ToBig, parseCidr6 } from './ipam6.ts';
import { isUserDefined, parseNetworkMode } from './mode.ts';
import type { EndpointRequest, NetworkRecord, NetworkRecords } from './records.ts';
import type { EndpointSettings } from './types.ts';

/** An error of start-time networking, in dockerd's words (never restated as a runtime error). */
export class NetworkSetupError extends WharfError {
  constructor(message: string) {
    super('System', message.startsWith('failed to set up container networking: ') ? message : `failed to set up container networking: ${message}`);
  }
}

function invalidEndpoint(msg: string): WharfError {
  return invalidParameter(`invalid endpoint settings:\n${msg}`);
}

export const CONFLICT_HOST = 'container cannot be disconnected from host network or connected to host network';
export const CONFLICT_SHARED = 'container sharing network namespace with another container or host cannot be connected to any other network';
export const CONFLICT_NONE = 'container cannot be connected to multiple networks with one of the networks in private (none) mode';

const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;

/** The request half of EndpointSettings, as stored. */
export function endpointRequest(cfg: Partial<EndpointSettings> | null | undefined): EndpointRequest {
  const c = cfg ?? {};
  const out: EndpointRequest = {};
  if (c.Aliases && c.Aliases.length > 0) out.Aliases = [...c.Aliases];
  if (c.IPAMConfig && (c.IPAMConfig.IPv4Address || c.IPAMConfig.IPv6Address || (c.IPAMConfig.LinkLocalIPs ?? []).length > 0)) out.IPAMConfig = { ...c.IPAMConfig };
  if (c.MacAddress) out.MacAddress = c.MacAddress.toLowerCase().replaceAll('-', ':');
  if (c.DriverOpts && Object.keys(c.DriverOpts).length > 0) out.DriverOpts = { ...c.DriverOpts };
  if (c.Links && c.Links.length > 0) out.Links = [...c.Links];
  if (c.GwPriority) out.GwPriority = c.GwPriority;
  return out;
}

/** dockerd's validateEndpointSettings for one network. */
export function validateEndpoint(n: NetworkRecord, req: EndpointRequest): void {
  const userDefined = !n.builtin && isUserDefined(n.name);
  if ((req.Aliases ?? []).length > 0 && !userDefined) throw invalidEndpoint('network-scoped alias is supported only for containers in user defined networks');
  const v4 = req.IPAMConfig?.IPv4Address;
  const v6 = req.IPAMConfig?.IPv6Address;
  if (v4 || v6) {
    if (!userDefined) throw invalidEndpoint('user specified IP address is supported on user defined networks only');
    if ((v4 && !n.userSubnet) || (v6 && !n.bridge?.ipv6?.userSubnet)) {
      throw invalidEndpoint('user specified IP address is supported only when connecting to networks with user configured subnets');
    }
  }
  if (v4) {
    if (!isIPv4(v4)) throw invalidEndpoint(`invalid IPv4 address: ${v4}`);
    if (!n.bridge || !contains(parseCidr4(n.bridge.subnet), ipToNum(v4))) throw invalidEndpoint(`no configured subnet or ip-range contain the IP address ${v4}`);
  }
  if (v6) {
    if (!isIPv6(v6)) throw invalidEndpoint(`invalid IPv6 address: ${v6}`);
    if (!n.bridge?.ipv6 || !contains6(parseCidr6(n.bridge.ipv6.subnet), ip6ToBig(v6))) throw invalidEndpoint(`no configured subnet or ip-range contain the IP address ${v6}`);
  }
  if (req.MacAddress && !MAC.test(req.MacAddress)) throw invalidEndpoint(`invalid MAC address: ${req.MacAddress}`);
}

export interface PlannedAttachment {
  /** The network's ID; for a network that does not exist (yet), the name given. */
  networkId: string;
  networkName: string;
  /** Absent when no such network exists: create succeeds, start fails (as dockerd does). */
  network?: NetworkRecord | undefined;
  config: EndpointRequest;
}

function planned(n: NetworkRecord | undefined, ref: string, config: EndpointRequest): PlannedAttachment {
  return n ? { networkId: n.id, networkName: n.name, network: n, config } : { networkId: ref, networkName: ref, config };
}

/** What dockerd checks of settings for a network it cannot see yet: the addresses' syntax. */
function validateUnknown(req: EndpointRequest): void {
  const v4 = req.IPAMConfig?.IPv4Address;
  const v6 = req.IPAMConfig?.IPv6Address;
  if (v4 && !isIPv4(v4)) throw invalidEndpoint(`invalid IPv4 address: ${v4}`);
  if (v6 && !isIPv6(v6)) throw invalidEndpoint(`invalid IPv6 address: ${v6}`);
  if (req.MacAddress && !MAC.test(req.MacAddress)) throw invalidEndpoint(`invalid MAC address: ${req.MacAddress}`);
}

/**
 * The networks of a new container, primary first. `multiple`: API 1.44+ lets a create name
 * several networks; before, one only. `bridgeEnabled`: --bridge=none turns the default into
 * none. A network that does not exist is recorded by name: dockerd creates the container and
 * fails its start ("failed to set up container networking: network x not found"), and the
 * docker CLI would read a 404 at create as a missing image and try to pull it.
 */
export function planAttachments(
  records: NetworkRecords,
  networkMode: string,
  endpoints: Record<string, Partial<EndpointSettings> | null> | null | undefined,
  multiple: boolean,
  bridgeEnabled: boolean,
): PlannedAttachment[] {
  const eps = endpoints ?? {};
  const keys = Object.keys(eps);
  if (!multiple && keys.length > 1) throw invalidParameter(`Container cannot be connected to network endpoints: ${keys.join(', ')}`);
  const mode = parseNetworkMode(networkMode).mode;
  if (mode.kind === 'container') return [];
  const builtinName = mode.kind === 'bridge' ? (bridgeEnabled ? 'bridge' : 'none') : mode.kind === 'network' ? undefined : mode.kind;
  const primaryRef = builtinName ?? (mode as { name: string }).name;
  const primary = builtinName ? records.byName(builtinName) : records.find(primaryRef);
  if (!primary && builtinName) throw notFound(`network ${builtinName} not found`);
  const isPrimaryKey = (k: string) =>
    k === primaryRef || (primary !== undefined && (k === primary.name || k === primary.id)) || (mode.kind === 'bridge' && (k === 'bridge' || k === 'default'));
  const primaryKey = keys.find(isPrimaryKey);
  const out: PlannedAttachment[] = [planned(primary, primaryRef, endpointRequest(primaryKey !== undefined ? eps[primaryKey] : undefined))];
  for (const k of keys) {
    if (isPrimaryKey(k)) continue;
    const n = records.find(k);
    if (out.some((p) => p.networkId === (n?.id ?? k))) continue;
    if (n && primary) {
      if (primary.driver === 'host') throw invalidParameter(CONFLICT_HOST);
      if (primary.driver === 'null' || n.driver === 'null') throw invalidParameter(CONFLICT_NONE);
      if (n.driver === 'host') throw invalidParameter(CONFLICT_HOST);
      if (primary.builtin !== n.builtin) throw invalidParameter('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
    }
    out.push(planned(n, k, endpointRequest(eps[k])));
  }
  for (const p of out) {
    if (p.network) validateEndpoint(p.network, p.config);
    else validateUnknown(p.config);
  }
  return out;
}
