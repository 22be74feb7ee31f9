// A container's mounts at create (moby's registerMountPoints + the anonymous volumes of
// createContainerOSSpecificSettings): --volumes-from first, then -v binds and --mount
// entries (which override them, never each other: "Duplicate mount point"), then
// Config.Volumes (`-v /path` and the image's VOLUMEs) as anonymous volumes where nothing is
// mounted yet. Everything is parsed before any volume is made; what this create made is
// removed again if it fails. The result is ContainerRecord.mountPoints, whose Source is the
// host path to bind (the contract archive/cp relies on).
import { invalidParameter, isKind, messageOf } from '../lib/errors.ts';
import type { ContainerMount, MountDetails } from '../container/model.ts';
import type { HostConfig } from '../container/types.ts';
import { cleanPath, mergeTmpfsOptions, type ParsedMount, parseBind, parseMountSpec, parseVolumesFrom, tmpfsData } from './parse.ts';
import type { VolumeService } from './service.ts';
import type { Mount } from './types.ts';
import type { FsSyscalls } from '../host/syscalls.ts';
import { copyUp } from './copyup.ts';

export interface MountResolveDeps {
  volumes: VolumeService;
  /** Another container's resolved mounts (--volumes-from); NotFound when there is none. */
  containerMounts(ref: string): ContainerMount[];
  /** An image for `type=image`: its ID and top layer; NotFound when there is none. */
  image(ref: string): { id: string; layer: string | null };
  /** The daemon's data root: binds of it (or of a parent) get rslave propagation. */
  daemonRoot: string;
}

/** A new or empty volume to fill from the image's directory at `destination`. */
export interface CopyUp {
  volume: string;
  destination: string;
  /** From Config.Volumes: an image file at the destination is an error, as in Docker. */
  anonymousConfig: boolean;
}

export interface ResolvedMounts {
  mountPoints: ContainerMount[];
  /** Anonymous volumes this create made: removed again when the create fails (named ones stay, as in Docker). */
  created: string[];
  copies: CopyUp[];
}

const duplicate = (dest: string) => invalidParameter(`Duplicate mount point: ${dest}`);

interface Planned {
  parsed: ParsedMount;
  /** Set for --volumes-from entries: the other container's mount as it is. */
  inherited?: ContainerMount;
  fromConfig?: boolean;
  createSource?: boolean;
}

/** Parses and checks every mount; no side effects. */
function plan(deps: MountResolveDeps, h: HostConfig, configVolumes: Record<string, unknown> | null | undefined): Map<string, Planned> {
  const points = new Map<string, Planned>();
  for (const spec of h.VolumesFrom ?? []) {
    const { container, mode } = parseVolumesFrom(spec);
    const rw = !mode.split(',').includes('ro');
    let from: ContainerMount[];
    try {
      from = deps.containerMounts(container);
    } catch (err) {
      // dockerd answers 400 here, not the lookup's 404.
      throw isKind(err, 'NotFound') ? invalidParameter(messageOf(err)) : err;
    }
    for (const m of from) {
      const inherited: ContainerMount = { ...m, Mode: '', RW: m.RW && rw };
      const parsed = fromRecord(inherited);
      points.set(m.Destination, { parsed, inherited });
    }
  }
  for (const [dest, opts] of Object.entries(h.Tmpfs ?? {})) {
    if (cleanPath(dest) === '/') throw invalidParameter("invalid specification: destination can't be '/'");
    if (!dest.startsWith('/')) throw invalidParameter(`invalid mount path: '${dest}' mount path must be absolute`);
    mergeTmpfsOptions(opts.split(',').filter((o) => o !== ''));
  }
  const tmpfs = new Set(Object.keys(h.Tmpfs ?? {}).map(cleanPath));
  const taken = new Set<string>();
  for (const raw of h.Binds ?? []) {
    const p = parseBind(raw, h.VolumeDriver ?? '');
    daemonRootPropagation(p, deps.daemonRoot);
    if (taken.has(p.destination) || tmpfs.has(p.destination)) throw duplicate(p.destination);
    taken.add(p.destination);
    points.set(p.destination, { parsed: p, createSource: p.type === 'bind' });
  }
  for (const m of (h.Mounts ?? []) as Mount[]) {
    const p = parseMountSpec(m);
    daemonRootPropagation(p, deps.daemonRoot);
    if (taken.has(p.destination) || tmpfs.has(p.destination)) throw duplicate(m.Target ?? '');
    if (p.type === 'tmpfs') mergeTmpfsOptions(tmpfsData(p.spec).split(',').filter((o) => o !== ''));
    taken.add(p.destination);
    points.set(p.destination, { parsed: p });
  }
  for (const raw of Object.keys(configVolumes ?? {})) {
    const dest = cleanPath(raw);
    if (points.has(dest) || tmpfs.has(dest)) continue; // not an error: it may come from the image
    if (!dest.startsWith('/')) throw invalidParameter(`invalid mount path: '${raw}' mount path must be absolute`);
    if (dest === '/') throw invalidParameter("invalid specification: destination can't be '/'");
    const parsed: ParsedMount = {
      type: 'volume', name: '', source: '', destination: dest, driver: h.VolumeDriver ?? '',
      mode: '', rw: true, propagation: '', copyData: true, spec: { Type: 'volume', Target: dest },
    };
    points.set(dest, { parsed, fromConfig: true });
  }
  return points;
}

/**
 * moby's validateBindDaemonRoot: a bind of the data root, or of a directory holding it, must
 * not let the container's mounts propagate back (rslave unless rshared/rslave was asked).
 */
