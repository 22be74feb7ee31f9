// IPv6 address management for dual-stack networks (--ipv6): subnets given by the user or a
// random unique-local /64 (fdxx:xxxx:xxxx:xxxx::/64, as Docker 27+ assigns one when none is
// given), the gateway the subnet's first address, containers the first free addresses after it.
import { randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { invalidParameter } from '../lib/errors.ts';

export interface Cidr6 {
  base: bigint;
  bits: number;
}

const ALL = (1n << 128n) - 1n;

export function ip6ToBig(ip: string): bigint {
  if (!isIPv6(ip)) throw invalidParameter(`invalid IPv6 address: ${ip}`);
  let text = ip;
  // An embedded IPv4 tail ("::ffff:1.2.3.4") as two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** RFC 5952 text: lower case, the longest run of zero groups as "::". */
export function bigToIp6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function mask6(bits: number): bigint {
  return bits === 0 ? 0n : (ALL << BigInt(128 - bits)) & ALL;
}

export function parseCidr6(text: string): Cidr6 {
  const m = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(text);
  if (!m || !isIPv6(m[1]!) || Number(m[2]) > 128) throw invalidParameter(`invalid CIDR address: ${text}`);
  const bits = Number(m[2]);
  return { base: ip6ToBig(m[1]!) & mask6(bits), bits };
}

export function formatCidr6(c: Cidr6): string {
  return `${bigToIp6(c.base)}/${c.bits}`;
}

export function contains6(c: Cidr6, ip: bigint): boolean {
  return (ip & mask6(c.bits)) === c.base;
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return contains6(a, b.base) || contains6(b, a.base);
}

/** A random unique-local /64. */
export function randomUla64(): Cidr6 {
  const b = randomBytes(7);
  let n = 0xfdn;
  for (const byte of b) n = (n << 8n) | BigInt(byte);
  return { base: n << 64n, bits: 64 };
}

/** The first free address after the gateway (the subnet's own address is never handed out). */
export function firstFree6(subnet: Cidr6, gateway: string, leased: ReadonlySet<string>, range?: Cidr6): string | undefined {
  const scope = range ?? subnet;
  const gw = ip6ToBig(gateway);
  const span = scope.bits >= 112 ? 1n << BigInt(128 - scope.bits) : 1n << 16n;
  for (let i = 0n; i < span; i++) {
    const ip = scope.base + i;
    if (ip === subnet.base || ip === gw) continue;
    const text = bigToIp6(ip);
    if (!leased.has(text)) return text;
  }
  return undefined;
}
