// The networks service: the daemon's control plane for networks. It owns the network records,
// IP leases and port allocations, tells the data plane (driver.ts) what the kernel should
// hold, serves names to the embedded DNS, and gives containers their networking on start
// (sandbox.ts). The Engine API's /networks operations are its methods.
import { tx } from '../store/db.ts';
import { forbidden, invalidParameter, messageOf, systemError } from '../lib/errors.ts';
import { log } from '../lib/log.ts';
import { untilSeconds } from '../lib/timestamp.ts';
import { matchLabels } from '../lib/filters.ts';
import { buildNetworkRecord } from './create.ts';
import { defaultBridge, hostNetwork, noneNetwork } from './defaults.ts';
import type { ContainerLookup, ContainerNet, ContainerNetworking, NetworkServiceDeps } from './deps.ts';
import type { BridgeNetworkSpec, Expected } from './driver.ts';
import { parseCidr4, type Cidr } from './ipam.ts';
import { localPortRange, PortAllocator } from './ports.ts';
import { NetworkRecords, type NetworkRecord } from './records.ts';
import { checkListFilters, matchesListFilters, networkContainers, networkResource } from './resource.ts';
import { NameIndex } from './names.ts';
import { connectContainer, disconnectContainer } from './connect.ts';
import { bindings, endpointSpec, forgetContainer, setUpNetworking, tearDownNetworking, type NetworkSetUp } from './sandbox.ts';
import { planAttachments, type PlannedAttachment } from './endpoint-config.ts';
import { containerNetworkSettings, type ContainerNetworkInfo, type ContainerNetworkSettings } from './settings.ts';
import type { EndpointSettings, NetworkConnectRequest, NetworkCreateRequest, NetworkCreateResponse, NetworkDisconnectRequest, NetworkPruneResponse, NetworkResource } from './types.ts';

export class NetworkService implements ContainerNetworking {
  readonly deps: NetworkServiceDeps;
  readonly records: NetworkRecords;
  readonly ports: PortAllocator;
  readonly names: NameIndex;
  private lookup: ContainerLookup | undefined;

  constructor(deps: NetworkServiceDeps) {
    this.deps = deps;
    this.records = new NetworkRecords(deps.db);
    this.ports = new PortAllocator(deps.ports, deps.config.portRange ?? localPortRange(), deps.config.defaultBindIp, deps.foreignPorts);
    this.names = new NameIndex(this.records, (id) => this.lookup?.get(id));
  }

  /** Late binding: containers are opened after networks. */
  bindContainers(lookup: ContainerLookup): void {
    this.lookup = lookup;
  }

  get containers(): ContainerLookup {
    if (!this.lookup) throw systemError('networks: containers are not available yet');
    return this.lookup;
  }

  spec(n: NetworkRecord): BridgeNetworkSpec {
    const b = n.bridge!;
    return {
      id: n.id,
      bridge: b.name,
      subnet: b.subnet,
      gateway: b.gateway,
      ...(b.ipv6 ? { ipv6: { subnet: b.ipv6.subnet, gateway: b.ipv6.gateway } } : {}),
      mtu: b.mtu,
      icc: b.icc,
      internal: n.internal,
      masquerade: b.masquerade && !n.internal,
    };
  }

  /** The default bridge, when it is enabled. */
  defaultBridge(): NetworkRecord | undefined {
    return this.deps.config.bridge === null ? undefined : this.records.byName('bridge');
  }

  /** What "host-gateway" in --add-host stands for. */
  hostGateway(): string | undefined {
    return this.deps.config.hostGatewayIp ?? this.defaultBridge()?.bridge?.gateway;
  }

  /** Subnets a new network must not overlap: link routes of the host not on our own bridges. */
  private hostTaken(): Cidr[] {
    const ours = new Set(this.records.all().flatMap((n) => (n.bridge ? [n.bridge.name] : [])));
    if (this.deps.config.bridge) ours.add(this.deps.config.bridge);
    return this.deps.hostRoutes().flatMap((r) => (ours.has(r.iface) ? [] : [parseCidr4(r.cidr)]));
  }

  // --- start-up and shutdown ----------------------------------------------------------------

