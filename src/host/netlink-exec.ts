// Runs LinkOps on an rtnetlink socket, synchronously, in whatever namespace the socket and the
// calling thread are in (netns-worker.ts arranges both). Also lists links and addresses.
import { closeSync, constants, openSync, writeFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import type { AddrInfo, LinkInfo, LinkOp } from './netlink.ts';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  attr,
  attrString,
  IFA_ADDRESS,
  IFA_BROADCAST,
  IFA_F_NODAD,
  IFA_LOCAL,
  IFF_UP,
  ifaddrmsg,
  ifinfomsg,
  IFLA_ADDRESS,
  IFLA_BRPORT_MODE,
  IFLA_EXT_MASK,
  IFLA_IFALIAS,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_DATA,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  nest,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  parseAttrs,
  RTA_GATEWAY,
  RTA_OIF,
  RTEXT_FILTER_SKIP_STATS,
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  type Request,
  rtmsg,
  type RtnlSocket,
  strAttr,
  u32Attr,
  u8Attr,
  VETH_INFO_PEER,
} from './rtnetlink.ts';

export function macBytes(mac: string): Buffer {
  const parts = mac.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-f]{2}$/i.test(p))) throw new Error(`invalid MAC address ${mac}`);
  return Buffer.from(parts.map((p) => Number.parseInt(p, 16)));
}

const macString = (b: Buffer | undefined) => (b === undefined ? '' : [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));

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

