// Answers for the names a network owns, as Docker's embedded resolver gives them: A and AAAA
// (shuffled when several containers share an alias; an empty NOERROR when the name is ours but
// has no address of that family), PTR for our addresses, an empty NOERROR for MX of our names.
// Anything else returns undefined and is forwarded upstream unchanged.
import { isIPv4, isIPv6 } from 'node:net';
import packet from 'dns-packet';
import type { DnsResolver } from './types.ts';

/** Docker's respTTL. */
export const LOCAL_TTL = 600;
/** RFC 1035's UDP limit when the query carries no EDNS OPT record. */
const MIN_UDP_SIZE = 512;

export interface QueryContext {
  networkId: string;
  clientAddress: string;
  /** 'tcp' answers may be up to 65535 bytes; 'udp' ones are cut to the client's limit. */
  proto: 'udp' | 'tcp';
}

/** The encoded answer when the question is about one of our names, else undefined. */
export function answerLocally(
  resolver: DnsResolver,
  query: packet.DecodedPacket,
  ctx: QueryContext,
): Buffer | undefined {
  const q = query.questions?.[0];
  if (q?.class !== 'IN') return undefined;
  const name = normalize(q.name);
  let answers: packet.Answer[];
  const type = q.type;
  if (type === 'A' || type === 'AAAA') {
    const addrs = lookupTolerant(resolver, ctx, name, type);
    if (addrs === undefined) return undefined;
    const ok = type === 'A' ? isIPv4 : isIPv6;
    // Records may carry a prefix length ("172.18.0.2/16"): the address is what is answered.
    const plain = addrs.map((a) => a.replace(/\/\d+$/, '')).filter((a) => ok(a));
    answers = shuffle(plain).map((data) => ({ type, name: q.name, ttl: LOCAL_TTL, data }));
  } else if (type === 'PTR') {
    const addr = ptrAddress(name);
    const names = addr === undefined ? undefined : resolver.reverse(ctx.networkId, addr);
    if (!names || names.length === 0) return undefined;
    answers = names.map((data) => ({ type: 'PTR', name: q.name, ttl: LOCAL_TTL, data: data.replace(/\.$/, '') }));
  } else if (type === 'MX') {
    // Ours: no MX, so mail clients fall back to the A record (RFC 5321's implicit MX).
    if (lookupTolerant(resolver, ctx, name, 'A') === undefined && lookupTolerant(resolver, ctx, name, 'AAAA') === undefined) {
      return undefined;
    }
    answers = [];
  } else {
    return undefined;
  }
  return encodeReply(query, answers, maxSize(query, ctx.proto));
}

/** An answer with no records and the given rcode (SERVFAIL when forwarding failed, ...). */
export function errorReply(query: packet.DecodedPacket, rcode: 'SERVFAIL' | 'REFUSED' | 'NOTIMP'): Buffer {
  return packet.encode({
    type: 'response',
    id: query.id ?? 0,
    flags: (query.flags ?? 0) & packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | rcodeFlag(rcode),
    questions: query.questions ?? [],
  });
}

function rcodeFlag(rcode: 'SERVFAIL' | 'REFUSED' | 'NOTIMP'): number {
  return rcode === 'SERVFAIL' ? 2 : rcode === 'NOTIMP' ? 4 : 5;
}

/** Lower-case, no trailing dot: the form DnsResolver is given. */
export function normalize(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** The name itself, then the name without one of the asking container's search domains. */
function lookupTolerant(resolver: DnsResolver, ctx: QueryContext, name: string, type: 'A' | 'AAAA'): string[] | undefined {
  const found = resolver.lookup(ctx.networkId, name, type);
  if (found !== undefined || !resolver.searchDomains) return found;
  for (const domain of resolver.searchDomains(ctx.networkId, ctx.clientAddress)) {
    const suffix = `.${normalize(domain)}`;
    if (suffix.length > 1 && name.length > suffix.length && name.endsWith(suffix)) {
      const again = resolver.lookup(ctx.networkId, name.slice(0, -suffix.length), type);
      if (again !== undefined) return again;
    }
  }
  return undefined;
}

/**
 * The address a reverse name stands for: "2.0.18.172.in-addr.arpa" → "172.18.0.2"; 32 nibbles
 * under ip6.arpa → RFC 5952 text ("fd00::2"). Partial names (a whole subnet) → undefined.
 */
export function ptrAddress(name: string): string | undefined {
  const n = normalize(name);
  if (n.endsWith('.in-addr.arpa')) {
    const parts = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reverse().join('.');
  }
  if (n.endsWith('.ip6.arpa')) {
    const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups = hex.match(/.{4}/g) ?? [];
    // The URL parser prints IPv6 in RFC 5952's canonical compressed form.
    return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
  }
  return undefined;
}

function maxSize(query: packet.DecodedPacket, proto: 'udp' | 'tcp'): number {
  if (proto === 'tcp') return 65535;
  const opt = query.additionals?.find((a) => a.type === 'OPT');
  const edns = opt && 'udpPayloadSize' in opt ? opt.udpPayloadSize : 0;
  return Math.min(65535, Math.max(MIN_UDP_SIZE, edns));
}

function encodeReply(query: packet.DecodedPacket, answers: packet.Answer[], limit: number): Buffer {
  let flags = packet.AUTHORITATIVE_ANSWER | packet.RECURSION_AVAILABLE | ((query.flags ?? 0) & packet.RECURSION_DESIRED);
  const reply = (list: packet.Answer[]) =>
    packet.encode({ type: 'response', id: query.id ?? 0, flags, questions: query.questions ?? [], answers: list });
  const buf = reply(answers);
  if (buf.length <= limit) return buf;
  // Too big for the client's UDP limit: as many records as fit, TC set (it retries over tcp).
  flags |= packet.TRUNCATED_RESPONSE;
  let lo = 0; // fits
  let hi = answers.length; // does not fit
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (reply(answers.slice(0, mid)).length <= limit) lo = mid;
    else hi = mid;
  }
  return reply(answers.slice(0, lo));
}

function shuffle<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}