  /**
   * The predefined networks, then the kernel made to match the store (bridges, rules, the
   * sandboxes and ports of containers still running: live restore), then the DNS listeners.
   * `running(id)`: whether the container store believes the container alive.
   */
  async init(running: (containerId: string) => boolean): Promise<void> {
    const cfg = this.deps.config;
    tx(this.deps.db, () => {
      if (!this.records.byName('host')) this.records.insert(hostNetwork());
      if (!this.records.byName('none')) this.records.insert(noneNetwork());
      const current = this.records.byName('bridge');
      if (cfg.bridge === null) {
        if (current && this.records.activeOn(current.id).length === 0) this.records.delete(current.id);
        return;
      }
      const others = this.records.all().flatMap((n) => (n.bridge && n.name !== 'bridge' ? [parseCidr4(n.bridge.subnet)] : []));
      const want = defaultBridge(cfg, current, [...others, ...this.hostTaken()]);
      if (!current) this.records.insert(want);
      else if (JSON.stringify(current) !== JSON.stringify(want)) this.records.update(want);
    });
    await this.reconcile(running);
    for (const n of this.records.all()) if (n.bridge && !n.builtin) await this.listenDns(n);
  }

  private async reconcile(running: (containerId: string) => boolean): Promise<void> {
    // Networking of containers that are not running any more (a crash mid-start, an exit while
    // the daemon was away is handled by the containers' own recovery): undone first.
    const stale = new Set<string>();
    for (const a of this.records.liveAttachments()) if (!running(a.containerId)) stale.add(a.containerId);
    for (const s of this.records.sandboxes()) if (!running(s.containerId)) stale.add(s.containerId);
    const bridges = this.records.all().filter((n) => n.bridge);
    const expected: Expected = { networks: bridges.map((n) => this.spec(n)), sandboxes: [], ports: new Map() };
    for (const s of this.records.sandboxes()) if (!stale.has(s.containerId)) expected.sandboxes.push(s.containerId);
    for (const a of this.records.liveAttachments()) {
      const n = this.records.get(a.networkId);
      if (stale.has(a.containerId) || !n?.bridge || !a.endpoint || a.endpoint.ports.length === 0) continue;
      const netnsPath = this.records.sandbox(a.containerId) ?? '';
      expected.ports.set(a.containerId, {
        network: this.spec(n),
        endpoint: endpointSpec(a.containerId, netnsPath, a.endpoint, true),
        ports: bindings(a.endpoint, a.endpoint.ports),
      });
      const lost = await this.ports.restore(a.containerId, a.endpoint.ports);
      for (const l of lost) log.warn('a published port could not be reserved again', { container: a.containerId, port: l });
    }
    await this.deps.dataPlane.reconcile(expected);
    for (const id of stale) await tearDownNetworking(this, id).catch((e: unknown) => log.warn('reconcile: networking of a stopped container', { id, error: messageOf(e) }));
  }

  private async listenDns(n: NetworkRecord): Promise<void> {
    if (!this.deps.dns || !n.bridge) return;
    try {
      await this.deps.dns.listen(n.id, n.bridge.gateway, this.deps.config.dnsPort ?? 53, [n.bridge.subnet, ...(n.bridge.ipv6 ? [n.bridge.ipv6.subnet] : [])]);
    } catch (err) {
      log.warn('embedded DNS: cannot serve a network', { network: n.name, error: messageOf(err) });
    }
  }

  /** Daemon shutdown: DNS listeners and port reservations go; bridges and containers' networking stay (live restore). */
  async close(): Promise<void> {
    await this.deps.dns?.close();
    this.ports.closeAll();
  }

  // --- the Engine API -----------------------------------------------------------------------

  list(filters: Map<string, string[]>): NetworkResource[] {
    checkListFilters(filters);
    const out: NetworkResource[] = [];
    for (const n of this.records.all()) {
      const inUse = this.records.activeOn(n.id).length > 0;
      if (matchesListFilters(n, filters, inUse)) out.push(networkResource(n, {}));
    }
    return out;
  }

  inspect(ref: string): NetworkResource {
    const n = this.records.resolve(ref);
    return networkResource(n, networkContainers(this.records.activeOn(n.id), (id) => this.lookup?.get(id)?.name));
  }

  async create(req: NetworkCreateRequest): Promise<NetworkCreateResponse> {
    const existing = this.records.all();
    const rec = buildNetworkRecord(req, { existing, pools: this.deps.config.pools, routes: this.hostTaken(), mtu: this.deps.config.mtu });
    tx(this.deps.db, () => this.records.insert(rec));
    try {
      await this.deps.dataPlane.ensureNetwork(this.spec(rec));
    } catch (err) {
      await this.deps.dataPlane.removeNetwork(this.spec(rec)).catch(() => {});
      tx(this.deps.db, () => this.records.delete(rec.id));
      throw systemError(`failed to create network ${rec.name}: ${messageOf(err)}`, err);
    }
    await this.listenDns(rec);
    this.emit(rec, 'create');
    return { Id: rec.id, Warning: '' };
  }

