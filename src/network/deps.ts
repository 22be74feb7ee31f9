// What the network service needs from the daemon: its settings (dockerd's network flags),
// the data plane, the embedded DNS, and a narrow view of containers (late-bound: containers
// and networks need each other).
import type { Db } from '../store/db.ts';
import type { EventSink } from '../lib/events.ts';
import type { EmbeddedDnsServer } from './dns/types.ts';
import type { NetworkDataPlane } from './driver.ts';
import type { AddressPool } from './ipam.ts';
import type { ForeignPorts, PortBinder } from './ports.ts';
import type { PlannedAttachment } from './endpoint-config.ts';
import type { NetworkSetUp } from './sandbox.ts';
import type { ContainerNetworkInfo, ContainerNetworkSettings } from './settings.ts';
import type { EndpointSettings, PortMap } from './types.ts';

export interface NetworkDaemonConfig {
  /** Name of the default bridge (dockerd's --bridge); null when disabled ("none"). */
  bridge: string | null;
  /** --bip: the default bridge's address and prefix ("172.17.0.1/16"). */
  bip?: string | undefined;
  /** --fixed-cidr: addresses of the default bridge come from this range. */
  fixedCidr?: string | undefined;
  pools: AddressPool[];
  mtu: number;
  icc: boolean;
  ipMasq: boolean;
  /** --ip: the default host address for published ports. */
  defaultBindIp: string;
  /** --host-gateway-ip: what "host-gateway" in --add-host means (default: the bridge's gateway). */
  hostGatewayIp?: string | undefined;
  /** --dns, --dns-search, --dns-opt: container defaults, and the embedded DNS's upstreams. */
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  /** Ephemeral host ports (default: the kernel's ip_local_port_range). */
  portRange?: [number, number] | undefined;
  /** Port of the embedded DNS (53; tests may move it). */
  dnsPort?: number | undefined;
}

/** A container as networking sees it. */
export interface ContainerNet {
  id: string;
  /** Without the leading slash. */
  name: string;
  hostname: string;
  domainname: string;
  /** Running, paused or restarting. */
  running: boolean;
  /** Marked for removal or dead: no connect. */
  removing: boolean;
  /** The record's network mode ("bridge", "none", "host", "container:<id>", a network name). */
  networkMode: string;
  exposedPorts: Record<string, object>;
  portBindings: PortMap;
  publishAll: boolean;
  extraHosts: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  /** The container's directory: hostname, hosts and resolv.conf are written there. */
  dir: string;
}

export interface ContainerLookup {
  /** Throws NotFound "No such container: <ref>". */
  resolve(ref: string): ContainerNet;
  get(id: string): ContainerNet | undefined;
  /** Runs `fn` under the container's operation lock (start, stop and connect never interleave). */
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T>;
}

export interface NetworkServiceDeps {
  db: Db;
  dataPlane: NetworkDataPlane;
  dns?: EmbeddedDnsServer | undefined;
  events: EventSink;
  config: NetworkDaemonConfig;
  ports: PortBinder;
  /** Ports other engines DNAT on this host (their nat rules): never handed out. */
  foreignPorts?: ForeignPorts | undefined;
  /** Link routes of the host, for choosing subnets that clash with nothing ("/proc/net/route"). */
  hostRoutes(): { iface: string; cidr: string }[];
  /** The host's resolv.conf text (containers on the default bridge get it, filtered). */
  hostResolvConf(): Promise<string>;
}

/** What the containers service asks of networks (NetworkService implements it). */
export interface ContainerNetworking {
  /** Create: the networks a new container will be on, checked. */
  plan(networkMode: string, endpoints: Record<string, Partial<EndpointSettings> | null> | null | undefined, multiple: boolean): PlannedAttachment[];
  /** Records a plan inside the caller's transaction. */
  save(containerId: string, plan: PlannedAttachment[]): void;
  /** Start: namespace, endpoints, ports, /etc files (none and host: the files only). */
  setUp(c: ContainerNet): Promise<NetworkSetUp>;
  /** Exit, failed start: everything setUp made (idempotent). */
  tearDown(containerId: string): Promise<void>;
  /** Removal: tearDown and the container's attachments. */
  forget(containerId: string): Promise<void>;
  settings(c: ContainerNetworkInfo): ContainerNetworkSettings;
  /** A container was renamed: its DNS names change. */
  renamed(containerId: string): void;
}
