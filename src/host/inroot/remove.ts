// Removing and creating directories inside an untrusted root, anchored at descriptors: a
// removal never follows a symlink and never descends into another filesystem (a volume or
// tmpfs mounted there is refused, not emptied); a creation resolves its parent in the root.
import { closeSync, readdirSync } from 'node:fs';
import { posix } from 'node:path';
import { errnoCode, invalidParameter } from '../../lib/errors.ts';
import { AT_REMOVEDIR, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_RDONLY, mkdirat, openat, unlinkat } from '../openat2.ts';
import { openIn, statFd, withFd } from './resolve.ts';

/** Removes `name` in the directory `dirFd`, recursively for a directory (rm -rf of one name). */
export function removeAllAt(dirFd: number, name: string, what = name): void {
  const st = withFd(openat(dirFd, name, O_PATH | O_NOFOLLOW), statFd);
  if (!st.isDirectory()) {
    unlinkat(dirFd, name);
    return;
  }
  const parentDev = statFd(dirFd).dev;
  if (st.dev !== parentDev) throw invalidParameter(`cannot remove ${what}: it is a mount point`);
  const fd = openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  try {
    for (const child of readdirSync(`/proc/self/fd/${fd}`)) removeAllAt(fd, child, `${what}/${child}`);
  } finally {
    closeSync(fd);
  }
  unlinkat(dirFd, name, AT_REMOVEDIR);
}

/**
 * An O_PATH descriptor of the directory `path` under `root`, creating what is missing (mkdir
 * -p) with `mode`. Each level is created in its parent's descriptor, resolved in the root.
 */
export function ensureDirIn(root: number, path: string, mode = 0o755): number {
  try {
    return openIn(root, path, O_PATH | O_DIRECTORY);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT' || path === '/' || path === '') throw err;
  }
  const parent = ensureDirIn(root, posix.dirname(path), mode);
  let existed = false;
  try {
    mkdirat(parent, posix.basename(path), mode);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    existed = true;
  } finally {
    closeSync(parent);
  }
  try {
    return openIn(root, path, O_PATH | O_DIRECTORY);
  } catch (err) {
    // Something is there that resolves to nothing: a symlink whose target does not exist in
    // the root (mkdir -p refuses to create through it too).
    if (existed && errnoCode(err) === 'ENOENT') throw invalidParameter(`${path} is a symbolic link to a missing directory`);
    throw err;
  }
}
