// Forwarding to upstream resolvers, as Docker's embedded server does: the client's query is sent
// unchanged (same ID, flags and EDNS size, so the upstream truncates for the client's own limit),
// over the protocol the client used; a truncated udp answer goes back as it is and the client
// retries over tcp, which is then forwarded over tcp. Each query gets its own connected socket
// (a fresh random source port, and only the upstream's own replies are read). No answer, SERVFAIL
// or REFUSED → the next upstream; none left → undefined (the caller answers SERVFAIL).
import dgram from 'node:dgram';
import { isIPv4, isIPv6, Socket } from 'node:net';
import { frame, readFrames } from './tcp.ts';

export interface Upstream {
  host: string;
  port: number;
}

/** Docker's maxExtDNS: at most this many upstreams are tried for one query. */
export const MAX_UPSTREAMS = 3;

/** "1.2.3.4", "1.2.3.4:53", "2001:db8::1", "[2001:db8::1]:53" → host and port; undefined if bad. */
export function parseUpstream(s: string): Upstream | undefined {
  const t = s.trim();
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (bracket) return checked(bracket[1] ?? '', bracket[2]);
  if (isIPv6(t)) return { host: t, port: 53 };
  const colon = t.lastIndexOf(':');
  return colon < 0 ? checked(t, undefined) : checked(t.slice(0, colon), t.slice(colon + 1));
}

function checked(host: string, port: string | undefined): Upstream | undefined {
  const p = port === undefined ? 53 : Number(port);
  if (!Number.isInteger(p) || p < 1 || p > 65535) return undefined;
  const h = host.replace(/%.*$/, ''); // a zone index (fe80::1%eth0) cannot be bound from here
  if (!isIPv4(h) && !isIPv6(h)) return undefined;
  return { host: h, port: p };
}

/**
 * A daemon's upstreams: --dns when given, else the nameservers of the host's resolv.conf with the
 * loopback ones left out unless they are all there is. (Forwarding happens in the host's network
 * namespace, so a loopback resolver such as systemd-resolved's 127.0.0.53 does work as a last resort.)
 */
export function hostUpstreams(resolvConf: string, dnsFlag: readonly string[] = []): string[] {
  if (dnsFlag.length > 0) return [...dnsFlag];
  const all: string[] = [];
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m?.[1] && parseUpstream(m[1])) all.push(m[1]);
  }
  const remote = all.filter((ns) => !/^127\./.test(ns) && ns !== '::1');
  return remote.length > 0 ? remote : all;
}

export interface ForwardOptions {
  proto: 'udp' | 'tcp';
  timeoutMs: number;
  signal: AbortSignal;
}

/** The first usable upstream reply to `query` (raw bytes), or undefined. */
export async function forward(query: Buffer, upstreams: Upstream[], opts: ForwardOptions): Promise<Buffer | undefined> {
  for (const up of upstreams.slice(0, MAX_UPSTREAMS)) {
    if (opts.signal.aborted) return undefined;
    const reply = await (opts.proto === 'udp' ? exchangeUdp : exchangeTcp)(query, up, opts).catch(() => undefined);
    if (reply === undefined || reply.length < 12) continue;
    const rcode = (reply[3] ?? 0) & 0x0f;
    if (rcode === 2 || rcode === 5) continue; // SERVFAIL, REFUSED: Docker tries the next one
    return reply;
  }
  return undefined;
}

/**
 * One exchange with an upstream over a fresh socket: settles once, with the reply, or with
 * nothing on the timeout, an abort or a socket error; the socket is released either way.
 */
function exchange<S extends { on(event: 'error', fn: () => void): unknown }>(
  opts: ForwardOptions,
  open: () => S,
  release: (sock: S) => void,
  talk: (sock: S, done: (reply: Buffer | undefined) => void) => void,
): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = open();
    let finished = false;
    const done = (reply: Buffer | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      release(sock);
      resolve(reply);
    };
    const onAbort = () => done(undefined);
    const timer = setTimeout(onAbort, opts.timeoutMs);
    opts.signal.addEventListener('abort', onAbort);
    sock.on('error', onAbort);
    talk(sock, done);
  });
}

function exchangeUdp(query: Buffer, up: Upstream, opts: ForwardOptions): Promise<Buffer | undefined> {
  return exchange(
    opts,
    () => dgram.createSocket(isIPv6(up.host) ? 'udp6' : 'udp4'),
    (sock) => sock.close(),
    (sock, done) => {
      sock.on('message', (msg) => {
        // Same ID and the QR bit: anything else on this port is not the answer.
        if (msg.length >= 12 && msg.readUInt16BE(0) === query.readUInt16BE(0) && ((msg[2] ?? 0) & 0x80) !== 0) done(msg);
      });
      sock.connect(up.port, up.host, () => sock.send(query, (err) => err && done(undefined)));
    },
  );
}

function exchangeTcp(query: Buffer, up: Upstream, opts: ForwardOptions): Promise<Buffer | undefined> {
  return exchange(
    opts,
    () => new Socket(),
    (sock) => sock.destroy(),
    (sock, done) => {
      sock.on('close', () => done(undefined));
      readFrames(sock, (msg) => {
        if (msg.length >= 12 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(msg);
      });
      sock.connect(up.port, up.host, () => sock.write(frame(query)));
    },
  );
}
