// Host ports for published container ports, as Docker's port allocator hands them out: an
// explicit port, the first free of a range ("8000-8010:80"), or an ephemeral one (host port
// 0 or empty) taken round-robin from the daemon's range (the kernel's ip_local_port_range,
// 32768–60999). Each port is reserved by a bound socket the daemon holds (dockerd 28 does the
// same): the firewall's DNAT sends the traffic to the container before it can reach that
// socket, yet no other process, and no other wharfd, can take the port meanwhile. A port
// already held is Docker's "Bind for 0.0.0.0:8080 failed: port is already allocated". Ports
// another engine DNATs (its rules in the nat table, e.g. a wharfd restarting, which holds no
// socket for a moment, or dockerd and podman without a proxy) count as taken too.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, isIPv6 } from 'node:net';
import { errnoCode, invalidParameter, messageOf, WharfError } from '../lib/errors.ts';
import type { PublishedPort } from './records.ts';
import type { PortMap } from './types.ts';

/** A port request from a container's PortBindings/ExposedPorts. */
export interface PortRequest {
  proto: 'tcp' | 'udp';
  /** '' = the daemon's default bind address. */
  hostIp: string;
  /** Inclusive host port range; [0, 0] = ephemeral. */
  hostPorts: [number, number];
  containerPort: number;
}

export interface Reservation {
  close(): void;
}

/** The host side: binds a socket to hold a port (throws with errno EADDRINUSE when taken). */
export interface PortBinder {
  reserve(proto: 'tcp' | 'udp', ip: string, port: number): Promise<Reservation>;
}

/** The error start reports, in dockerd's words; not a runtime error. */
export class PortAllocationError extends WharfError {
  constructor(message: string) {
    super('System', message);
  }
}

/** PortBindings (+ ExposedPorts with -P) as requests; sctp is not supported. */
export function portRequests(bindings: PortMap | null | undefined, exposed: Record<string, object> | null | undefined, publishAll: boolean): PortRequest[] {
  const out: PortRequest[] = [];
  const keys = new Set<string>([...Object.keys(bindings ?? {}), ...(publishAll ? Object.keys(exposed ?? {}) : [])]);
  for (const key of [...keys].sort()) {
    const [portText = '', protoText = 'tcp'] = key.split('/');
    const proto = protoText.toLowerCase();
    if (proto !== 'tcp' && proto !== 'udp') throw invalidParameter(`invalid port ${key}: only tcp and udp ports can be published`);
    const containerPort = Number(portText);
    if (!/^\d+$/.test(portText) || containerPort < 1 || containerPort > 65535) throw invalidParameter(`invalid port ${key}`);
    const list = bindings?.[key];
    const bs = list && list.length > 0 ? list : publishAll ? [{ HostIp: '', HostPort: '' }] : [];
    for (const b of bs) out.push({ proto, hostIp: b.HostIp ?? '', hostPorts: parseHostPort(b.HostPort ?? ''), containerPort });
  }
  return out;
}

function parseHostPort(text: string): [number, number] {
  if (text === '' || text === '0') return [0, 0];
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2] ?? m?.[1]);
  if (!m || lo < 1 || hi > 65535 || hi < lo) throw invalidParameter(`invalid port specification: "${text}"`);
  return [lo, hi];
}

/** The kernel's ephemeral range (Docker's default for host port 0). */
export function localPortRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi && lo <= hi) return [lo, hi];
  } catch {
    // not Linux, or /proc hidden: Docker's defaults
  }
  return [32768, 60999];
}

function hostPortText(ip: string, port: number): string {
  return isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** "tcp/8080" keys of ports DNATed by rules of other engines; read once per allocation. */
export type ForeignPorts = () => Promise<Set<string>>;

/**
 * DNATed ports in iptables-save output, outside chains named `<ownPrefix>-...`:
 * `-A DOCKER ... -p tcp -m tcp --dport 8080 -j DNAT ...` → "tcp/8080" (ranges "a:b" expanded).
 */
export function dnatPorts(save: string, ownPrefix: string): Set<string> {
  const out = new Set<string>();
  let table = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    if (table !== 'nat' || !line.startsWith('-A ') || !/ -j DNAT\b/.test(line)) continue;
    if (line.slice(3).startsWith(`${ownPrefix}-`)) continue;
    const proto = / -p (tcp|udp)\b/.exec(line)?.[1];
    const m = / --dport (\d+)(?::(\d+))?/.exec(line);
    if (!proto || !m) continue;
    const lo = Number(m[1]);
    const hi = Math.min(Number(m[2] ?? m[1]), lo + 65535);
    for (let p = lo; p <= hi; p++) out.add(`${proto}/${p}`);
  }
  return out;
}

export class PortAllocator {
  private readonly binder: PortBinder;
  private readonly range: [number, number];
  private readonly defaultIp: string;
  private readonly foreign: ForeignPorts | undefined;
  /** "tcp/0.0.0.0/8080" → holder and its reservation. */
  private readonly held = new Map<string, { containerId: string; res: Reservation }>();
  private readonly next = { tcp: 0, udp: 0 };

  constructor(binder: PortBinder, range: [number, number], defaultIp: string, foreign?: ForeignPorts) {
    this.binder = binder;
    this.range = range;
    this.defaultIp = defaultIp;
    this.foreign = foreign;
    this.next.tcp = range[0];
    this.next.udp = range[0];
  }

