// Address text and bytes for netlink messages: IPv4/IPv6 addresses with prefix lengths, MACs.
import { isIPv4, isIPv6 } from 'node:net';

const AF_INET = 2;
const AF_INET6 = 10;

export function macBytes(mac: string): Buffer {
  const parts = mac.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-f]{2}$/i.test(p))) throw new Error(`invalid MAC address ${mac}`);
  return Buffer.from(parts.map((p) => Number.parseInt(p, 16)));
}

export const macString = (b: Buffer | undefined) => (b === undefined ? '' : [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));

/** "10.1.0.1/24" → family, address bytes, prefix length. */
export function parseCidr(cidr: string): { family: number; bytes: Buffer; prefix: number; ip: string } {
  const [ip = '', len] = cidr.split('/');
  const family = isIPv4(ip) ? AF_INET : isIPv6(ip) ? AF_INET6 : 0;
  if (family === 0) throw new Error(`invalid address ${cidr}`);
  const max = family === AF_INET ? 32 : 128;
  const prefix = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`invalid prefix length in ${cidr}`);
  return { family, bytes: ipBytes(ip), prefix, ip };
}

export function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail] = ip.split('::');
  const words = (s: string) => (s === '' ? [] : s.split(':'));
  let h = words(head);
  let t = tail === undefined ? [] : words(tail);
  // An embedded IPv4 tail ("::ffff:1.2.3.4") is two words.
  const v4 = (ws: string[]) => {
    const last = ws[ws.length - 1];
    if (last === undefined || !last.includes('.')) return ws;
    const b = last.split('.').map(Number);
    return [...ws.slice(0, -1), (((b[0] ?? 0) << 8) | (b[1] ?? 0)).toString(16), (((b[2] ?? 0) << 8) | (b[3] ?? 0)).toString(16)];
  };
  if (tail === undefined) h = v4(h);
  else t = v4(t);
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  for (const [i, w] of all.entries()) out.writeUInt16BE(Number.parseInt(w, 16), i * 2);
  return out;
}

/** The canonical text of an address ("fd00:0::1" → "fd00::1"), with its "/len" kept. */
export function canonicalIp(addr: string): string {
  const [ip = '', len] = addr.split('/');
  const s = ipString(ipBytes(ip), isIPv4(ip) ? AF_INET : AF_INET6);
  return len === undefined ? s : `${s}/${len}`;
}

export function ipString(b: Buffer, family: number): string {
  if (family === AF_INET) return [...b.subarray(0, 4)].join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(b.readUInt16BE(i).toString(16));
  // Longest run of zero words becomes "::" (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return words.join(':');
  return `${words.slice(0, best).join(':')}::${words.slice(best + bestLen).join(':')}`;
}

export function broadcast(bytes: Buffer, prefix: number): Buffer | undefined {
  if (prefix >= 31) return undefined;
  const n = (bytes.readUInt32BE(0) | (prefix === 0 ? 0xffffffff : (1 << (32 - prefix)) - 1)) >>> 0;
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
