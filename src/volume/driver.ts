// Volume drivers (design rule 2): the `VolumeDriver` interface and the `local` driver, which
// keeps each volume in <root>/<name>/_data. Like Docker's local driver it takes `type`,
// `device` and `o` options (mount(8)'s -t, device and -o): such a volume is mounted on its
// _data directory when a container first needs it and unmounted when the last one stops.
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, invalidParameter, messageOf, systemError } from '../lib/errors.ts';
import { mountOne, unmount } from '../host/mount.ts';
import type { FsSyscalls } from '../host/syscalls.ts';

export interface VolumeDriver {
  readonly name: string;
  /** Checks a name and options before anything is made (InvalidParameter). */
  validate(name: string, opts: Readonly<Record<string, string>>): void;
  /** Makes the volume's storage. */
  create(name: string, opts: Readonly<Record<string, string>>): void;
  /** Where the volume's data appears on the host (its Mountpoint). */
  path(name: string): string;
  /** Makes the data reachable at path() (mounts an optioned volume); idempotent. */
  mount(name: string, opts: Readonly<Record<string, string>>): void;
  /** Undoes mount(); idempotent, a no-op for plain directories. */
  unmount(name: string, opts: Readonly<Record<string, string>>): void;
  /** Removes the storage; refuses while the data is still mounted. */
  remove(name: string, opts: Readonly<Record<string, string>>): void;
  /** Names that have storage (start-up reconciliation with the records). */
  list(): string[];
}

/** Docker's names.RestrictedNamePattern: the name becomes a directory. */
const NAME_CHARS = '[a-zA-Z0-9][a-zA-Z0-9_.-]';
const NAME_RE = new RegExp(`^${NAME_CHARS}+$`);
const VALID_OPTS = new Set(['type', 'device', 'o', 'size']);
const MANDATORY: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

export class LocalDriver implements VolumeDriver {
  readonly name = 'local';
  readonly root: string;
  private readonly sys: FsSyscalls;

  constructor(root: string, sys: FsSyscalls) {
    this.root = root;
    this.sys = sys;
    mkdirSync(root, { recursive: true, mode: 0o701 });
  }

  validate(name: string, opts: Readonly<Record<string, string>>): void {
    if (name.length === 1) throw invalidParameter('volume name is too short, names should be at least two alphanumeric characters');
    if (!NAME_RE.test(name)) {
      throw invalidParameter(
        `${JSON.stringify(name)} includes invalid characters for a local volume name, only ${JSON.stringify(NAME_CHARS)} are allowed. If you intended to pass a host directory, use absolute path`,
      );
    }
    for (const key of Object.keys(opts)) if (!VALID_OPTS.has(key)) throw invalidParameter(`invalid option: ${JSON.stringify(key)}`);
    for (const [key, required] of Object.entries(MANDATORY)) {
      if (!(key in opts)) continue;
      for (const r of required) if (!(r in opts)) throw invalidParameter(`missing required option: ${JSON.stringify(r)}`);
    }
    // No project quotas here (Docker needs xfs/ext4 prjquota for `size`).
    if (opts['size']) throw invalidParameter('quota size requested but no quota support');
  }

  create(name: string): void {
    mkdirSync(join(this.root, name), { mode: 0o755 });
    mkdirSync(this.path(name), { mode: 0o755 });
  }

  path(name: string): string {
    return join(this.root, name, '_data');
  }

  mount(name: string, opts: Readonly<Record<string, string>>): void {
    if (!needsMount(opts) || isMounted(this.path(name))) return;
    const options = (opts['o'] ?? '').split(',').filter((o) => o !== '');
    try {
      mountOne(this.sys, { type: opts['type'] === 'none' ? '' : (opts['type'] ?? ''), source: opts['device'] ?? '', options }, this.path(name));
    } catch (err) {
      throw systemError(`failed to mount local volume: mount ${opts['device'] ?? ''}:${this.path(name)}: ${messageOf(err).replace(/password=[^,]*/, 'password=********')}`, err);
    }
  }

  unmount(name: string, opts: Readonly<Record<string, string>>): void {
    if (!needsMount(opts)) return;
    const path = this.path(name);
    for (let i = 0; i < 4 && isMounted(path); i++) {
      try {
        unmount(this.sys, path);
      } catch (err) {
        if (errnoCode(err) === 'EBUSY') unmount(this.sys, path, true);
        else if (errnoCode(err) !== 'EINVAL') throw systemError(`unmount ${path}: ${messageOf(err)}`, err);
      }
    }
  }

  remove(name: string, opts: Readonly<Record<string, string>>): void {
    this.unmount(name, opts);
    // Never recurse through a mount (an `o=bind` volume would lose the host's files).
    if (isMounted(this.path(name))) throw systemError(`remove ${name}: its data directory is still mounted`);
    rmSync(join(this.root, name), { recursive: true, force: true });
  }

  list(): string[] {
    try {
      return readdirSync(this.root).filter((n) => NAME_RE.test(n) && isDir(join(this.root, n)));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  }
}

export function needsMount(opts: Readonly<Record<string, string>>): boolean {
  return Boolean(opts['type'] || opts['device']);
}

function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** True when `path` is a mount point in our mount namespace (/proc/self/mountinfo). */
export function isMounted(path: string): boolean {
  const escaped = path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === escaped);
}
