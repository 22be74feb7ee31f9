// GET /volumes with its filters, POST /volumes/prune and the volumes of /system/df (moby's
// volume service: filters dangling, driver, label, name; prune takes label, label! and all).
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, invalidParameter } from '../lib/errors.ts';
import { matchLabels } from '../lib/filters.ts';
import type { VolumeRecord } from './records.ts';
import type { VolumeService } from './service.ts';
import { ANONYMOUS_LABEL, type Volume, type VolumeListResponse, type VolumePruneResponse } from './types.ts';

const LIST_FILTERS = new Set(['dangling', 'driver', 'label', 'name']);
const PRUNE_FILTERS = new Set(['label', 'label!', 'all']);

/** Go's strconv.ParseBool, as the filters read booleans; undefined when it is none. */
function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** moby's filters.Match: each value is a regular expression tried against the name. */
function matchesName(name: string, patterns: string[] | undefined): boolean {
  if (!patterns || patterns.length === 0) return true;
  return patterns.some((p) => {
    try {
      return new RegExp(p).test(name);
    } catch {
      return name.includes(p);
    }
  });
}

export function listVolumes(svc: VolumeService, filters: Map<string, string[]>): VolumeListResponse {
  for (const k of filters.keys()) if (!LIST_FILTERS.has(k)) throw invalidParameter(`invalid filter '${k}'`);
  let dangling: boolean | undefined;
  const d = filters.get('dangling');
  if (d && d.length > 0) {
    const wantTrue = d.some((v) => v === 'true' || v === '1');
    if (!wantTrue && !d.some((v) => v === 'false' || v === '0')) throw invalidParameter(`invalid filter 'dangling=[${d.join(' ')}]'`);
    dangling = wantTrue;
  }
  const drivers = filters.get('driver');
  const out: Volume[] = [];
  for (const rec of svc.records.all()) {
    if (drivers && drivers.length > 0 && !drivers.includes(rec.driver)) continue;
    if (!matchesName(rec.name, filters.get('name'))) continue;
    if (!matchLabels(rec.labels ?? {}, filters.get('label'))) continue;
    if (dangling !== undefined && (svc.users(rec.name).length === 0) !== dangling) continue;
    out.push(svc.toApi(rec));
  }
  return { Volumes: out, Warnings: null };
}

/**
 * Removes unused volumes: only anonymous ones unless `all` (Docker 23+), and only those the
 * label filters select. SpaceReclaimed is what their data held.
 */
export async function pruneVolumes(svc: VolumeService, filters: Map<string, string[]>): Promise<VolumePruneResponse> {
  for (const k of filters.keys()) if (!PRUNE_FILTERS.has(k)) throw invalidParameter(`invalid filter '${k}'`);
  const allValues = filters.get('all') ?? [];
  const all = allValues.length === 0 ? false : allValues.length === 1 ? parseBool(allValues[0]!) : undefined;
  if (all === undefined) throw invalidParameter(`invalid filter 'all=[${allValues.join(' ')}]'`);

  const deleted: string[] = [];
  let reclaimed = 0;
  await svc.lock.run(async () => {
    // As Docker: only plain local volumes (one with mount options frees nothing here).
    for (const rec of svc.records.all().filter(plainLocal)) {
      const labels = rec.labels ?? {};
      if (!all && !(ANONYMOUS_LABEL in labels)) continue;
      if (!matchLabels(labels, filters.get('label'))) continue;
      if ((filters.get('label!') ?? []).some((l) => matchLabels(labels, [l]))) continue;
      if (svc.users(rec.name).length > 0) continue;
      const size = await volumeSize(svc, rec);
      svc.removeLocked(rec);
      deleted.push(rec.name);
      reclaimed += Math.max(0, size);
    }
  });
  svc.publishPrune(reclaimed);
  return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
}

/** A local volume without mount options: the only kind df sizes and prune removes (moby's LocalVolumesSize). */
function plainLocal(rec: VolumeRecord): boolean {
  return rec.driver === 'local' && Object.keys(rec.options ?? {}).length === 0;
}

/** /system/df's Volumes: each plain local volume with its size and the number of containers using it. */
export async function volumesDiskUsage(svc: VolumeService): Promise<Volume[]> {
  const out: Volume[] = [];
  for (const rec of svc.records.all().filter(plainLocal)) {
    out.push({ ...svc.toApi(rec), UsageData: { Size: await volumeSize(svc, rec), RefCount: svc.users(rec.name).length } });
  }
  return out;
}

/** Bytes of the files under the volume's data (hard links once, directories not counted), as moby's directory.Size. */
export async function volumeSize(svc: VolumeService, rec: VolumeRecord): Promise<number> {
  if (rec.driver !== 'local') return -1;
  return directorySize(svc.mountpoint(rec));
}

export async function directorySize(root: string): Promise<number> {
  const seen = new Set<bigint>();
  let size = 0;
  const walk = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return;
      throw err;
    }
    for (const n of names) {
      const p = join(dir, n);
      const st = await lstat(p, { bigint: true }).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) {
        await walk(p);
        continue;
      }
      if (seen.has(st.ino)) continue;
      seen.add(st.ino);
      size += Number(st.size);
    }
  };
  await walk(root);
  return size;
}