  /** Ports held by a container, or every port held. */
  count(containerId?: string): number {
    let n = 0;
    for (const h of this.held.values()) if (containerId === undefined || h.containerId === containerId) n++;
    return n;
  }

  /** All or nothing: on failure, what this call reserved is released. */
  async allocate(containerId: string, requests: PortRequest[]): Promise<PublishedPort[]> {
    const out: PublishedPort[] = [];
    if (requests.length === 0) return out;
    const foreign = this.foreign ? await this.foreign().catch(() => new Set<string>()) : new Set<string>();
    try {
      for (const r of requests) out.push(await this.one(containerId, r, foreign));
    } catch (err) {
      for (const p of out) this.drop(p);
      throw err;
    }
    return out;
  }

  /** Re-reserves ports a running container holds (daemon restart); a lost one is only logged by the caller. */
  async restore(containerId: string, ports: PublishedPort[]): Promise<string[]> {
    const lost: string[] = [];
    for (const p of ports) {
      try {
        await this.take(containerId, p.proto, p.hostIp, p.hostPort);
      } catch (err) {
        lost.push(`${hostPortText(p.hostIp, p.hostPort)}/${p.proto}: ${messageOf(err)}`);
      }
    }
    return lost;
  }

  release(containerId: string, ports?: PublishedPort[]): void {
    for (const [key, h] of [...this.held]) {
      if (h.containerId !== containerId) continue;
      if (ports && !ports.some((p) => key === this.key(p.proto, p.hostIp, p.hostPort))) continue;
      h.res.close();
      this.held.delete(key);
    }
  }

  closeAll(): void {
    for (const h of this.held.values()) h.res.close();
    this.held.clear();
  }

  private async one(containerId: string, r: PortRequest, foreign: Set<string>): Promise<PublishedPort> {
    const ip = r.hostIp || this.defaultIp;
    const [lo, hi] = r.hostPorts;
    if (lo !== 0) {
      let last: unknown;
      for (let port = lo; port <= hi; port++) {
        try {
          if (foreign.has(`${r.proto}/${port}`)) throw new PortAllocationError(`Bind for ${hostPortText(ip, port)} failed: port is already allocated`);
          await this.take(containerId, r.proto, ip, port);
          return { proto: r.proto, hostIp: ip, hostPort: port, containerPort: r.containerPort };
        } catch (err) {
          last = err;
        }
      }
      throw last;
    }
    const [min, max] = this.range;
    const span = max - min + 1;
    for (let i = 0; i < span; i++) {
      const port = min + ((this.next[r.proto] - min + i) % span);
      if (this.held.has(this.key(r.proto, ip, port)) || foreign.has(`${r.proto}/${port}`)) continue;
      try {
        await this.take(containerId, r.proto, ip, port);
        this.next[r.proto] = port + 1 > max ? min : port + 1;
        return { proto: r.proto, hostIp: ip, hostPort: port, containerPort: r.containerPort };
      } catch (err) {
        if (!(err instanceof PortAllocationError)) throw err;
      }
    }
    throw new PortAllocationError(`Bind for ${hostPortText(ip, 0)} failed: all ports are allocated`);
  }

  private key(proto: string, ip: string, port: number): string {
    return `${proto}/${ip}/${port}`;
  }

  private async take(containerId: string, proto: 'tcp' | 'udp', ip: string, port: number): Promise<void> {
    const taken = new PortAllocationError(`Bind for ${hostPortText(ip, port)} failed: port is already allocated`);
    // Ours already: the same address, or a wildcard against a specific one of the same family.
    const wild = ip === '0.0.0.0' || ip === '::';
    for (const k of this.held.keys()) {
      const [p, hip, hport] = k.split('/');
      if (p !== proto || Number(hport) !== port) continue;
      if (hip === ip || ((wild || hip === '0.0.0.0' || hip === '::') && isIPv6(hip!) === isIPv6(ip))) throw taken;
    }
    let res: Reservation;
    try {
      res = await this.binder.reserve(proto, ip, port);
    } catch (err) {
      if (errnoCode(err) === 'EADDRINUSE') throw taken;
      throw new PortAllocationError(`failed to bind host port ${hostPortText(ip, port)}/${proto}: ${messageOf(err)}`);
    }
    this.held.set(this.key(proto, ip, port), { containerId, res });
  }

  private drop(p: PublishedPort): void {
    const key = this.key(p.proto, p.hostIp, p.hostPort);
    this.held.get(key)?.res.close();
    this.held.delete(key);
  }
}

/** The real binder: a listening tcp socket (connections that reach it are dropped) or a bound udp one. */
export const socketBinder: PortBinder = {
  reserve(proto, ip, port) {
    return new Promise((resolve, reject) => {
      if (proto === 'udp') {
        const s = createSocket({ type: isIPv6(ip) ? 'udp6' : 'udp4', ipv6Only: isIPv6(ip) });
        s.once('error', reject);
        s.bind({ address: ip, port, exclusive: true }, () => {
          s.off('error', reject);
          s.on('error', () => {});
          s.unref();
          resolve({ close: () => s.close() });
        });
        return;
      }
      const srv = createServer((sock) => sock.destroy());
      srv.once('error', reject);
      srv.listen({ host: ip, port, exclusive: true, backlog: 1, ipv6Only: isIPv6(ip) }, () => {
        srv.off('error', reject);
        srv.on('error', () => {});
        srv.unref();
        resolve({ close: () => srv.close() });
      });
    });
  },
};