function ipString(b: Buffer, family: number): string {
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

function broadcast(bytes: Buffer, prefix: number): Buffer | undefined {
  if (prefix >= 31) return undefined;
  const n = (bytes.readUInt32BE(0) | (prefix === 0 ? 0xffffffff : (1 << (32 - prefix)) - 1)) >>> 0;
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Executes ops in order; returns per op '' or the excused errno name. */
export function execOps(sock: RtnlSocket, ops: LinkOp[]): string[] {
  const indexes = new Map<string, number>();
  const index = (name: string): number => {
    let i = indexes.get(name);
    if (i === undefined) {
      i = linkIndex(sock, name);
      indexes.set(name, i);
    }
    return i;
  };
  return ops.map((op) => execOp(sock, op, index));
}

function execOp(sock: RtnlSocket, op: LinkOp, index: (name: string) => number): string {
  {
    switch (op.op) {
      case 'bridge':
        return createBridge(sock, op);
      case 'veth': {
        const fd = openSync(op.peer.netns, constants.O_RDONLY);
        try {
          // The peer cannot be created up: veth_open fails (ENOTCONN) until both ends are linked.
          const peer = Buffer.concat([
            ifinfomsg(),
            strAttr(IFLA_IFNAME, op.peer.name),
            attr(IFLA_ADDRESS, macBytes(op.peer.mac)),
            u32Attr(IFLA_MTU, op.mtu),
            u32Attr(IFLA_NET_NS_FD, fd),
          ]);
          const req: Request = {
            type: RTM_NEWLINK,
            flags: NLM_F_CREATE | NLM_F_EXCL,
            header: ifinfomsg(0, IFF_UP, IFF_UP),
            attrs: [
              strAttr(IFLA_IFNAME, op.name),
              u32Attr(IFLA_MTU, op.mtu),
              u32Attr(IFLA_MASTER, index(op.master)),
              nest(IFLA_LINKINFO, strAttr(IFLA_INFO_KIND, 'veth'), nest(IFLA_INFO_DATA, attr(VETH_INFO_PEER, peer))),
            ],
            what: `create veth ${op.name} (peer ${op.peer.name} in ${op.peer.netns})`,
            ok: ['EEXIST'],
          };
          const res = sock.transact([req])[0] ?? '';
          // Port options cannot be given at creation.
          if (res === '' && op.hairpin) setLink(sock, { op: 'set', link: op.name, hairpin: true });
          return res;
        } finally {
          closeSync(fd);
        }
      }
      case 'set':
        return setLink(sock, op);
      case 'addr':
      case 'delAddr': {
        const a = parseCidr(op.cidr);
        const v4 = a.family === AF_INET;
        const attrs = [attr(IFA_LOCAL, a.bytes), attr(IFA_ADDRESS, a.bytes)];
        const brd = v4 ? broadcast(a.bytes, a.prefix) : undefined;
        if (brd && op.op === 'addr') attrs.push(attr(IFA_BROADCAST, brd));
        const add = op.op === 'addr';
        const req: Request = {
          type: add ? RTM_NEWADDR : RTM_DELADDR,
          flags: add ? NLM_F_CREATE | NLM_F_EXCL : 0,
          header: ifaddrmsg(a.family, a.prefix, v4 ? 0 : IFA_F_NODAD, index(op.link)),
          attrs,
          what: `${add ? 'add' : 'delete'} address ${op.cidr} ${add ? 'to' : 'of'} ${op.link}`,
          ok: [add ? 'EEXIST' : 'EADDRNOTAVAIL'],
        };
        return sock.transact([req])[0] ?? '';
      }
      case 'defaultRoute': {
        const gw = parseCidr(op.gateway);
        const req: Request = {
          type: RTM_NEWROUTE,
          flags: NLM_F_CREATE | NLM_F_REPLACE,
          header: rtmsg(gw.family, 0),
          attrs: [attr(RTA_GATEWAY, gw.bytes), u32Attr(RTA_OIF, index(op.link))],
          what: `default route via ${op.gateway} dev ${op.link}`,
        };
        return sock.transact([req])[0] ?? '';
      }
      case 'delLink': {
        const req: Request = { type: RTM_DELLINK, flags: 0, header: ifinfomsg(), attrs: [strAttr(IFLA_IFNAME, op.link)], what: `delete link ${op.link}`, ok: ['ENODEV'] };
        return sock.transact([req])[0] ?? '';
      }
      case 'sysctl':
        try {
          writeFileSync(`/proc/sys/${op.key}`, op.value);
        } catch (err) {
          if (op.optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return 'ENOENT';
          throw err;
        }
        return '';
    }
  }
}

function createBridge(sock: RtnlSocket, op: Extract<LinkOp, { op: 'bridge' }>): string {
  const res = sock.transact([
    {
      type: RTM_NEWLINK,
      flags: NLM_F_CREATE | NLM_F_EXCL,
      header: ifinfomsg(),
      attrs: [
        strAttr(IFLA_IFNAME, op.name),
        u32Attr(IFLA_MTU, op.mtu),
        attr(IFLA_ADDRESS, macBytes(op.mac)),
        nest(IFLA_LINKINFO, strAttr(IFLA_INFO_KIND, 'bridge')),
      ],
      what: `create bridge ${op.name}`,
      ok: ['EEXIST'],
    },
  ])[0];
  // The alias cannot be given at creation; only a bridge we made gets it.
  if (res === '') setLink(sock, { op: 'set', link: op.name, alias: op.alias });
  return res ?? '';
}

function setLink(sock: RtnlSocket, op: Extract<LinkOp, { op: 'set' }>): string {
  const attrs = [strAttr(IFLA_IFNAME, op.link)];
  if (op.mtu !== undefined) attrs.push(u32Attr(IFLA_MTU, op.mtu));
  if (op.alias !== undefined) attrs.push(strAttr(IFLA_IFALIAS, op.alias));
  if (op.hairpin !== undefined) {
    attrs.push(nest(IFLA_LINKINFO, strAttr(IFLA_INFO_SLAVE_KIND, 'bridge'), nest(IFLA_INFO_SLAVE_DATA, u8Attr(IFLA_BRPORT_MODE, op.hairpin ? 1 : 0))));
  }
  const flags = op.up === undefined ? 0 : op.up ? IFF_UP : 0;
  const change = op.up === undefined ? 0 : IFF_UP;
  return sock.transact([{ type: RTM_NEWLINK, flags: 0, header: ifinfomsg(0, flags, change), attrs, what: `set link ${op.link}` }])[0] ?? '';
}

function linkIndex(sock: RtnlSocket, name: string): number {
  const m = sock.get({ type: RTM_GETLINK, flags: 0, header: ifinfomsg(), attrs: [strAttr(IFLA_IFNAME, name), u32Attr(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)], what: `find link ${name}` });
  if (!m) throw new Error(`no such network interface: ${name}`);
  return m.body.readInt32LE(4);
}

export function listLinks(sock: RtnlSocket): LinkInfo[] {
  const msgs = sock.dump(RTM_GETLINK, ifinfomsg(), [u32Attr(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)]);
  const links = msgs
    .filter((m) => m.type === RTM_NEWLINK)
    .map((m) => {
      const a = parseAttrs(m.body, 16);
      const info = a.get(IFLA_LINKINFO);
      const master = a.get(IFLA_MASTER);
      return {
        name: attrString(a.get(IFLA_IFNAME)) ?? '',
        index: m.body.readInt32LE(4),
        kind: (info && attrString(parseAttrs(info, 0).get(IFLA_INFO_KIND))) ?? '',
        masterIndex: master ? master.readUInt32LE(0) : 0,
        up: (m.body.readUInt32LE(8) & IFF_UP) !== 0,
        mtu: a.get(IFLA_MTU)?.readUInt32LE(0) ?? 0,
        mac: macString(a.get(IFLA_ADDRESS)),
        alias: attrString(a.get(IFLA_IFALIAS)) ?? '',
      };
    });
  const byIndex = new Map(links.map((l) => [l.index, l.name]));
  return links.map(({ masterIndex, ...l }) => ({ ...l, master: masterIndex ? byIndex.get(masterIndex) : undefined }));
}

export function listAddresses(sock: RtnlSocket): AddrInfo[] {
  const names = new Map(listLinks(sock).map((l) => [l.index, l.name]));
  return sock
    .dump(RTM_GETADDR, ifaddrmsg(AF_UNSPEC, 0, 0, 0))
    .filter((m) => m.type === RTM_NEWADDR)
    .map((m) => {
      const family = m.body.readUInt8(0);
      const a = parseAttrs(m.body, 8);
      const bytes = a.get(IFA_LOCAL) ?? a.get(IFA_ADDRESS) ?? Buffer.alloc(16);
      return {
        link: names.get(m.body.readUInt32LE(4)) ?? '',
        cidr: `${ipString(bytes, family)}/${m.body.readUInt8(1)}`,
        family: family === AF_INET ? (4 as const) : (6 as const),
        scope: m.body.readUInt8(3),
      };
    });
}
