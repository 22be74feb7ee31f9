// The embedded DNS server: one udp socket and one tcp listener per user-defined network, on the
// network's gateway address, in the daemon's own process. Our names are answered from the
// control plane (answer.ts); the rest is forwarded upstream (upstream.ts). Hostile input is
// dropped: short or unparsable packets, responses (QR set), queries without a question.
import dgram from 'node:dgram';
import { BlockList, createServer, isIPv6, type Server, type Socket } from 'node:net';
import packet from 'dns-packet';
import { errnoCode, messageOf, systemError } from '../../lib/errors.ts';
import { log as defaultLog } from '../../lib/log.ts';
import { answerLocally, errorReply } from './answer.ts';
import { frame, readFrames } from './tcp.ts';
import type { DnsLog, DnsResolver, EmbeddedDnsOptions, EmbeddedDnsServer } from './types.ts';
import { forward, parseUpstream, type Upstream } from './upstream.ts';

export type { DnsResolver, EmbeddedDnsOptions, EmbeddedDnsServer } from './types.ts';

/** Docker's maxConcurrent: forwarded queries in flight; past it clients get REFUSED. */
const MAX_FORWARDS = 1024;
/** Open tcp connections per network, and queries in flight on one of them. */
const MAX_TCP_CONNS = 256;
const MAX_TCP_INFLIGHT = 32;
/** An idle tcp client is closed after this (RFC 7766 suggests seconds, not minutes). */
const TCP_IDLE_MS = 10_000;
const UDP_RCVBUF = 4 << 20;

interface Listener {
  address: string;
  port: number;
  udp: dgram.Socket;
  tcp: Server;
  conns: Set<Socket>;
}

export class EmbeddedDns implements EmbeddedDnsServer {
  readonly #resolver: DnsResolver;
  readonly #upstream: (networkId: string) => string[];
  readonly #timeoutMs: number;
  readonly #log: DnsLog;
  readonly #nets = new Map<string, Listener>();
  #forwards = 0;
  #closing = new AbortController();

  constructor(opts: EmbeddedDnsOptions) {
    this.#resolver = opts.resolver;
    this.#upstream = opts.upstream;
    this.#timeoutMs = opts.upstreamTimeoutMs ?? 2000;
    this.#log = opts.log ?? defaultLog;
  }

