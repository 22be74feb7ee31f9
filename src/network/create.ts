// POST /networks/create checked as dockerd checks it, and the record it makes: a bridge
// network with its subnet (the user's, or the first free one of the address pools), gateway,
// bridge name (com.docker.network.bridge.name, else br-<id12>), MTU, icc and masquerade.
import { randomId } from '../lib/fsutil.ts';
import { nowRfc3339Nano } from '../lib/gotime.ts';
import { conflict, forbidden, invalidParameter, notFound, type WharfError } from '../lib/errors.ts';
import { contains, firstHost, formatCidr, ipToNum, overlaps, parseCidr4, pickSubnet, type AddressPool, type Cidr } from './ipam.ts';
import type { IpamEntry, NetworkRecord } from './records.ts';
import { bigToIp6, contains6, formatCidr6, ip6ToBig, overlaps6, parseCidr6, randomUla64, type Cidr6 } from './ipam6.ts';
import type { IPAMConfig, NetworkCreateRequest } from './types.ts';
import { isIPv4, isIPv6 } from 'node:net';

export const PREDEFINED = ['bridge', 'host', 'none', 'default'];

export const OPT_BRIDGE_NAME = 'com.docker.network.bridge.name';
export const OPT_MTU = 'com.docker.network.driver.mtu';
export const OPT_ICC = 'com.docker.network.bridge.enable_icc';
export const OPT_MASQ = 'com.docker.network.bridge.enable_ip_masquerade';
export const OPT_HOST_BINDING = 'com.docker.network.bridge.host_binding_ipv4';

/** Drivers Docker has built in that Wharf does not implement. */
const OTHER_BUILTIN_DRIVERS = ['macvlan', 'ipvlan', 'overlay'];

export interface CreateContext {
  existing: NetworkRecord[];
  pools: AddressPool[];
  /** Link routes of the host (other engines' bridges, the LAN). */
  routes: Cidr[];
  mtu: number;
}

function invalidConfig(msg: string): WharfError {
  return invalidParameter(`invalid network config:\n${msg}`);
}

