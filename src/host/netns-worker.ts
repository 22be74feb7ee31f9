// The one thread that enters network namespaces (see netlink.ts): it creates them with
// unshare(2), enters existing ones with setns(2) to open an rtnetlink socket and write their
// sysctls, and always comes back to the host's namespace before answering. A thread that
// cannot come back ends itself, so nothing ever runs in the wrong namespace.
import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { errnoCode } from '../lib/errors.ts';
import { check, libc } from './libc.ts';
import { execOps, listAddresses, listLinks } from './netlink-exec.ts';
import { type FromWorker, type LinkOp, removeNetnsFile, type ToWorker } from './netlink.ts';
import { RtnlSocket } from './rtnetlink.ts';
import { MS_BIND, MS_REC, MS_SHARED } from './syscalls.ts';

const CLONE_NEWNET = 0x40000000;
const hostNs = openSync('/proc/thread-self/ns/net', constants.O_RDONLY);
let hostSock: RtnlSocket | undefined;
const sharedDirs = new Set<string>();

/** Runs fn with a socket in the namespace file `path` (or a brand-new namespace), then returns home. */
function inNetns<T>(path: string | 'new', fn: (sock: RtnlSocket) => T): T {
  const { fn: c } = libc();
  if (path === 'new') {
    check(c('int unshare(int flags)')(CLONE_NEWNET), 'unshare(CLONE_NEWNET)');
  } else {
    const fd = openSync(path, constants.O_RDONLY);
    try {
      check(c('int setns(int fd, int nstype)')(fd, CLONE_NEWNET), 'setns', path);
    } finally {
      closeSync(fd);
    }
  }
  try {
    const sock = new RtnlSocket();
    try {
      return fn(sock);
    } finally {
      sock.close();
    }
  } finally {
    if (c('int setns(int fd, int nstype)')(hostNs, CLONE_NEWNET) !== 0) process.exit(70);
  }
}

function inHost<T>(fn: (sock: RtnlSocket) => T): T {
  hostSock ??= new RtnlSocket();
  return fn(hostSock);
}

function run<T>(netns: string | undefined, fn: (sock: RtnlSocket) => T): T {
  return netns === undefined ? inHost(fn) : inNetns(netns, fn);
}

/**
 * Makes the directory of namespace files a shared mount (bound on itself first), as `ip netns`
 * does with /run/netns: an unmount there then reaches the copies other mount namespaces made.
 */
function shareDir(dir: string): void {
  if (sharedDirs.has(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  const mount = libc().fn('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)');
  const line = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === dir);
  if (line === undefined) check(mount(dir, dir, null, MS_BIND | MS_REC, null), 'mount --bind', dir);
  if (line === undefined || !line.includes(' shared:')) check(mount(null, dir, null, MS_SHARED | MS_REC, null), 'mount --make-shared', dir);
  sharedDirs.add(dir);
}

function createNetns(path: string, ops: LinkOp[]): void {
  shareDir(dirname(path));
  writeFileSync(path, '', { flag: 'wx', mode: 0o444 });
  try {
    inNetns('new', (sock) => {
      const mount = libc().fn('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)');
      check(mount('/proc/thread-self/ns/net', path, null, MS_BIND, null), 'mount --bind', path);
      execOps(sock, [{ op: 'set', link: 'lo', up: true }, ...ops]);
    });
  } catch (err) {
    removeNetnsFile(path);
    throw err;
  }
}

function releaseDir(dir: string): void {
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === dir);
  let empty = true;
  try {
    empty = readdirSync(dir).length === 0;
  } catch {
    return; // no directory: nothing mounted on it
  }
  if (!mounted || !empty) return;
  libc().fn('int umount2(const char *target, int flags)')(dir, 0); // EBUSY: something is still bound below; keep it
  sharedDirs.delete(dir);
}

function handle(m: ToWorker): unknown {
  switch (m.kind) {
    case 'createNetns':
      return createNetns(m.path, m.ops);
    case 'releaseNetnsDir':
      return releaseDir(m.dir);
    case 'apply':
      return run(m.netns, (s) => execOps(s, m.ops));
    case 'links':
      return run(m.netns, listLinks);
    case 'addresses':
      return run(m.netns, listAddresses);
  }
}

parentPort?.on('message', (m: ToWorker) => {
  let reply: FromWorker;
  try {
    reply = { id: m.id, ok: true, value: handle(m) };
  } catch (err) {
    reply = { id: m.id, ok: false, message: err instanceof Error ? err.message : String(err), code: errnoCode(err) };
  }
  parentPort?.postMessage(reply);
});
