// The predefined networks, present from the first start: `host`, `none`, and the default
// `bridge` (dockerd's docker0: here "wharf0", or --bridge's name). The bridge keeps its ID
// and, unless --bip says otherwise, its subnet across restarts; the first time it takes
// 172.17.0.0/16 — the first default pool — or the first pool subnet that clashes with no host
// route. --bridge=none removes it.
import { randomId } from '../lib/fsutil.ts';
import { nowRfc3339Nano } from '../lib/gotime.ts';
import { forbidden } from '../lib/errors.ts';
import { firstHost, formatCidr, parseCidr4, pickSubnet, type Cidr } from './ipam.ts';
import type { NetworkDaemonConfig } from './deps.ts';
import type { NetworkRecord } from './records.ts';
import { OPT_BRIDGE_NAME, OPT_HOST_BINDING, OPT_ICC, OPT_MASQ, OPT_MTU } from './create.ts';

export const DEFAULT_BRIDGE_NAME = 'wharf0';

function builtin(name: string, driver: 'host' | 'null'): NetworkRecord {
  return {
    id: randomId(),
    name,
    created: nowRfc3339Nano(),
    driver,
    builtin: true,
    internal: false,
    attachable: false,
    enableIPv6: false,
    ipamOptions: null,
    ipamShown: [],
    userSubnet: false,
    options: {},
    labels: {},
  };
}

export const hostNetwork = (): NetworkRecord => builtin('host', 'host');
export const noneNetwork = (): NetworkRecord => builtin('none', 'null');

/**
 * The default bridge as the configuration wants it, keeping `existing`'s ID, creation time and
 * (without --bip) subnet. `taken`: subnets of other networks and link routes of the host.
 */
export function defaultBridge(cfg: NetworkDaemonConfig, existing: NetworkRecord | undefined, taken: Cidr[]): NetworkRecord {
  const name = cfg.bridge ?? DEFAULT_BRIDGE_NAME;
  let subnet: string;
  let gateway: string;
  if (cfg.bip) {
    const [addr = ''] = cfg.bip.split('/');
    subnet = formatCidr(parseCidr4(cfg.bip));
    gateway = addr;
  } else if (existing?.bridge) {
    subnet = existing.bridge.subnet;
    gateway = existing.bridge.gateway;
  } else {
    const picked = pickSubnet(cfg.pools, taken);
    if (!picked) throw forbidden('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the default bridge');
    subnet = formatCidr(picked);
    gateway = firstHost(picked);
  }
  const ipRange = cfg.fixedCidr ? formatCidr(parseCidr4(cfg.fixedCidr)) : undefined;
  const options: Record<string, string> = {
    'com.docker.network.bridge.default_bridge': 'true',
    [OPT_ICC]: String(cfg.icc),
    [OPT_MASQ]: String(cfg.ipMasq),
    [OPT_HOST_BINDING]: cfg.defaultBindIp,
    [OPT_BRIDGE_NAME]: name,
    [OPT_MTU]: String(cfg.mtu),
  };
  return {
    id: existing?.id ?? randomId(),
    name: 'bridge',
    created: existing?.created ?? nowRfc3339Nano(),
    driver: 'bridge',
    builtin: true,
    internal: false,
    attachable: false,
    enableIPv6: false,
    ipamOptions: null,
    ipamShown: [{ Subnet: subnet, ...(ipRange ? { IPRange: ipRange } : {}), Gateway: gateway }],
    userSubnet: false,
    options,
    labels: {},
    bridge: { name, subnet, gateway, ...(ipRange ? { ipRange } : {}), reserved: [], mtu: cfg.mtu, icc: cfg.icc, masquerade: cfg.ipMasq },
  };
}