function boolOpt(opts: Record<string, string>, key: string, fallback: boolean): boolean {
  const v = opts[key];
  if (v === undefined) return fallback;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw invalidParameter(`failed to parse ${key} value: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

export function mtuOpt(opts: Record<string, string>, fallback: number): number {
  const v = opts[OPT_MTU];
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw invalidParameter(`failed to parse ${OPT_MTU} value: strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = Number(v);
  if (n < 68 || n > 65535) throw invalidParameter(`invalid MTU number: ${n}`);
  return n;
}

export function buildNetworkRecord(req: NetworkCreateRequest, ctx: CreateContext): NetworkRecord {
  const name = req.Name ?? '';
  if (name === '') throw invalidParameter('invalid name: ');
  if (PREDEFINED.includes(name)) throw forbidden(`operation is not permitted on predefined ${name} network `);
  if (ctx.existing.some((n) => n.name === name)) throw conflict(`network with name ${name} already exists`);
  const driver = req.Driver || 'bridge';
  if (driver === 'host' || driver === 'null') throw forbidden(`only one instance of "${driver}" network is allowed`);
  if (OTHER_BUILTIN_DRIVERS.includes(driver)) throw invalidParameter(`the ${driver} driver is not supported by Wharf: only bridge networks can be created`);
  if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
  if (req.Scope && req.Scope !== 'local') throw invalidParameter(`cannot create a ${req.Scope} scoped network: Wharf has local scope only`);
  if (req.Ingress) throw invalidParameter('the ingress network is a swarm feature, which Wharf does not have');
  if (req.ConfigOnly || req.ConfigFrom?.Network) throw invalidParameter('config-only networks are not supported by Wharf');
  const ipamDriver = req.IPAM?.Driver || 'default';
  if (ipamDriver !== 'default') throw notFound(`plugin "${ipamDriver}" not found`);
  if (req.EnableIPv4 === false) throw invalidParameter('IPv4 cannot be disabled on a bridge network in this Wharf version');
  const enableV6 = req.EnableIPv6 === true;

  const options = { ...(req.Options ?? {}) };
  const all = (req.IPAM?.Config ?? []).filter((c) => c.Subnet || c.Gateway || c.IPRange);
  const isV6 = (c: IPAMConfig) => (c.Subnet || c.Gateway || c.IPRange || '').includes(':');
  const configs = all.filter((c) => !isV6(c));
  const configs6 = all.filter(isV6);
  if (configs6.length > 0 && !enableV6) throw invalidConfig('IPv6 subnet or gateway given, but IPv6 is not enabled on the network (--ipv6)');
  if (configs.length > 1) throw invalidConfig('bridge networks support only one IPv4 subnet');
  if (configs6.length > 1) throw invalidConfig('bridge networks support only one IPv6 subnet');
  const id = randomId();
  const cfg = configs[0];
  let subnet: Cidr;
  let gateway: string;
  let ipRange: Cidr | undefined;
  const reserved: string[] = [];
  let shown: IpamEntry[];
  const taken = ctx.existing.flatMap((n) => (n.bridge ? [parseCidr4(n.bridge.subnet)] : []));
  if (cfg) {
    if (!cfg.Subnet) throw invalidConfig('every ip-range or gateway must have a corresponding subnet');
    subnet = checkedSubnet(cfg.Subnet);
    if (taken.some((t) => overlaps(t, subnet))) throw forbidden('invalid pool request: Pool overlaps with other one on this address space');
    if (cfg.IPRange) {
      ipRange = parseCidr4(cfg.IPRange);
      if (ipRange.bits < subnet.bits || !contains(subnet, ipRange.base)) throw invalidConfig(`invalid ip-range ${cfg.IPRange}: it should be a subset of subnet ${cfg.Subnet}`);
    }
    if (cfg.Gateway) {
      if (!isIPv4(cfg.Gateway) || !contains(subnet, ipToNum(cfg.Gateway))) throw invalidConfig(`invalid gateway ${cfg.Gateway}: it should be within subnet ${cfg.Subnet}`);
      gateway = cfg.Gateway;
    } else {
      gateway = firstHost(subnet);
    }
    for (const [host, ip] of Object.entries(cfg.AuxiliaryAddresses ?? {})) {
      if (!isIPv4(ip) || !contains(subnet, ipToNum(ip))) throw invalidConfig(`invalid auxiliary address ${host}=${ip}: it should be within subnet ${cfg.Subnet}`);
      reserved.push(ip);
    }
    shown = [
      {
        Subnet: cfg.Subnet,
        ...(cfg.IPRange ? { IPRange: cfg.IPRange } : {}),
        ...(cfg.Gateway ? { Gateway: cfg.Gateway } : {}),
        ...(cfg.AuxiliaryAddresses && Object.keys(cfg.AuxiliaryAddresses).length > 0 ? { AuxiliaryAddresses: cfg.AuxiliaryAddresses } : {}),
      },
    ];
  } else {
    const picked = pickSubnet(ctx.pools, [...taken, ...ctx.routes]);
    if (!picked) throw forbidden('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    subnet = picked;
    gateway = firstHost(subnet);
    shown = [{ Subnet: formatCidr(subnet), Gateway: gateway }];
  }

  const ipv6 = enableV6 ? ipv6Config(configs6[0], ctx.existing) : undefined;
  if (ipv6) shown.push(ipv6.shown);

  const bridgeName = options[OPT_BRIDGE_NAME] || `br-${id.slice(0, 12)}`;
  if (bridgeName.length > 15 || !/^[A-Za-z0-9_.-]+$/.test(bridgeName)) throw invalidParameter(`invalid bridge name ${JSON.stringify(bridgeName)}: at most 15 letters, digits, '.', '_' or '-'`);
  const holder = ctx.existing.find((n) => n.bridge?.name === bridgeName);
  if (holder) throw conflict(`bridge name ${bridgeName} is already used by network ${holder.name}`);
  const hostBinding = options[OPT_HOST_BINDING];
  if (hostBinding !== undefined && !isIPv4(hostBinding)) throw invalidParameter(`invalid ${OPT_HOST_BINDING}: ${hostBinding}`);

  return {
    id,
    name,
    created: nowRfc3339Nano(),
    driver: 'bridge',
    builtin: false,
    internal: req.Internal ?? false,
    attachable: req.Attachable ?? false,
    enableIPv6: enableV6,
    ipamOptions: req.IPAM?.Options ?? {},
    ipamShown: shown,
    userSubnet: cfg !== undefined,
    options,
    labels: { ...(req.Labels ?? {}) },
    bridge: {
      name: bridgeName,
      subnet: formatCidr(subnet),
      gateway,
      ...(ipRange ? { ipRange: formatCidr(ipRange) } : {}),
      reserved,
      mtu: mtuOpt(options, ctx.mtu),
      icc: boolOpt(options, OPT_ICC, true),
      masquerade: boolOpt(options, OPT_MASQ, true),
      ...(ipv6 ? { ipv6: ipv6.bridge } : {}),
    },
  };
}

/** The IPv6 half of a dual-stack network: the user's subnet, or a random unique-local /64. */
function ipv6Config(cfg: IPAMConfig | undefined, existing: NetworkRecord[]): { bridge: NonNullable<NonNullable<NetworkRecord['bridge']>['ipv6']>; shown: IpamEntry } {
  const taken = existing.flatMap((n) => (n.bridge?.ipv6 ? [parseCidr6(n.bridge.ipv6.subnet)] : []));
  if (!cfg) {
    let subnet = randomUla64();
    while (taken.some((t) => overlaps6(t, subnet))) subnet = randomUla64();
    const gateway = bigToIp6(subnet.base + 1n);
    return { bridge: { subnet: formatCidr6(subnet), gateway, userSubnet: false }, shown: { Subnet: formatCidr6(subnet), Gateway: gateway } };
  }
  if (!cfg.Subnet) throw invalidConfig('every ip-range or gateway must have a corresponding subnet');
  let subnet: Cidr6;
  try {
    subnet = parseCidr6(cfg.Subnet);
  } catch {
    throw invalidConfig(`invalid subnet ${cfg.Subnet}: invalid CIDR address: ${cfg.Subnet}`);
  }
  if (ip6ToBig(cfg.Subnet.split('/')[0]!) !== subnet.base) throw invalidConfig(`invalid subnet ${cfg.Subnet}: it should be ${formatCidr6(subnet)}`);
  if (subnet.bits > 124) throw invalidConfig(`invalid subnet ${cfg.Subnet}: the prefix must be /124 or shorter`);
  if (taken.some((t) => overlaps6(t, subnet))) throw forbidden('invalid pool request: Pool overlaps with other one on this address space');
  let range: Cidr6 | undefined;
  if (cfg.IPRange) {
    range = parseCidr6(cfg.IPRange);
    if (range.bits < subnet.bits || !contains6(subnet, range.base)) throw invalidConfig(`invalid ip-range ${cfg.IPRange}: it should be a subset of subnet ${cfg.Subnet}`);
  }
  if (cfg.Gateway && (!isIPv6(cfg.Gateway) || !contains6(subnet, ip6ToBig(cfg.Gateway)))) throw invalidConfig(`invalid gateway ${cfg.Gateway}: it should be within subnet ${cfg.Subnet}`);
  const gateway = cfg.Gateway ? bigToIp6(ip6ToBig(cfg.Gateway)) : bigToIp6(subnet.base + 1n);
  return {
    bridge: { subnet: formatCidr6(subnet), gateway, ...(range ? { ipRange: formatCidr6(range) } : {}), userSubnet: true },
    shown: { Subnet: cfg.Subnet, ...(cfg.IPRange ? { IPRange: cfg.IPRange } : {}), ...(cfg.Gateway ? { Gateway: cfg.Gateway } : {}) },
  };
}

function checkedSubnet(text: string): Cidr {
  let c: Cidr;
  try {
    c = parseCidr4(text);
  } catch {
    throw invalidConfig(`invalid subnet ${text}: invalid CIDR address: ${text}`);
  }
  if (formatCidr(c) !== text) throw invalidConfig(`invalid subnet ${text}: it should be ${formatCidr(c)}`);
  if (c.bits > 30) throw invalidConfig(`invalid subnet ${text}: the prefix must be /30 or shorter to hold a gateway and a container`);
  return c;
}
