// Paths inside an image's root filesystem, resolved the way the container would see them:
// symlinks followed relative to the root (an absolute link starts again at the root), `..`
// never above it. Used on a build container's mounted rootfs, where nothing else runs.
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidParameter } from '../lib/errors.ts';

const MAX_LINKS = 255;

/**
 * The host path for `path` (absolute, inside the image) under `root`, every symlink followed;
 * components that do not exist yet are kept as they are.
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  const pending = path.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const c = pending.shift()!;
    if (c === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, c);
    const st = await lstat(host).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw invalidParameter(`too many levels of symbolic links resolving ${path}`);
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
      continue;
    }
    done.push(c);
  }
  return join(root, ...done);
}
