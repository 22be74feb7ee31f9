// The contract between the network control plane (network/service.ts: records, IPAM, the
// Engine API's /networks, container attach/detach) and the bridge data plane
// (network/bridge/: bridges, veths, network namespaces, firewall rules for isolation,
// masquerading and published ports). The control plane decides every name and address and
// keeps them in the metadata store; the data plane only makes the kernel match what it is
// told, idempotently, and can reconcile away what it no longer knows.

/** One bridge network as the kernel should see it. */
export interface BridgeNetworkSpec {
  /** Network ID (64 hex): firewall rules carry it so reconcile can find them. */
  id: string;
  /** Linux bridge name (at most 15 bytes), e.g. "wharf0" or "br-<id12>". */
  bridge: string;
  /** IPv4 subnet and gateway, e.g. "172.18.0.0/16" and "172.18.0.1". */
  subnet: string;
  gateway: string;
  /** Optional dual stack: an IPv6 subnet and gateway. */
  ipv6?: { subnet: string; gateway: string } | undefined;
  /** Default 1500. */
  mtu: number;
  /** Inter-container communication on this bridge (com.docker.network.bridge.enable_icc). */
  icc: boolean;
  /** --internal: no route out, no masquerade, no published ports. */
  internal: boolean;
  /** Masquerade outbound traffic (com.docker.network.bridge.enable_ip_masquerade). */
  masquerade: boolean;
}

/** One container's interface on one bridge network. */
export interface EndpointSpec {
  containerId: string;
  /** The container's network namespace (a bind-mounted nsfs file made by createSandbox). */
  netnsPath: string;
  /** Interface name inside the container: eth0, eth1, ... */
  ifName: string;
  /** Container address with prefix length, e.g. "172.18.0.2/16"; IPv6 likewise when dual stack. */
  ipv4: string;
  ipv6?: string | undefined;
  /** "02:42:ac:12:00:02" style; the control plane derives it from the IP unless the user gave one. */
  mac: string;
  /** Whether this endpoint carries the container's default route (its first non-internal network). */
  defaultRoute: boolean;
}

/**
 * A published port as the firewall implements it: no process per port, so a binding whose host
 * address is of the other family than the container address (no NAT between them), or on ::1
 * (the kernel routes no ::1 traffic out of the host), is not published.
 */
export interface PortBinding {
  proto: 'tcp' | 'udp';
  /** '' or '0.0.0.0' (all IPv4 addresses incl. 127.0.0.1), '::' (all IPv6), or one address. */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

/** What the data plane finds in the kernel that the control plane may no longer know. */
export interface Expected {
  networks: BridgeNetworkSpec[];
  /** Container IDs whose sandboxes (netns files) should exist. */
  sandboxes: string[];
  /** Published ports per container ID. */
  ports: Map<string, { network: BridgeNetworkSpec; endpoint: EndpointSpec; ports: PortBinding[] }>;
}

export interface NetworkDataPlane {
  /** Creates (or confirms) the bridge, its addresses, its firewall rules. Idempotent. */
  ensureNetwork(net: BridgeNetworkSpec): Promise<void>;
  /** Removes the bridge and every rule of the network. Idempotent. */
  removeNetwork(net: BridgeNetworkSpec): Promise<void>;
  /**
   * A new network namespace with loopback up, bind-mounted at the returned path
   * (<runDir>/netns/<containerId>); one left from an earlier run is replaced. ≈1 ms.
   */
  createSandbox(containerId: string): Promise<string>;
  /**
   * Unmounts and removes the sandbox and withdraws the container's published ports. Idempotent.
   * Enough on its own when a container stops: its veths go with the namespace (the kernel
   * deletes them afterwards, ≈1 ms for us), whereas disconnect waits for the kernel (≈20 ms).
   */
  removeSandbox(containerId: string): Promise<void>;
  /** A veth pair: one end on the bridge, the other as ifName in the sandbox with its addresses. ≈2 ms. */
  connect(net: BridgeNetworkSpec, ep: EndpointSpec): Promise<void>;
  /**
   * Removes the endpoint's veth (and its ports), for a running container leaving a network.
   * Idempotent. ≈20 ms: deleting a veth waits for the kernel.
   */
  disconnect(net: BridgeNetworkSpec, ep: EndpointSpec): Promise<void>;
  /** Adds the DNAT/forward rules for published ports (host ports already chosen and free). */
  publish(net: BridgeNetworkSpec, ep: EndpointSpec, ports: PortBinding[]): Promise<void>;
  unpublish(net: BridgeNetworkSpec, ep: EndpointSpec, ports: PortBinding[]): Promise<void>;
  /**
   * At daemon start: makes the kernel match `expected`, removing leftovers of ours only
   * (bridges with our mark, namespace files under runDir, our chains). It ensures the expected
   * networks itself: no ensureNetwork calls are needed before it.
   */
  reconcile(expected: Expected): Promise<void>;
  /** Removes everything this daemon instance made (not used on live-restore shutdown). */
  close(): Promise<void>;
}