  /** Returns the port bound: `port`, or the one the kernel chose when `port` is 0. */
  async listen(networkId: string, address: string, port = 53, subnets?: readonly string[]): Promise<number> {
    const allowed = subnets ? allowList(subnets) : undefined;
    await this.stop(networkId);
    if (this.#closing.signal.aborted) this.#closing = new AbortController();
    for (let attempt = 0; ; attempt++) {
      const udp = await bindUdp(address, port, networkId);
      const bound = udp.address().port;
      try {
        const conns = new Set<Socket>();
        const tcp = await listenTcp(address, bound, networkId, (sock) => {
          if (allowed && !isAllowed(allowed, sock.remoteAddress)) sock.destroy();
          else this.#serveTcp(networkId, sock, conns);
        });
        udp.on('message', (msg, rinfo) => {
          if (!allowed || isAllowed(allowed, rinfo.address)) this.#serveUdp(networkId, udp, msg, rinfo);
        });
        udp.on('error', (err) => this.#log.warn('embedded DNS: udp socket error', { network: networkId, error: err.message }));
        this.#nets.set(networkId, { address, port: bound, udp, tcp, conns });
        this.#log.debug('embedded DNS listening', { network: networkId, address, port: bound });
        return bound;
      } catch (err) {
        udp.close();
        // An ephemeral udp port whose tcp twin is taken: pick another pair.
        if (port !== 0 || !(err instanceof Error) || errnoCode(err.cause) !== 'EADDRINUSE' || attempt >= 10) throw err;
      }
    }
  }

  async stop(networkId: string): Promise<void> {
    const l = this.#nets.get(networkId);
    if (!l) return;
    this.#nets.delete(networkId);
    for (const c of l.conns) c.destroy();
    await Promise.all([
      new Promise<void>((resolve) => l.udp.close(() => resolve())),
      new Promise<void>((resolve) => l.tcp.close(() => resolve())),
    ]);
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.all([...this.#nets.keys()].map((id) => this.stop(id)));
  }

  /** The reply to one raw query, or undefined to drop it. */
  async handle(networkId: string, msg: Buffer, clientAddress: string, proto: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    if (msg.length < 12 || ((msg[2] ?? 0) & 0x80) !== 0) return undefined; // short, or a response
    let query: packet.DecodedPacket;
    try {
      query = packet.decode(msg);
    } catch {
      return undefined;
    }
    if (!query.questions || query.questions.length === 0) return undefined;
    if ((((query.flags ?? 0) >> 11) & 0x0f) !== 0) return errorReply(query, 'NOTIMP'); // not a QUERY
    try {
      const local = answerLocally(this.#resolver, query, { networkId, clientAddress, proto });
      if (local) return local;
    } catch (err) {
      this.#log.warn('embedded DNS: lookup failed', { network: networkId, error: messageOf(err) });
      return errorReply(query, 'SERVFAIL');
    }
    let upstreams: Upstream[];
    try {
      upstreams = this.#upstreams(networkId);
    } catch (err) {
      this.#log.warn('embedded DNS: no upstream nameservers', { network: networkId, error: messageOf(err) });
      return errorReply(query, 'SERVFAIL');
    }
    if (upstreams.length === 0) return errorReply(query, 'SERVFAIL');
    if (this.#forwards >= MAX_FORWARDS) return errorReply(query, 'REFUSED');
    this.#forwards++;
    try {
      const reply = await forward(msg, upstreams, { proto, timeoutMs: this.#timeoutMs, signal: this.#closing.signal });
      return reply ?? errorReply(query, 'SERVFAIL');
    } finally {
      this.#forwards--;
    }
  }

  #upstreams(networkId: string): Upstream[] {
    const own = this.#nets.get(networkId);
    const out: Upstream[] = [];
    for (const s of this.#upstream(networkId)) {
      const up = parseUpstream(s);
      if (!up) {
        this.#log.warn('embedded DNS: ignoring a bad upstream nameserver', { nameserver: s });
        continue;
      }
      // Never forward to ourselves (libnetwork skips its own address as well).
      if (own && up.host === own.address && up.port === own.port) continue;
      out.push(up);
    }
    return out;
  }

  #serveUdp(networkId: string, udp: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.handle(networkId, msg, rinfo.address, 'udp').then(
      (reply) => {
        if (!reply || !this.#nets.has(networkId)) return;
        try {
          udp.send(reply, rinfo.port, rinfo.address);
        } catch {
          // the socket closed while the query was forwarded
        }
      },
      (err: unknown) => this.#log.warn('embedded DNS: query failed', { network: networkId, error: messageOf(err) }),
    );
  }

  #serveTcp(networkId: string, sock: Socket, conns: Set<Socket>): void {
    if (conns.size >= MAX_TCP_CONNS) {
      sock.destroy();
      return;
    }
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    let inflight = 0;
    const client = sock.remoteAddress ?? '';
    readFrames(sock, (msg) => {
      if (++inflight > MAX_TCP_INFLIGHT) {
        sock.destroy(); // a client that pipelines without reading
        return;
      }
      this.handle(networkId, msg, client, 'tcp').then(
        (reply) => {
          inflight--;
          if (reply && !sock.destroyed) sock.write(frame(reply));
        },
        (err: unknown) => {
          inflight--;
          this.#log.warn('embedded DNS: query failed', { network: networkId, error: messageOf(err) });
        },
      );
    });
  }
}

/** CIDRs ("172.18.0.0/16", "fd00::/64") as a BlockList; a bad one is a caller's bug: throw. */
function allowList(subnets: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of subnets) {
    const [net = '', bits] = cidr.split('/');
    const type = isIPv6(net) ? 'ipv6' : 'ipv4';
    list.addSubnet(net, bits === undefined ? (type === 'ipv6' ? 128 : 32) : Number(bits), type);
  }
  return list;
}

function isAllowed(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  return list.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
}

function bindUdp(address: string, port: number, networkId: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const udp = dgram.createSocket(isIPv6(address) ? 'udp6' : 'udp4');
    udp.once('error', (err) => {
      udp.close();
      reject(bindError(address, port, 'udp', networkId, err));
    });
    udp.bind({ address, port, exclusive: true }, () => {
      udp.removeAllListeners('error');
      try {
        // A burst of queries (every container starting at once) must not overflow the default
        // ~200 KiB buffer while the event loop is busy; the kernel caps this at rmem_max.
        udp.setRecvBufferSize(UDP_RCVBUF);
      } catch {
        // keep the default
      }
      resolve(udp);
    });
  });
}

function listenTcp(address: string, port: number, networkId: string, onConn: (s: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const tcp = createServer(onConn);
    tcp.once('error', (err) => reject(bindError(address, port, 'tcp', networkId, err)));
    tcp.listen({ host: address, port, exclusive: true }, () => {
      tcp.removeAllListeners('error');
      tcp.on('error', () => {});
      resolve(tcp);
    });
  });
}

function bindError(address: string, port: number, proto: string, networkId: string, err: Error): Error {
  const why = errnoCode(err) === 'EADDRNOTAVAIL' ? ' (the address is not on any interface: is the bridge up?)' : '';
  return systemError(
    `embedded DNS server for network ${networkId.slice(0, 12)}: cannot listen on ${address}:${port}/${proto}: ${err.message}${why}`,
    err,
  );
}
