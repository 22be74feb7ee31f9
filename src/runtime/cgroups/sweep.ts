// Start-up sweep of container cgroups nobody owns: a daemon killed between a container's exit
// and its runtime `delete` leaves empty `<parent>/<id>` directories in every hierarchy. Only
// empty ones whose ID has no record and that are older than a grace period go: several
// daemons may share the parent, and a runtime creating a cgroup for a new container leaves
// it empty for a moment before moving the process in.
import { readdir, readFile, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupMounts } from './mounts.ts';

const CONTAINER_ID = /^[0-9a-f]{64}$/;

export interface SweepOptions {
  /** The cgroup parent relative to each hierarchy's root ("/wharf"). */
  parent: string;
  /** IDs that still have a record: never touched. */
  keep: ReadonlySet<string>;
  /** Directories changed more recently than this are left alone. */
  minAgeMs: number;
  now?: number;
}

/** Removes the orphaned container cgroups; returns the directories removed. */
export async function sweepOrphanCgroups(mounts: CgroupMounts, opts: SweepOptions): Promise<string[]> {
  const roots = new Set<string>(Object.values(mounts.v1));
  if (mounts.v2 !== undefined) roots.add(mounts.v2);
  const now = opts.now ?? Date.now();
  const removed: string[] = [];
  for (const root of roots) {
    const parentDir = join(root, opts.parent);
    let names: string[];
    try {
      names = await readdir(parentDir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!CONTAINER_ID.test(name) || opts.keep.has(name)) continue;
      const dir = join(parentDir, name);
      if (!(await isEmptyAndOld(dir, now - opts.minAgeMs))) continue;
      try {
        await rmdir(dir);
        removed.push(dir);
      } catch {
        // busy (a process arrived) or already gone
      }
    }
  }
  return removed;
}

async function isEmptyAndOld(dir: string, before: number): Promise<boolean> {
  try {
    if ((await stat(dir)).mtimeMs > before) return false;
    const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
    if (procs.trim() !== '') return false;
    // Child cgroups (crun's/systemd's sub-cgroups) make rmdir fail anyway; leave those.
    const entries = await readdir(dir, { withFileTypes: true });
    return !entries.some((e) => e.isDirectory());
  } catch {
    return false;
  }
}
