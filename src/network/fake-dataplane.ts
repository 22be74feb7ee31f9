// A recording NetworkDataPlane for unit tests of the control plane: every call is recorded in
// order, the state it would leave in the kernel is kept (bridges, sandboxes, veths, published
// ports), and a test can make the next call of an operation fail.
import type { BridgeNetworkSpec, EndpointSpec, Expected, NetworkDataPlane, PortBinding } from './driver.ts';
import type { PortBinder, Reservation } from './ports.ts';

export interface DataPlaneCall {
  op: keyof NetworkDataPlane;
  args: unknown[];
}

export class RecordingDataPlane implements NetworkDataPlane {
  readonly calls: DataPlaneCall[] = [];
  readonly bridges = new Map<string, BridgeNetworkSpec>();
  readonly sandboxes = new Set<string>();
  /** "containerId/ifName" → endpoint. */
  readonly veths = new Map<string, EndpointSpec>();
  readonly published = new Map<string, PortBinding[]>();
  private readonly failures = new Map<string, Error>();

  failNext(op: keyof NetworkDataPlane, err = new Error(`${op} failed`)): void {
    this.failures.set(op, err);
  }

  of(op: keyof NetworkDataPlane): unknown[][] {
    return this.calls.filter((c) => c.op === op).map((c) => c.args);
  }

  private record(op: keyof NetworkDataPlane, args: unknown[]): void {
    this.calls.push({ op, args });
    const err = this.failures.get(op);
    if (err) {
      this.failures.delete(op);
      throw err;
    }
  }

  async ensureNetwork(net: BridgeNetworkSpec): Promise<void> {
    this.record('ensureNetwork', [net]);
    this.bridges.set(net.id, net);
  }
  async removeNetwork(net: BridgeNetworkSpec): Promise<void> {
    this.record('removeNetwork', [net]);
    this.bridges.delete(net.id);
  }
  async createSandbox(containerId: string): Promise<string> {
    this.record('createSandbox', [containerId]);
    this.sandboxes.add(containerId);
    return `/run/test/netns/${containerId.slice(0, 12)}`;
  }
  async removeSandbox(containerId: string): Promise<void> {
    this.record('removeSandbox', [containerId]);
    this.sandboxes.delete(containerId);
    for (const k of [...this.veths.keys()]) if (k.startsWith(`${containerId}/`)) this.veths.delete(k);
    this.published.delete(containerId);
  }
  async connect(net: BridgeNetworkSpec, ep: EndpointSpec): Promise<void> {
    this.record('connect', [net, ep]);
    if (!this.sandboxes.has(ep.containerId)) throw new Error(`no sandbox for ${ep.containerId}`);
    this.veths.set(`${ep.containerId}/${ep.ifName}`, ep);
  }
  async disconnect(net: BridgeNetworkSpec, ep: EndpointSpec): Promise<void> {
    this.record('disconnect', [net, ep]);
    this.veths.delete(`${ep.containerId}/${ep.ifName}`);
  }
  async publish(net: BridgeNetworkSpec, ep: EndpointSpec, ports: PortBinding[]): Promise<void> {
    this.record('publish', [net, ep, ports]);
    this.published.set(ep.containerId, [...(this.published.get(ep.containerId) ?? []), ...ports]);
  }
  async unpublish(net: BridgeNetworkSpec, ep: EndpointSpec, ports: PortBinding[]): Promise<void> {
    this.record('unpublish', [net, ep, ports]);
    this.published.delete(ep.containerId);
  }
  async reconcile(expected: Expected): Promise<void> {
    this.record('reconcile', [expected]);
    // As the real one: the expected networks are ensured, ours that are not expected go.
    this.bridges.clear();
    for (const n of expected.networks) this.bridges.set(n.id, n);
    for (const id of [...this.sandboxes]) if (!expected.sandboxes.includes(id)) this.sandboxes.delete(id);
  }
  async close(): Promise<void> {
    this.record('close', []);
  }
}

/** Port reservations in memory: a test marks ports as held by "another process". */
export class FakePortBinder implements PortBinder {
  readonly held = new Set<string>();
  readonly foreign = new Set<string>();

  async reserve(proto: 'tcp' | 'udp', ip: string, port: number): Promise<Reservation> {
    const key = `${proto}/${ip}/${port}`;
    const any = `${proto}/0.0.0.0/${port}`;
    if (this.held.has(key) || this.foreign.has(key) || this.foreign.has(any)) throw Object.assign(new Error('address in use'), { code: 'EADDRINUSE' });
    this.held.add(key);
    return { close: () => this.held.delete(key) };
  }
}
