// Docker's Linux mount parser (moby volume/mounts/linux_parser.go): `-v` specs
// ("src:dst[:mode]"), HostConfig.Mounts entries, --volumes-from specs and tmpfs options,
// each checked with Docker's messages. Pure, except that a --mount bind's source must exist.
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { invalidParameter } from '../lib/errors.ts';
import type { Mount } from './types.ts';

export type MountType = 'bind' | 'volume' | 'tmpfs' | 'image';

/** A parsed mount (moby's MountPoint before its volume is looked up). */
export interface ParsedMount {
  type: MountType;
  /** Volume name ('' for an anonymous volume). */
  name: string;
  /** Bind: host path; image: the image reference. */
  source: string;
  destination: string;
  /** Volume driver asked for ('' = the default). */
  driver: string;
  mode: string;
  rw: boolean;
  propagation: string;
  /** Fill a new volume from the image's directory (not `nocopy`). */
  copyData: boolean;
  /** The request as a Mount (moby's MountPoint.Spec). */
  spec: Mount;
}

const RW_MODES = new Set(['rw', 'ro']);
const LABEL_MODES = new Set(['z', 'Z']);
const PROPAGATION = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared']);
const COPY_MODES = new Set(['nocopy']);
const CONSISTENCY = new Set(['consistent', 'cached', 'delegated']);
const DEFAULT_PROPAGATION = 'rprivate';

const invalidSpec = (raw: string) => `invalid volume specification: '${raw}'`;
const mountConfig = (m: Mount, msg: string) => invalidParameter(`invalid mount config for type ${JSON.stringify(m.Type ?? '')}: ${msg}`);

export function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = [0, 0, 0, 0, 0];
  for (const o of mode.split(',')) {
    const i = RW_MODES.has(o) ? 0 : LABEL_MODES.has(o) ? 1 : PROPAGATION.has(o) ? 2 : COPY_MODES.has(o) ? 3 : CONSISTENCY.has(o) ? 4 : -1;
    if (i < 0) return false;
    counts[i]!++;
  }
  return counts.every((n) => n <= 1);
}

const modeHas = (mode: string, set: Set<string>) => mode.split(',').find((o) => set.has(o));

/** Go's filepath.IsLocal: relative, non-empty, never climbing above its root. */
export function isLocalPath(p: string): boolean {
  if (p === '' || p.startsWith('/')) return false;
  const clean = posix.normalize(p);
  return clean !== '..' && !clean.startsWith('../');
}

export function cleanPath(p: string): string {
  const c = posix.normalize(p);
  return c.length > 1 && c.endsWith('/') ? c.slice(0, -1) : c;
}

/** One `-v`/Binds entry. Bind sources need not exist (they are made at start). */
export function parseBind(raw: string, volumeDriver: string): ParsedMount {
  const arr = raw.split(':');
  if (arr.length > 3) arr.splice(3, arr.length, arr.slice(3).join(':'));
  if (arr[0] === '') throw invalidParameter(invalidSpec(raw));
  const spec: Mount = {};
  let mode = '';
  if (arr.length === 1) spec.Target = arr[0]!;
  else if (arr.length === 2) {
    if (validMountMode(arr[1]!)) throw invalidParameter(invalidSpec(raw)); // "/foo:rw" is no volume
    spec.Source = arr[0]!;
    spec.Target = arr[1]!;
  } else if (arr.length === 3) {
    spec.Source = arr[0]!;
    spec.Target = arr[1]!;
    mode = arr[2]!;
  } else throw invalidParameter(invalidSpec(raw));
  if (!validMountMode(mode)) throw invalidParameter(`invalid mode: ${mode}`);
  spec.Type = spec.Source?.startsWith('/') ? 'bind' : 'volume';
  spec.ReadOnly = mode.split(',').includes('ro');
  if (volumeDriver && spec.Type === 'volume') spec.VolumeOptions = { DriverConfig: { Name: volumeDriver } };
  if (modeHas(mode, COPY_MODES)) spec.VolumeOptions = { ...spec.VolumeOptions, NoCopy: true };
  const prop = modeHas(mode, PROPAGATION);
  if (prop) spec.BindOptions = { Propagation: prop };
  try {
    const mp = parseMountSpec(spec, false);
    mp.mode = mode;
    return mp;
  } catch (err) {
    throw invalidParameter(`${invalidSpec(raw)}: ${(err as Error).message}`);
  }
}

