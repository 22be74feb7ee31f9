// Links, addresses, routes and network namespaces, behind a small interface so the bridge
// driver can be unit-tested with the recording fake (netlink-fake.ts). The real implementation
// speaks rtnetlink in-process (rtnetlink.ts) from one dedicated worker thread (netns-worker.ts):
// entering a container's namespace means moving a thread into it, and the daemon's own threads
// never move. Operations are plain data, run in order, and idempotent where the kernel allows.
import { Worker } from 'node:worker_threads';
import { rmSync } from 'node:fs';
import { systemError } from '../lib/errors.ts';
import { libc } from './libc.ts';
import { MNT_DETACH } from './syscalls.ts';

export type LinkOp =
  /** Creates a bridge (with our alias: the mark reconcile recognizes); EEXIST when it exists. */
  | { op: 'bridge'; name: string; mtu: number; mac: string; alias: string }
  /**
   * A veth pair: `name` up on bridge `master` (in hairpin mode if asked); the peer created
   * (down: the kernel cannot bring it up before both ends exist) in the namespace file
   * `peer.netns` as `peer.name` with its MAC. EEXIST when either name is taken.
   */
  | { op: 'veth'; name: string; master: string; mtu: number; hairpin: boolean; peer: { name: string; mac: string; netns: string } }
  /**
   * Changes an existing link: up, MTU, alias, hairpin mode of a bridge port, and for a bridge
   * whether its bridged traffic goes through iptables and ip6tables (br_netfilter's
   * nf_call_iptables, per bridge: the host-wide sysctl stays as it is).
   */
  | { op: 'set'; link: string; up?: boolean; mtu?: number; alias?: string; hairpin?: boolean; nfCall?: boolean }
  /** Adds an address ("10.1.0.1/24", "fd00::1/64"; IPv6 without DAD); EEXIST when present. */
  | { op: 'addr'; link: string; cidr: string }
  | { op: 'delAddr'; link: string; cidr: string }
  /** Sets (replaces) the default route of the address's family via `gateway` on `link`. */
  | { op: 'defaultRoute'; link: string; gateway: string }
  /** Deletes a link (a veth's peer goes with it); ENODEV when it is already gone. */
  | { op: 'delLink'; link: string }
  /** Writes /proc/sys/<key> as seen from the namespace the batch runs in (optional: skipped when absent). */
  | { op: 'sysctl'; key: string; value: string; optional?: boolean };

export interface LinkInfo {
  name: string;
  index: number;
  /** "bridge", "veth", "dummy"... ('' for a physical device). */
  kind: string;
  /** The bridge it is a port of, if any. */
  master: string | undefined;
  up: boolean;
  mtu: number;
  mac: string;
  alias: string;
}

export interface AddrInfo {
  link: string;
  /** Address with prefix length. */
  cidr: string;
  family: 4 | 6;
  /** 0 global, 253 link, 254 host. */
  scope: number;
}

export interface NetlinkHost {
  /**
   * A new network namespace bind-mounted at `path` (a file the call creates, in a directory it
   * makes a shared mount as `ip netns` does, so unmounting reaches every mount namespace), with
   * loopback up, then `ops` inside it.
   */
  createNetns(path: string, ops?: LinkOp[]): Promise<void>;
  /** Unmounts and deletes a namespace file; the namespace and its veths go once unused. */
  removeNetns(path: string): Promise<void>;
  /**
   * Runs ops in order in the host's namespace (netns undefined) or in the namespace file's.
   * Per op: '' on success, or the errno name the op is allowed to end with (EEXIST, ENODEV).
   */
  apply(netns: string | undefined, ops: LinkOp[]): Promise<string[]>;
  links(netns?: string): Promise<LinkInfo[]>;
  addresses(netns?: string): Promise<AddrInfo[]>;
  /** Undoes the shared mount createNetns made of a directory, if no namespace file is left in it. */
  releaseNetnsDir(dir: string): Promise<void>;
  /** Stops the worker (the interface stays usable: the next call starts another). */
  close(): Promise<void>;
}

/** Unmounts (lazily: a process may still hold it) and deletes a namespace file; a half-made one too. */
export function removeNetnsFile(path: string): void {
  libc().fn('int umount2(const char *target, int flags)')(path, MNT_DETACH); // EINVAL: not mounted
  rmSync(path, { force: true });
}

export type ToWorker =
  | { id: number; kind: 'createNetns'; path: string; ops: LinkOp[] }
  | { id: number; kind: 'releaseNetnsDir'; dir: string }
  | { id: number; kind: 'apply'; netns: string | undefined; ops: LinkOp[] }
  | { id: number; kind: 'links'; netns: string | undefined }
  | { id: number; kind: 'addresses'; netns: string | undefined };

export type FromWorker =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; message: string; code: string | undefined };

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** The real implementation: requests posted to netns-worker.ts, started on first use. */
export class WorkerNetlink implements NetlinkHost {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** Starts the worker now (≈100 ms to load), so that the first real call does not wait for it. */
  warm(): void {
    this.start();
  }

  createNetns(path: string, ops: LinkOp[] = []): Promise<void> {
    return this.call({ id: 0, kind: 'createNetns', path, ops }) as Promise<void>;
  }
  /** On the calling thread: an unmount needs no namespace, and must not queue behind the worker's work. */
  async removeNetns(path: string): Promise<void> {
    removeNetnsFile(path);
  }
  releaseNetnsDir(dir: string): Promise<void> {
    return this.call({ id: 0, kind: 'releaseNetnsDir', dir }) as Promise<void>;
  }
  apply(netns: string | undefined, ops: LinkOp[]): Promise<string[]> {
    return this.call({ id: 0, kind: 'apply', netns, ops }) as Promise<string[]>;
  }
  links(netns?: string): Promise<LinkInfo[]> {
    return this.call({ id: 0, kind: 'links', netns }) as Promise<LinkInfo[]>;
  }
  addresses(netns?: string): Promise<AddrInfo[]> {
    return this.call({ id: 0, kind: 'addresses', netns }) as Promise<AddrInfo[]>;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private call(msg: ToWorker): Promise<unknown> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) w.ref();
      w.postMessage({ ...msg, id });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./netns-worker.ts', import.meta.url));
    w.unref();
    w.on('message', (m: FromWorker) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (m.ok) p.resolve(m.value);
      // The errno name stays readable as `code` (errnoCode()), as on Node's own errors.
      else p.reject(Object.assign(systemError(m.message), { code: m.code }));
    });
    const gone = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', (err) => gone(systemError(`network namespace worker failed: ${err.message}`, err)));
    w.on('exit', (code) => gone(systemError(`network namespace worker exited (code ${code})`)));
    this.worker = w;
    return w;
  }
}
