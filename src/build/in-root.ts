// Paths inside a build container's mounted rootfs, resolved as the container would see them:
// the project's one mechanism for untrusted roots (host/inroot: openat2 IN_ROOT), so that
// symlinks in the image (an absolute one included) never lead outside it.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { O_DIRECTORY, O_PATH } from '../host/openat2.ts';
import { followSymlinksInScope } from '../host/inroot/resolve.ts';

/** Runs `fn` with an O_PATH descriptor of `rootfs`. */
export function withRoot<T>(rootfs: string, fn: (root: number) => T): T {
  const fd = openSync(rootfs, O_PATH | O_DIRECTORY);
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

/** The host path for `path` (inside the image) with every symlink on it followed in the image. */
export function resolveInRoot(rootfs: string, path: string): string {
  return join(rootfs, withRoot(rootfs, (fd) => followSymlinksInScope(fd, path)));
}
