// The embedded DNS server's contract with the network control plane. wharfd answers DNS on each
// user-defined network's gateway address (udp and tcp, port 53) as Docker's embedded server does
// at 127.0.0.11: names it owns (containers, aliases, short IDs) are answered from the control
// plane's records through DnsResolver; everything else is forwarded unchanged to upstream
// resolvers. The class is EmbeddedDns in ./server.ts.

/** The control plane's view of names on a network; called on every query, so keep it cheap. */
export interface DnsResolver {
  /**
   * Addresses for a name as seen from `networkId` (container name, network alias, short ID,
   * hostname, "name.network"). `name` is lower-case, without a trailing dot. Return undefined
   * when the name is not ours (the query is forwarded upstream) and [] when it is ours but has
   * no address of that family (an empty NOERROR answer).
   */
  lookup(networkId: string, name: string, type: 'A' | 'AAAA'): string[] | undefined;
  /** PTR: the names (without trailing dot) for an address on this network, or undefined. */
  reverse(networkId: string, address: string): string[] | undefined;
  /**
   * Optional: the search domains of the container that asked (by its address on this network).
   * A name not ours that ends in one of them is looked up again without it, so "web.corp.example"
   * still finds container "web" when the container's resolv.conf says `search corp.example`.
   */
  searchDomains?(networkId: string, clientAddress: string): string[];
}

export interface EmbeddedDnsOptions {
  resolver: DnsResolver;
  /**
   * Upstream nameservers for names that are not ours: "1.2.3.4", "1.2.3.4:5353", "2001:db8::1",
   * "[2001:db8::1]:5353". Asked on every forwarded query (so a changed --dns or resolv.conf takes
   * effect at once). Return [] to forward nothing (e.g. --internal networks): SERVFAIL.
   */
  upstream: (networkId: string) => string[];
  /** Per-upstream timeout in ms before the next one is tried (default 2000). */
  upstreamTimeoutMs?: number;
  log?: DnsLog;
}

/** A subset of src/lib/log.ts's `log`, so it can be passed as is. */
export interface DnsLog {
  debug(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/** What EmbeddedDns implements: one udp socket and one tcp listener per network. */
export interface EmbeddedDnsServer {
  /**
   * Serve `networkId` on address:port (port 53 unless given; tests use a high port). The address
   * must exist (the bridge is up). Throws a clear error when it cannot be bound. Listening again
   * on the same network first stops the old listeners. Resolves to the port bound (port 0: the
   * kernel picks one free for both udp and tcp, for tests). With `subnets` (the network's CIDRs),
   * queries from other sources are ignored: the gateway address is reachable from every bridge
   * through the host, and one network's containers must not read another's names.
   */
  listen(networkId: string, address: string, port?: number, subnets?: readonly string[]): Promise<number>;
  /** Stop serving one network (no-op when it is not served). */
  stop(networkId: string): Promise<void>;
  /** Stop every network and abort forwarded queries in flight. */
  close(): Promise<void>;
}
