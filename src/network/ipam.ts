// IPv4 address management, as libnetwork's default IPAM does it: subnets for new networks are
// carved out of the address pools in order (skipping those that overlap a network we have or
// a link route of the host), and container addresses are the first free ones of the subnet
// (or its --ip-range), never the network, broadcast or gateway address. Pure: the caller
// supplies what is taken.
import { isIPv4 } from 'node:net';
import { invalidParameter } from '../lib/errors.ts';

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  bits: number;
}

export interface AddressPool {
  base: string;
  size: number;
}

/** Docker's default local pools: 172.17–31.0.0/16, then 192.168.0.0/16 in /20s. */
export const DEFAULT_POOLS: AddressPool[] = [
  ...Array.from({ length: 15 }, (_, i) => ({ base: `172.${17 + i}.0.0/16`, size: 16 })),
  { base: '192.168.0.0/16', size: 20 },
];

export function ipToNum(ip: string): number {
  const p = ip.split('.').map(Number);
  return (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
}

export function numToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** "172.18.0.0/16" → its network; `strict` refuses host bits ("172.18.0.1/16"). */
export function parseCidr4(text: string, strict = false): Cidr {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  if (!m || !isIPv4(m[1]!) || Number(m[2]) > 32) throw invalidParameter(`invalid CIDR address: ${text}`);
  const bits = Number(m[2]);
  const addr = ipToNum(m[1]!);
  const base = (addr & mask(bits)) >>> 0;
  if (strict && base !== addr) throw invalidParameter(`invalid subnet ${text}: it should be ${formatCidr({ base, bits })}`);
  return { base, bits };
}

export function formatCidr(c: Cidr): string {
  return `${numToIp(c.base)}/${c.bits}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.bits);
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.bits)) >>> 0) === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** The first usable host address (Docker's default gateway). */
export function firstHost(c: Cidr): string {
  return numToIp(c.bits >= 31 ? c.base : c.base + 1);
}

/**
 * The first subnet of the pools that overlaps nothing in `taken` (other networks' subnets,
 * host link routes); undefined when every pool is used up.
 */
export function pickSubnet(pools: readonly AddressPool[], taken: readonly Cidr[]): Cidr | undefined {
  for (const pool of pools) {
    const p = parseCidr4(pool.base);
    if (pool.size < p.bits || pool.size > 32) continue;
    const step = 2 ** (32 - pool.size);
    const count = 2 ** (pool.size - p.bits);
    for (let i = 0; i < count; i++) {
      const cand: Cidr = { base: (p.base + i * step) >>> 0, bits: pool.size };
      if (!taken.some((t) => overlaps(t, cand))) return cand;
    }
  }
  return undefined;
}

export interface AllocationScope {
  subnet: Cidr;
  /** --ip-range: addresses are handed out from here only. */
  range?: Cidr | undefined;
  gateway: string;
  /** Reserved aux addresses. */
  reserved?: readonly string[];
}

/** Whether `ip` may be given to a container (inside the subnet, not network/broadcast/gateway). */
export function usable(scope: AllocationScope, ip: number): boolean {
  const s = scope.subnet;
  if (!contains(s, ip)) return false;
  if (s.bits <= 30 && (ip === s.base || ip === s.base + size(s) - 1)) return false;
  if (ip === ipToNum(scope.gateway)) return false;
  return !(scope.reserved ?? []).some((r) => ipToNum(r) === ip);
}

/** The first free address of the range (or subnet); undefined when all are taken. */
export function firstFree(scope: AllocationScope, leased: ReadonlySet<string>): string | undefined {
  const r = scope.range ?? scope.subnet;
  const n = size(r);
  for (let i = 0; i < n; i++) {
    const ip = (r.base + i) >>> 0;
    if (!usable(scope, ip)) continue;
    const text = numToIp(ip);
    if (!leased.has(text)) return text;
  }
  return undefined;
}

/** "02:42:ac:12:00:02": Docker's MAC derived from an IPv4 address. */
export function macFromIp(ip: string): string {
  const n = ipToNum(ip);
  const bytes = [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Link-scope IPv4 routes of the host (/proc/net/route without the gateway flag), e.g. a LAN. */
export function parseProcRoutes(text: string): { iface: string; cidr: Cidr }[] {
  const out: { iface: string; cidr: Cidr }[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const flags = Number.parseInt(f[3]!, 16);
    const dst = leHex(f[1]!);
    const m = leHex(f[7]!);
    if (m === 0 || (flags & 0x2) !== 0) continue;
    out.push({ iface: f[0]!, cidr: { base: (dst & m) >>> 0, bits: popcount(m) } });
  }
  return out;
}

function leHex(h: string): number {
  const n = Number.parseInt(h, 16);
  return (((n & 255) << 24) | (((n >>> 8) & 255) << 16) | (((n >>> 16) & 255) << 8) | (n >>> 24)) >>> 0;
}

function popcount(n: number): number {
  let c = 0;
  for (let v = n >>> 0; v; v = (v << 1) >>> 0) c++;
  return c;
}
