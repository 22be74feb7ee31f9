import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { sweepOrphanCgroups } from './sweep.ts';

const root = await mkdtemp(join(tmpdir(), 'wharf-sweep-'));
after(() => rm(root, { recursive: true, force: true }));

const id = (c: string) => c.repeat(64);
const OLD = new Date(Date.now() - 3_600_000);

/** A fake cgroup directory; `procs` undefined stands for an empty one (a real cgroupfs
 * directory can be removed with its interface files in it, a plain one cannot). */
async function cgroup(hierarchy: string, name: string, procs: string | undefined, old = true): Promise<void> {
  const dir = join(root, hierarchy, 'wharf', name);
  await mkdir(dir, { recursive: true });
  if (procs !== undefined) await writeFile(join(dir, 'cgroup.procs'), procs);
  if (old) await utimes(dir, OLD, OLD);
}

it('removes only old, empty, unrecorded container cgroups, in every hierarchy', async () => {
  await cgroup('memory', id('a'), undefined); // orphan: goes
  await cgroup('cpu', id('a'), undefined); // the same orphan in another hierarchy: goes
  await cgroup('memory', id('b'), '1234\n'); // has a process: stays
  await cgroup('memory', id('c'), undefined); // has a record: stays
  await cgroup('memory', id('d'), undefined, false); // too young (maybe being created): stays
  await cgroup('memory', 'not-a-container', undefined); // not ours: stays
  await cgroup('unified', id('e'), undefined); // the cgroup2 tree too
  const mounts = { v1: { memory: join(root, 'memory'), cpu: join(root, 'cpu'), cpuacct: join(root, 'cpu') }, v2: join(root, 'unified') };
  const removed = await sweepOrphanCgroups(mounts, { parent: '/wharf', keep: new Set([id('c')]), minAgeMs: 60_000 });
  assert.deepEqual(removed.sort(), [join(root, 'cpu/wharf', id('a')), join(root, 'memory/wharf', id('a')), join(root, 'unified/wharf', id('e'))].sort());
  assert.deepEqual((await readdir(join(root, 'memory/wharf'))).sort(), [id('b'), id('c'), id('d'), 'not-a-container'].sort());
});
