// Runs LinkOps on an rtnetlink socket, synchronously, in whatever namespace the socket and the
// calling thread are in (netns-worker.ts arranges both). Also lists links and addresses.
import { closeSync, constants, openSync, writeFileSync } from 'node:fs';
import { broadcast, ipString, macBytes, macString, parseCidr } from './ip.ts';
import type { AddrInfo, LinkInfo, LinkOp } from './netlink.ts';
import {
  AF_INET,
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
  IFLA_BR_NF_CALL_IP6TABLES,
  IFLA_BR_NF_CALL_IPTABLES,
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
  if (op.nfCall !== undefined) {
    const v = op.nfCall ? 1 : 0;
    attrs.push(nest(IFLA_LINKINFO, strAttr(IFLA_INFO_KIND, 'bridge'), nest(IFLA_INFO_DATA, u8Attr(IFLA_BR_NF_CALL_IPTABLES, v), u8Attr(IFLA_BR_NF_CALL_IP6TABLES, v))));
  } else if (op.hairpin !== undefined) {
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