/** Checks a HostConfig.Mounts entry (moby's validateMountConfigImpl) and parses it. */
export function parseMountSpec(m: Mount, checkBindSource = true): ParsedMount {
  const target = m.Target ?? '';
  if (target === '') throw mountConfig(m, 'field Target must not be empty');
  if (cleanPath(target) === '/') throw mountConfig(m, "invalid specification: destination can't be '/'");
  if (!target.startsWith('/')) throw mountConfig(m, `invalid mount path: '${target}' mount path must be absolute`);
  const extra = (field: keyof Mount) => {
    if (m[field] !== undefined && m[field] !== null) throw mountConfig(m, `field ${field} must not be specified`);
  };
  const source = m.Source ?? '';
  const out: ParsedMount = {
    type: (m.Type ?? '') as MountType,
    name: '',
    source: '',
    destination: cleanPath(target),
    driver: '',
    mode: '',
    rw: !m.ReadOnly,
    propagation: '',
    copyData: true,
    spec: m,
  };
  switch (m.Type) {
    case 'bind': {
      if (source === '') throw mountConfig(m, 'field Source must not be empty');
      extra('VolumeOptions');
      extra('TmpfsOptions');
      extra('ImageOptions');
      const b = m.BindOptions;
      if (b?.Propagation && !PROPAGATION.has(b.Propagation)) throw mountConfig(m, `invalid propagation mode: ${b.Propagation}`);
      if (b?.ReadOnlyNonRecursive && !m.ReadOnly) throw mountConfig(m, 'option ReadOnlyNonRecursive requires ReadOnly');
      if (b?.ReadOnlyForceRecursive) {
        if (!m.ReadOnly) throw mountConfig(m, 'option ReadOnlyForceRecursive requires ReadOnly');
        if (b.ReadOnlyNonRecursive) throw mountConfig(m, 'option ReadOnlyForceRecursive conflicts with ReadOnlyNonRecursive');
      }
      if (!source.startsWith('/')) throw mountConfig(m, `invalid mount path: '${source}' mount path must be absolute`);
      if (checkBindSource && !b?.CreateMountpoint && !existsSync(source)) throw mountConfig(m, `bind source path does not exist: ${source}`);
      out.source = cleanPath(source);
      out.propagation = b?.Propagation || DEFAULT_PROPAGATION;
      break;
    }
    case 'volume': {
      extra('BindOptions');
      extra('TmpfsOptions');
      extra('ImageOptions');
      const anonymous = source === '';
      const sub = m.VolumeOptions?.Subpath ?? '';
      if (sub !== '') {
        if (anonymous) throw mountConfig(m, 'must not set Subpath when using anonymous volumes');
        if (!isLocalPath(sub)) throw mountConfig(m, 'subpath must be a relative path within the volume');
      }
      if (m.ReadOnly && anonymous) throw mountConfig(m, 'must not set ReadOnly mode when using anonymous volumes');
      out.name = source;
      out.driver = m.VolumeOptions?.DriverConfig?.Name ?? '';
      out.copyData = !m.VolumeOptions?.NoCopy;
      break;
    }
    case 'tmpfs':
      extra('BindOptions');
      extra('VolumeOptions');
      extra('ImageOptions');
      if (source !== '') throw mountConfig(m, 'field Source must not be specified');
      tmpfsData(m);
      break;
    case 'image': {
      extra('BindOptions');
      extra('VolumeOptions');
      extra('TmpfsOptions');
      if (source === '') throw mountConfig(m, 'field Source must not be empty');
      const sub = m.ImageOptions?.Subpath ?? '';
      if (sub !== '' && !isLocalPath(sub)) throw mountConfig(m, 'subpath must be a relative path within the image');
      out.source = source;
      out.propagation = DEFAULT_PROPAGATION;
      out.rw = false; // an image is only ever mounted read-only
      break;
    }
    default:
      throw mountConfig(m, 'mount type unknown');
  }
  return out;
}

