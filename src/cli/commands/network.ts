// `network create|connect|disconnect` and the `network` group: POST /networks/create,
// POST /networks/{id}/connect, POST /networks/{id}/disconnect, with docker's flags and the
// CLI's own IPAM checks (consolidateIpam: every range and gateway must match a subnet).
import { isIP } from 'node:net';
import type { IPAMConfig } from '../../client/networks.ts';
import type { Command } from '../command.ts';
import { StatusError } from '../command.ts';
import { networkInspectCommand, networkLsCommand, networkPruneCommand, networkRmCommand } from './network-list.ts';

/** "k=v" flag values as a map (docker's opts.ConvertKVStringsToMap). */
function kvMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) out[v] = '';
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** pflag's StringSlice: repeatable and comma-separated. */
function strings(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).filter((v) => v !== '');
}

function v4(ip: string): number | undefined {
  if (isIP(ip) !== 4) return undefined;
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** Whether `addr` (an address or CIDR) lies in `subnet` (IPv4; other families match by text prefix). */
function subnetMatches(subnet: string, addr: string): boolean {
  const [net = '', bits = ''] = subnet.split('/');
  const base = v4(net);
  const ip = v4(addr.split('/')[0] ?? '');
  if (base === undefined || ip === undefined || !/^\d+$/.test(bits)) throw new StatusError(`invalid CIDR address: ${subnet}`, 1);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ip / size) === Math.floor(base / size);
}

/** docker's consolidateIpam. */
export function consolidateIpam(subnets: string[], ranges: string[], gateways: string[], aux: Record<string, string>): IPAMConfig[] {
  if (subnets.length < ranges.length || subnets.length < gateways.length) throw new StatusError('every ip-range or gateway must have a corresponding subnet', 1);
  const data = new Map<string, IPAMConfig & { AuxiliaryAddresses: Record<string, string> }>();
  for (const s of subnets) {
    for (const k of data.keys()) {
      if (subnetMatches(s, k) || subnetMatches(k, s)) throw new StatusError('multiple overlapping subnet configuration is not supported', 1);
    }
    data.set(s, { Subnet: s, AuxiliaryAddresses: {} });
  }
  const attach = (what: 'IPRange' | 'Gateway', value: string, label: string) => {
    let matched = false;
    for (const s of subnets) {
      if (!subnetMatches(s, value)) continue;
      const d = data.get(s)!;
      if (d[what]) throw new StatusError(`cannot configure multiple ${label === 'range' ? 'ranges' : 'gateways'} (${value}, ${d[what]}) ${label === 'range' ? 'on' : 'for'} the same subnet (${s})`, 1);
      d[what] = value;
      matched = true;
    }
    if (!matched) throw new StatusError(`no matching subnet for ${label} ${value}`, 1);
  };
  for (const r of ranges) attach('IPRange', r, 'range');
  for (const g of gateways) attach('Gateway', g, 'gateway');
  for (const [key, addr] of Object.entries(aux)) {
    const s = subnets.find((x) => subnetMatches(x, addr));
    if (!s) throw new StatusError(`no matching subnet for aux-address ${addr}`, 1);
    data.get(s)!.AuxiliaryAddresses[key] = addr;
  }
  return [...data.values()];
}

