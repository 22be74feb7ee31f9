// Copy-up: a new (empty) volume mounted over a directory of the image starts with that
// directory's content, as Docker's copyExistingContents does (containerd's fs.CopyDir):
// owners, modes (set after the owner, which clears set-id bits), extended attributes (their
// errors allowed), timestamps with nanoseconds, symlinks as symlinks, hard links as links,
// device nodes and fifos. The volume's root takes the image directory's owner and mode.
import { copyFile, constants, link, lstat, lchown, chmod, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { type BigIntStats, constants as fsc, openSync } from 'node:fs';
import { followSymlinksInScope, withFd } from '../host/inroot/resolve.ts';
import { O_PATH } from '../host/openat2.ts';
import { join } from 'node:path';
import { errnoCode, invalidParameter } from '../lib/errors.ts';
import type { FsSyscalls, Timespec } from '../host/syscalls.ts';

/** Whether a directory has no entries (a missing one counts as empty). */
export async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return true;
    throw err;
  }
}

/**
 * Fills `volumeDir` from `destination` in the rootfs at `root`, if the volume is empty and
 * the image has a directory there. An image file where an anonymous volume of the image's
 * own config goes is Docker's "cannot mount volume over existing file" error.
 */
export async function copyUp(sys: FsSyscalls, root: string, destination: string, volumeDir: string, fileIsError: boolean): Promise<void> {
  const src = join(root, withFd(openSync(root, O_PATH | fsc.O_DIRECTORY), (fd) => followSymlinksInScope(fd, destination)));
  const st = await lstat(src, { bigint: true }).catch(() => undefined);
  if (!st) return;
  if (!st.isDirectory()) {
    if (fileIsError) throw invalidParameter(`cannot mount volume over existing file, file exists ${src}`);
    return;
  }
  if (!(await isEmptyDir(volumeDir))) return;
  await new TreeCopier(sys).copyDir(src, volumeDir, st);
}

function timespec(ns: bigint): Timespec {
  let sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  if (nsec < 0n) {
    nsec += 1_000_000_000n;
    sec -= 1n;
  }
  return { sec: Number(sec), nsec: Number(nsec) };
}

class TreeCopier {
  private readonly sys: FsSyscalls;
  /** Source inode → first copy, for hard links. */
  private readonly inodes = new Map<string, string>();

  constructor(sys: FsSyscalls) {
    this.sys = sys;
  }

  async copyDir(src: string, dst: string, st: BigIntStats): Promise<void> {
    for (const name of await readdir(src)) {
      const s = join(src, name);
      const d = join(dst, name);
      const cst = await lstat(s, { bigint: true });
      if (cst.isDirectory()) {
        await mkdir(d, { mode: 0o700 });
        await this.copyDir(s, d, cst);
        continue;
      }
      const key = `${cst.dev}:${cst.ino}`;
      const first = cst.nlink > 1n ? this.inodes.get(key) : undefined;
      if (first) {
        await link(first, d);
        continue;
      }
      if (cst.isFile()) await copyFile(s, d, constants.COPYFILE_EXCL);
      else if (cst.isSymbolicLink()) await symlink(await readlink(s), d);
      else if (cst.isCharacterDevice() || cst.isBlockDevice() || cst.isFIFO()) {
        const rdev = cst.rdev;
        const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
        const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
        this.sys.mknod(d, Number(cst.mode), major, minor);
      } else continue; // sockets are not copied
      if (cst.nlink > 1n) this.inodes.set(key, d);
      await this.copyMeta(s, d, cst);
    }
    await this.copyMeta(src, dst, st);
  }

  private async copyMeta(src: string, dst: string, st: BigIntStats): Promise<void> {
    await lchown(dst, Number(st.uid), Number(st.gid));
    if (!st.isSymbolicLink()) await chmod(dst, Number(st.mode) & 0o7777);
    for (const name of safe(() => this.sys.llistxattr(src)) ?? []) {
      const value = safe(() => this.sys.lgetxattr(src, name));
      if (value !== undefined) safe(() => this.sys.lsetxattr(dst, name, value));
    }
    this.sys.lutimensat(dst, timespec(st.atimeNs), timespec(st.mtimeNs));
  }
}

/** Extended attribute errors are allowed (fs.WithAllowXAttrErrors): not every filesystem keeps them. */
function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