/** --volumes-from "container[:ro|rw]": the container and its mode ("rw" by default). */
export function parseVolumesFrom(spec: string): { container: string; mode: string } {
  if (spec === '') throw invalidParameter('volumes-from specification cannot be an empty string');
  const colon = spec.indexOf(':');
  const container = colon < 0 ? spec : spec.slice(0, colon);
  const mode = colon < 0 ? '' : spec.slice(colon + 1);
  if (mode === '') return { container, mode: 'rw' };
  if (!validMountMode(mode) || modeHas(mode, PROPAGATION) || modeHas(mode, COPY_MODES)) throw invalidParameter(`invalid mode: ${mode}`);
  return { container, mode };
}

/** TmpfsOptions as mount data (moby's ConvertTmpfsOptions): "ro", "mode=1777", "size=64m", exec. */
export function tmpfsData(m: Mount): string {
  const out: string[] = [];
  if (m.ReadOnly) out.push('ro');
  const t = m.TmpfsOptions;
  if (t?.Mode) out.push(`mode=${t.Mode.toString(8)}`);
  if (t?.SizeBytes) {
    let size = t.SizeBytes;
    let suffix = '';
    for (const [s, d] of [['g', 2 ** 30], ['m', 2 ** 20], ['k', 2 ** 10]] as const) {
      if (size % d === 0) {
        size /= d;
        suffix = s;
        break;
      }
    }
    out.push(`size=${size}${suffix}`);
  }
  for (const o of t?.Options ?? []) {
    if (o.length < 1 || o.length > 2) throw mountConfig(m, 'invalid option array length');
    if (o[0] !== 'exec' && o[0] !== 'noexec') throw mountConfig(m, `invalid option: ${o[0] ?? ''}`);
    out.push(o.length === 1 ? o[0] : `${o[0]}=${o[1]}`);
  }
  return out.join(',');
}

const TMPFS_DATA = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);
/** mount(2) flags that cancel each other share a key (moby's mount.MergeTmpfsOptions). */
const FLAG_KEYS: Record<string, string> = {
  ro: 'rdonly', rw: 'rdonly', suid: 'nosuid', nosuid: 'nosuid', dev: 'nodev', nodev: 'nodev',
  exec: 'noexec', noexec: 'noexec', sync: 'sync', async: 'sync', dirsync: 'dirsync', remount: 'remount',
  mand: 'mand', nomand: 'mand', atime: 'noatime', noatime: 'noatime', diratime: 'nodiratime', nodiratime: 'nodiratime',
  relatime: 'relatime', norelatime: 'relatime', strictatime: 'strictatime', nostrictatime: 'strictatime',
  private: 'propagation', rprivate: 'propagation', shared: 'propagation', rshared: 'propagation',
  slave: 'propagation', rslave: 'propagation', unbindable: 'propagation', runbindable: 'propagation',
};

/** Later options win over earlier ones of the same kind; unknown data options are an error. */
export function mergeTmpfsOptions(options: readonly string[]): string[] {
  const flags = new Set<string>();
  const data = new Set<string>();
  const out: string[] = [];
  for (let i = options.length - 1; i >= 0; i--) {
    const o = options[i]!;
    if (o === 'defaults') continue;
    const key = FLAG_KEYS[o];
    if (key) {
      if (!flags.has(key)) out.unshift(o);
      flags.add(key);
      continue;
    }
    const eq = o.indexOf('=');
    const name = eq < 0 ? o : o.slice(0, eq);
    if (eq < 0 || !TMPFS_DATA.has(name)) throw invalidParameter(`invalid tmpfs option ["${eq < 0 ? o : `${name}" "${o.slice(eq + 1)}`}"]`);
    if (!data.has(name)) out.unshift(o);
    data.add(name);
  }
  return out;
}