export const networkCreateCommand: Command = {
  name: 'create',
  use: 'create [OPTIONS] NETWORK',
  short: 'Create a network',
  flags: [
    { name: 'attachable', kind: 'bool', help: 'Enable manual container attachment' },
    { name: 'aux-address', kind: 'list', valueName: 'map', defaultText: 'map[]', help: 'Auxiliary IPv4 or IPv6 addresses used by Network driver' },
    { name: 'config-from', kind: 'string', help: 'The network from which to copy the configuration' },
    { name: 'config-only', kind: 'bool', help: 'Create a configuration only network' },
    { name: 'driver', short: 'd', kind: 'string', default: 'bridge', help: 'Driver to manage the Network' },
    { name: 'gateway', kind: 'list', valueName: 'strings', help: 'IPv4 or IPv6 Gateway for the master subnet' },
    { name: 'ingress', kind: 'bool', help: 'Create swarm routing-mesh network' },
    { name: 'internal', kind: 'bool', help: 'Restrict external access to the network' },
    { name: 'ip-range', kind: 'list', valueName: 'strings', help: 'Allocate container ip from a sub-range' },
    { name: 'ipam-driver', kind: 'string', default: 'default', help: 'IP Address Management Driver' },
    { name: 'ipam-opt', kind: 'list', valueName: 'map', defaultText: 'map[]', help: 'Set IPAM driver specific options' },
    { name: 'ipv4', kind: 'bool', default: true, help: 'Enable or disable IPv4 address assignment' },
    { name: 'ipv6', kind: 'bool', help: 'Enable or disable IPv6 address assignment' },
    { name: 'label', kind: 'list', help: 'Set metadata on a network' },
    { name: 'opt', short: 'o', kind: 'list', valueName: 'map', defaultText: 'map[]', help: 'Set driver specific options' },
    { name: 'scope', kind: 'string', help: "Control the network's scope" },
    { name: 'subnet', kind: 'list', valueName: 'strings', help: 'Subnet in CIDR format that represents a network segment' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    const ipam = consolidateIpam(strings(flags.list('subnet')), strings(flags.list('ip-range')), strings(flags.list('gateway')), kvMap(flags.list('aux-address')));
    const res = await ctx.client().networks.create({
      Name: args[0]!,
      Driver: flags.string('driver'),
      Options: kvMap(flags.list('opt')),
      IPAM: { Driver: flags.string('ipam-driver'), Config: ipam, Options: kvMap(flags.list('ipam-opt')) },
      Internal: flags.bool('internal'),
      ...(flags.changed('ipv4') ? { EnableIPv4: flags.bool('ipv4') } : {}),
      ...(flags.changed('ipv6') ? { EnableIPv6: flags.bool('ipv6') } : {}),
      Attachable: flags.bool('attachable'),
      Ingress: flags.bool('ingress'),
      Scope: flags.string('scope'),
      ConfigOnly: flags.bool('config-only'),
      ...(flags.string('config-from') ? { ConfigFrom: { Network: flags.string('config-from') } } : {}),
      Labels: kvMap(flags.list('label')),
    });
    if (res.Warning) ctx.err.write(`${res.Warning}\n`);
    ctx.out.write(`${res.Id}\n`);
    return 0;
  },
};

export const networkConnectCommand: Command = {
  name: 'connect',
  use: 'connect [OPTIONS] NETWORK CONTAINER',
  short: 'Connect a container to a network',
  flags: [
    { name: 'alias', kind: 'list', valueName: 'strings', help: 'Add network-scoped alias for the container' },
    { name: 'driver-opt', kind: 'list', valueName: 'strings', help: 'driver options for the network' },
    { name: 'gw-priority', kind: 'int', help: 'Highest gw-priority provides the default gateway. Accepts positive and negative values.' },
    { name: 'ip', kind: 'string', help: 'IPv4 address (e.g., "172.30.100.104")' },
    { name: 'ip6', kind: 'string', help: 'IPv6 address (e.g., "2001:db8::33")' },
    { name: 'link', kind: 'list', help: 'Add link to another container' },
    { name: 'link-local-ip', kind: 'list', valueName: 'strings', help: 'Add a link-local address for the container' },
  ],
  args: { min: 2, max: 2 },
  async run(ctx, flags, args) {
    const [network = '', container = ''] = args;
    const ip = flags.string('ip');
    const ip6 = flags.string('ip6');
    const linkLocal = strings(flags.list('link-local-ip'));
    const driverOpts = kvMap(strings(flags.list('driver-opt')));
    await ctx.client().networks.connect(network, container, {
      IPAMConfig: { IPv4Address: ip, IPv6Address: ip6, LinkLocalIPs: linkLocal },
      Links: flags.list('link'),
      Aliases: strings(flags.list('alias')),
      DriverOpts: driverOpts,
      GwPriority: flags.int('gw-priority'),
    });
    return 0;
  },
};

export const networkDisconnectCommand: Command = {
  name: 'disconnect',
  use: 'disconnect [OPTIONS] NETWORK CONTAINER',
  short: 'Disconnect a container from a network',
  flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Force the container to disconnect from a network' }],
  args: { min: 2, max: 2 },
  async run(ctx, flags, args) {
    await ctx.client().networks.disconnect(args[0]!, args[1]!, flags.bool('force'));
    return 0;
  },
};

export const networkCommand: Command = {
  name: 'network',
  use: 'network COMMAND',
  short: 'Manage networks',
  category: 'management',
  subcommands: [networkConnectCommand, networkCreateCommand, networkDisconnectCommand, networkInspectCommand, networkLsCommand, networkPruneCommand, networkRmCommand],
};