  async remove(ref: string): Promise<void> {
    const n = this.records.resolve(ref);
    if (n.builtin) throw forbidden(`${n.name} is a pre-defined network and cannot be removed`);
    const active = this.records.activeOn(n.id);
    if (active.length > 0) {
      const eps = active.map((a) => `name:${JSON.stringify(this.lookup?.get(a.containerId)?.name ?? '')} id:${JSON.stringify(a.endpoint!.endpointId.slice(0, 12))}`);
      throw forbidden(`error while removing network: network ${n.name} has active endpoints (${eps.join(', ')})`);
    }
    await this.deps.dns?.stop(n.id);
    await this.deps.dataPlane.removeNetwork(this.spec(n));
    tx(this.deps.db, () => this.records.delete(n.id));
    this.names.forget(n.id);
    this.emit(n, 'destroy');
  }

  async prune(filters: Map<string, string[]>): Promise<NetworkPruneResponse> {
    for (const k of filters.keys()) if (k !== 'until' && k !== 'label' && k !== 'label!') throw invalidParameter(`invalid filter '${k}'`);
    const until = filters.get('until')?.[0];
    const before = until !== undefined ? untilSeconds(until) : undefined;
    const deleted: string[] = [];
    for (const n of this.records.all()) {
      if (n.builtin || this.records.activeOn(n.id).length > 0) continue;
      if (before !== undefined && Date.parse(n.created) / 1000 >= before) continue;
      if (!matchLabels(n.labels, filters.get('label'))) continue;
      if ((filters.get('label!') ?? []).some((f) => matchLabels(n.labels, [f]))) continue;
      try {
        await this.remove(n.id);
        deleted.push(n.name);
      } catch (err) {
        log.warn('network prune: cannot remove', { network: n.name, error: messageOf(err) });
      }
    }
    this.deps.events.publish({ Type: 'network', Action: 'prune', Actor: { ID: '', Attributes: {} } });
    return { NetworksDeleted: deleted.length > 0 ? deleted : null };
  }

  async connect(ref: string, body: NetworkConnectRequest): Promise<void> {
    const n = this.records.resolve(ref);
    const c = this.containers.resolve(body.Container ?? '');
    await this.containers.withLock(c.id, () => connectContainer(this, c.id, n, body.EndpointConfig ?? {}));
  }

  async disconnect(ref: string, body: NetworkDisconnectRequest): Promise<void> {
    const c = this.containers.resolve(body.Container ?? '');
    await this.containers.withLock(c.id, () => disconnectContainer(this, c.id, ref, body.Force ?? false));
  }

  // --- what containers ask of networks (ContainerNetworking) --------------------------------

  /** Create: the networks a new container will be on, checked (an unknown one fails at start). */
  plan(networkMode: string, endpoints: Record<string, Partial<EndpointSettings> | null> | null | undefined, multiple: boolean): PlannedAttachment[] {
    return planAttachments(this.records, networkMode, endpoints, multiple, this.deps.config.bridge !== null);
  }

  /** Records a plan; the caller runs it inside the container's create transaction. */
  save(containerId: string, plan: PlannedAttachment[]): void {
    for (const [i, p] of plan.entries()) this.records.putAttachment({ containerId, networkId: p.networkId, networkName: p.networkName, seq: i, config: p.config, endpoint: null });
  }

  setUp(c: ContainerNet): Promise<NetworkSetUp> {
    return setUpNetworking(this, c);
  }

  tearDown(containerId: string): Promise<void> {
    return tearDownNetworking(this, containerId);
  }

  forget(containerId: string): Promise<void> {
    return forgetContainer(this, containerId);
  }

  settings(c: ContainerNetworkInfo): ContainerNetworkSettings {
    return containerNetworkSettings(c, this.records.attachmentsOf(c.id), (id) => this.records.get(id), this.records.sandbox(c.id));
  }

  renamed(_containerId: string): void {
    this.names.changed();
  }

  emit(n: NetworkRecord, action: string, extra: Record<string, string> = {}): void {
    this.deps.events.publish({ Type: 'network', Action: action, Actor: { ID: n.id, Attributes: { name: n.name, type: n.driver, ...extra } } });
  }
}
