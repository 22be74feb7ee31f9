// Test helpers for the embedded DNS server: a fake control plane, a scriptable upstream resolver
// (udp and tcp on one port), and raw udp/tcp clients for checks c-ares hides (flags, TTLs, TC).
import dgram from 'node:dgram';
import { createServer, type Server, Socket } from 'node:net';
import packet from 'dns-packet';
import { frame, readFrames } from './tcp.ts';
import type { DnsResolver } from './types.ts';

export interface FakeNames {
  /** name → addresses (v4 and v6 mixed); the fake splits by family. */
  names: Record<string, string[]>;
  /** address → names */
  ptr: Record<string, string[]>;
  search?: string[];
}

/** A DnsResolver over fixed tables, per network ID; records the names it was asked. */
export function fakeResolver(byNetwork: Record<string, FakeNames>): DnsResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookup(networkId, name, type) {
      asked.push(name);
      const addrs = byNetwork[networkId]?.names[name];
      if (!addrs) return undefined;
      return addrs.filter((a) => (type === 'A' ? !a.includes(':') : a.includes(':')));
    },
    reverse(networkId, address) {
      return byNetwork[networkId]?.ptr[address];
    },
    searchDomains(networkId) {
      return byNetwork[networkId]?.search ?? [];
    },
  };
}

export type UpstreamBehaviour = (q: packet.DecodedPacket, proto: 'udp' | 'tcp') => packet.Packet | 'drop';

/** A resolver on 127.0.0.1:<port>, udp and tcp, answering as `behave` says. */
export class FakeUpstream {
  udp!: dgram.Socket;
  tcp!: Server;
  port = 0;
  readonly seen: { name: string; proto: 'udp' | 'tcp'; id: number }[] = [];
  readonly #behave: UpstreamBehaviour;
  readonly #conns = new Set<Socket>();

  constructor(behave: UpstreamBehaviour) {
    this.#behave = behave;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    for (;;) {
      this.udp = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => this.udp.bind(0, '127.0.0.1', resolve));
      this.port = this.udp.address().port;
      this.tcp = createServer((sock) => this.#tcpConn(sock));
      const ok = await new Promise<boolean>((resolve) => {
        this.tcp.once('error', () => resolve(false));
        this.tcp.listen(this.port, '127.0.0.1', () => resolve(true));
      });
      if (ok) break;
      this.udp.close();
    }
    this.udp.on('message', (msg, rinfo) => {
      const reply = this.#answer(msg, 'udp');
      if (reply) this.udp.send(reply, rinfo.port, rinfo.address);
    });
    return this;
  }

  #tcpConn(sock: Socket): void {
    this.#conns.add(sock);
    sock.on('close', () => this.#conns.delete(sock));
    sock.on('error', () => {});
    readFrames(sock, (msg) => {
      const reply = this.#answer(msg, 'tcp');
      if (reply) sock.write(frame(reply));
    });
  }

  #answer(msg: Buffer, proto: 'udp' | 'tcp'): Buffer | undefined {
    const q = packet.decode(msg);
    this.seen.push({ name: q.questions?.[0]?.name ?? '', proto, id: q.id ?? 0 });
    const r = this.#behave(q, proto);
    if (r === 'drop') return undefined;
    return packet.encode({ id: q.id ?? 0, questions: q.questions ?? [], ...r, type: 'response' });
  }

  async stop(): Promise<void> {
    for (const c of this.#conns) c.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
    ]);
  }
}

/** A udp port that receives and never answers: a dead upstream. */
export async function blackHole(): Promise<{ address: string; close: () => Promise<void> }> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${s.address().port}`,
    close: () => new Promise<void>((resolve) => s.close(() => resolve())),
  };
}

export function query(name: string, type: packet.RecordType, opts: { id?: number; edns?: number } = {}): Buffer {
  const p: packet.Packet = {
    type: 'query',
    id: opts.id ?? 4242,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
  };
  if (opts.edns) {
    p.additionals = [
      { type: 'OPT', name: '.', udpPayloadSize: opts.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] },
    ];
  }
  return packet.encode(p);
}

export interface Reply {
  id: number;
  rcode: string;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  answers: { name: string; type: string; ttl: number; data: unknown }[];
}

/** A reply in the terms tests check (dns-packet's types leave out rcode). */
export function decodeReply(buf: Buffer | undefined): Reply {
  if (!buf) throw new Error('no reply');
  const p = packet.decode(buf);
  return {
    id: p.id ?? 0,
    rcode: (p as { rcode?: string }).rcode ?? '',
    aa: p.flag_aa,
    tc: p.flag_tc,
    rd: p.flag_rd,
    ra: p.flag_ra,
    answers: (p.answers ?? []).map((a) => ({ name: a.name, type: a.type, ttl: 'ttl' in a ? (a.ttl ?? 0) : 0, data: 'data' in a ? a.data : undefined })),
  };
}

/** Sends raw bytes over udp; the decoded reply, or undefined after `timeoutMs`. */
export function udpExchange(port: number, msg: Buffer, timeoutMs = 1000, host = '127.0.0.1'): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const done = (b: Buffer | undefined) => {
      clearTimeout(t);
      s.close();
      resolve(b);
    };
    const t = setTimeout(() => done(undefined), timeoutMs);
    s.on('message', (m) => done(m));
    s.send(msg, port, host);
  });
}

export function tcpExchange(port: number, msg: Buffer, timeoutMs = 2000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (b: Buffer | undefined) => {
      clearTimeout(t);
      s.destroy();
      resolve(b);
    };
    const t = setTimeout(() => done(undefined), timeoutMs);
    s.on('error', () => done(undefined));
    readFrames(s, (m) => done(m));
    s.connect(port, '127.0.0.1', () => s.write(frame(msg)));
  });
}
