// One object of an untrusted tree as tar members (lib/tar/writer.ts's packTar input): a file,
// a symlink (as itself) or a directory with everything under it, named from `name` on, as
// Docker's archive of a container path. The walk holds a descriptor per level and opens each
// child by name with O_NOFOLLOW, so a symlink swapped in by a process inside is archived as
// a symlink, never followed. Kernel filesystems (proc, sysfs) show as empty directories.
import { closeSync, openSync, read, readdirSync, type BigIntStats } from 'node:fs';
import { promisify } from 'node:util';
import { errnoCode } from '../../lib/errors.ts';
import type { TarHeaderInput, TarWriteEntry } from '../../lib/tar/writer.ts';
import { O_NONBLOCK, O_NOFOLLOW, O_PATH, O_RDONLY, fgetxattr, openat, readlinkat } from '../openat2.ts';
import { onPseudoFs, statFd } from './resolve.ts';

const readAsync = promisify(read);
const CHUNK = 1 << 20;

export interface PackOptions {
  /** Member name of the object itself ("etc", ".", "/"); children are "<name>/<child>". */
  name: string;
  /** Told about what could not be archived as it was (vanished files, truncated reads). */
  warn?: (message: string) => void;
}

/** Tar members for the object `fd` (an O_PATH descriptor, opened without following) holds. */
export async function* packObject(fd: number, st: BigIntStats, opts: PackOptions): AsyncGenerator<TarWriteEntry> {
  const links = new Map<string, string>();
  yield* member(fd, st, opts.name, links, opts);
}

async function* member(fd: number, st: BigIntStats, name: string, links: Map<string, string>, opts: PackOptions): AsyncGenerator<TarWriteEntry> {
  const h: TarHeaderInput = {
    name,
    type: 'file',
    mode: Number(st.mode) & 0o7777,
    uid: Number(st.uid),
    gid: Number(st.gid),
    // Whole seconds, as Docker's archives (Truncate(time.Second)).
    mtime: { sec: Number(st.mtimeNs / 1_000_000_000n), nsec: 0 },
  };
  if (st.isDirectory()) {
    yield { header: { ...h, type: 'directory' } };
    if (!onPseudoFs(fd)) yield* children(fd, name, links, opts);
  } else if (st.isSymbolicLink()) {
    yield { header: { ...h, type: 'symlink', linkname: readlinkat(fd, '') } };
  } else if (st.isFile()) {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1n ? links.get(key) : undefined;
    if (first !== undefined) {
      yield { header: { ...h, type: 'hardlink', linkname: first } };
      return;
    }
    if (st.nlink > 1n) links.set(key, name);
    if (onPseudoFs(fd)) return; // /proc/... files: sizes lie and reads reach the kernel
    try {
      const cap = withReadFd(fd, (rfd) => fgetxattr(rfd, 'security.capability'));
      if (cap) h.xattrs = new Map([['security.capability', cap]]);
    } catch {
      // filesystems without xattrs
    }
    const size = Number(st.size);
    yield { header: { ...h, size }, body: fileBody(fd, size, name, opts) };
  } else if (st.isCharacterDevice() || st.isBlockDevice()) {
    const r = st.rdev; // glibc's major()/minor()
    const devmajor = Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn));
    const devminor = Number((r & 0xffn) | ((r >> 12n) & 0xffffff00n));
    yield { header: { ...h, type: st.isCharacterDevice() ? 'char' : 'block', devmajor, devminor } };
  } else if (st.isFIFO()) {
    yield { header: { ...h, type: 'fifo' } };
  }
  // sockets are left out, as Docker's archive package does
}

async function* children(dirFd: number, prefix: string, links: Map<string, string>, opts: PackOptions): AsyncGenerator<TarWriteEntry> {
  let names: Buffer[];
  try {
    names = readdirSync(`/proc/self/fd/${dirFd}`, { encoding: 'buffer' });
  } catch (err) {
    opts.warn?.(`${prefix}: cannot list: ${errnoCode(err) ?? err}`);
    return;
  }
  names.sort(Buffer.compare); // Go's Walk order: byte-wise
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  for (const raw of names) {
    const child = raw.toString('utf8');
    if (!Buffer.from(child, 'utf8').equals(raw)) {
      opts.warn?.(`${base}${child}: name is not UTF-8, left out`);
      continue;
    }
    let fd: number;
    try {
      fd = openat(dirFd, child, O_PATH | O_NOFOLLOW);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue; // removed while we walked
      throw err;
    }
    try {
      yield* member(fd, statFd(fd), base + child, links, opts);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Reopens the file an O_PATH descriptor holds for reading: through our own /proc/self/fd,
 * which reaches exactly the pinned inode. O_NONBLOCK so nothing could ever stall the open.
 */
function openForRead(pathFd: number): number {
  return openSync(`/proc/self/fd/${pathFd}`, O_RDONLY | O_NONBLOCK);
}

function withReadFd<T>(pathFd: number, fn: (fd: number) => T): T {
  const fd = openForRead(pathFd);
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Exactly `size` bytes of the file, zero-padded if it shrank while being read. Opened on
 * first read (while the walk still holds `pathFd`), so an abandoned body leaks nothing.
 */
async function* fileBody(pathFd: number, size: number, name: string, opts: PackOptions): AsyncGenerator<Uint8Array> {
  if (size === 0) return;
  const fd = openForRead(pathFd);
  try {
    let left = size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
      const { bytesRead } = await readAsync(fd, buf, 0, buf.length, size - left);
      if (bytesRead === 0) {
        opts.warn?.(`${name}: file shrank while being archived; padded with zeros`);
        yield Buffer.alloc(left);
        return;
      }
      left -= bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    closeSync(fd);
  }
}