function daemonRootPropagation(p: ParsedMount, root: string): void {
  if (p.type !== 'bind' || (!p.source.startsWith(root) && !root.startsWith(p.source))) return;
  const asked = p.spec.BindOptions?.Propagation ?? '';
  if (asked === '') p.propagation = 'rslave';
  else if (asked !== 'rslave' && asked !== 'rshared') {
    throw invalidParameter(
      `invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: ${JSON.stringify(root)}, bind mount source: ${JSON.stringify(p.source)}, propagation: ${JSON.stringify(asked)}`,
    );
  }
}

function fromRecord(m: ContainerMount): ParsedMount {
  return {
    type: m.Type as ParsedMount['type'], name: m.Name ?? '', source: m.Source, destination: m.Destination,
    driver: m.Driver ?? '', mode: m.Mode, rw: m.RW, propagation: m.Propagation, copyData: false, spec: {},
  };
}

/**
 * Resolves a new container's mounts (the caller holds volumes.lock): parses
 * everything, then gets or creates the volumes (anonymous ones labelled as such).
 */
export function resolveMounts(deps: MountResolveDeps, h: HostConfig, configVolumes: Record<string, unknown> | null | undefined): ResolvedMounts {
  const points = plan(deps, h, configVolumes);
  const images = new Map<string, { id: string; layer: string | null }>();
  for (const { parsed } of points.values()) if (parsed.type === 'image') images.set(parsed.destination, deps.image(parsed.source));
  for (const { parsed } of points.values()) if (parsed.type === 'volume') deps.volumes.checkDriver(parsed.name, parsed.driver); // nothing made yet

  const out: ResolvedMounts = { mountPoints: [], created: [], copies: [] };
  try {
    for (const { parsed: p, inherited, fromConfig, createSource } of points.values()) {
      if (inherited) {
        if (inherited.Type === 'volume' && inherited.Name) deps.volumes.get(inherited.Name);
        out.mountPoints.push(inherited);
        continue;
      }
      const details: MountDetails = {};
      const mp: ContainerMount = { Type: p.type, Source: p.source, Destination: p.destination, Mode: p.mode, RW: p.rw, Propagation: p.propagation };
      if (p.type === 'volume') {
        const vo = p.spec.VolumeOptions;
        const existed = p.name !== '' && deps.volumes.records.get(p.name) !== undefined;
        const rec = deps.volumes.createLocked(p.name, p.driver, vo?.DriverConfig?.Options ?? null, vo?.Labels ?? null);
        if (!existed && p.name === '') out.created.push(rec.name);
        mp.Name = rec.name;
        mp.Source = deps.volumes.mountpoint(rec);
        mp.Driver = rec.driver;
        // moby's setBindModeIfNull: -v/--mount volumes of the local driver show "z".
        if (!fromConfig && mp.Mode === '' && rec.driver === 'local') mp.Mode = 'z';
        if (p.name === '') details.anonymous = true;
        if (vo?.Subpath) details.subpath = vo.Subpath;
        else if (p.copyData) out.copies.push({ volume: rec.name, destination: p.destination, anonymousConfig: fromConfig === true });
      } else if (p.type === 'bind') {
        const b = p.spec.BindOptions;
        if (createSource || b?.CreateMountpoint) details.createSource = true;
        if (b?.NonRecursive) details.nonRecursive = true;
        if (b?.ReadOnlyNonRecursive) details.readOnlyNonRecursive = true;
        if (b?.ReadOnlyForceRecursive) details.readOnlyForceRecursive = true;
      } else if (p.type === 'tmpfs') {
        details.tmpfsData = tmpfsData(p.spec);
      } else if (p.type === 'image') {
        const img = images.get(p.destination)!;
        details.imageId = img.id;
        details.layer = img.layer;
        if (p.spec.ImageOptions?.Subpath) details.imageSubpath = p.spec.ImageOptions.Subpath;
      }
      if (Object.keys(details).length > 0) mp.Details = details;
      out.mountPoints.push(mp);
    }
  } catch (err) {
    undoCreated(deps.volumes, out.created);
    throw err;
  }
  return out;
}

/** Copy-up for a new container whose rootfs is mounted at `rootfs` (optioned volumes are mounted meanwhile). */
export async function fillVolumes(volumes: VolumeService, sys: FsSyscalls, rootfs: string, copies: readonly CopyUp[], containerId: string): Promise<void> {
  for (const c of copies) {
    const path = volumes.activate(c.volume, containerId);
    try {
      await copyUp(sys, rootfs, c.destination, path, c.anonymousConfig);
    } finally {
      volumes.release(c.volume, containerId);
    }
  }
}

/** Removes volumes a failed create made (the caller holds volumes.lock). */
export function undoCreated(volumes: VolumeService, names: readonly string[]): void {
  for (const name of names) {
    const rec = volumes.records.get(name);
    if (rec && volumes.users(name).length === 0) volumes.removeLocked(rec, true);
  }
}

/** Names of the anonymous volumes among a container's mounts (`rm -v` removes them). */
export function anonymousVolumes(mounts: readonly ContainerMount[]): string[] {
  return mounts.filter((m) => m.Type === 'volume' && m.Details?.anonymous && m.Name).map((m) => m.Name!);
}

/** Inspect's Mounts: the API fields only, Name and Driver omitted when empty. */
export function mountsForApi(mounts: readonly ContainerMount[]): ContainerMount[] {
  return mounts.map((m) => ({
    Type: m.Type,
    ...(m.Name ? { Name: m.Name } : {}),
    Source: m.Source,
    Destination: m.Destination,
    ...(m.Driver ? { Driver: m.Driver } : {}),
    Mode: m.Mode,
    RW: m.RW,
    Propagation: m.Propagation,
  }));
}
