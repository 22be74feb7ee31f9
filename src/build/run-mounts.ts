// RUN --mount, as BuildKit reads it: type=bind (the context, or another stage's or image's
// filesystem; read-only unless rw, and then writes go to a throwaway copy), type=cache (a
// directory kept between builds, by id), type=tmpfs, type=secret (a file from the build's
// secrets at /run/secrets/<id>; its value never reaches a layer, the history or the cache
// key). They become the build container's HostConfig.Mounts.
import { createHash } from 'node:crypto';
import { chmod, chown, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalidParameter } from '../lib/errors.ts';
import { randomId } from '../lib/fsutil.ts';
import { cleanPath } from '../lib/ignore-patterns.ts';
import { resolveInRoot } from './in-root.ts';
import { stageRef } from './stages.ts';
import type { StageState } from './stage-state.ts';
import { mountImage, type StepDeps } from './steps.ts';

/** An Engine API Mount (HostConfig.Mounts) as the build container gets it. */
interface ApiMount {
  Type: 'bind' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface RunMounts {
  mounts: ApiMount[];
  cleanup(): Promise<void>;
}

export async function runMounts(deps: StepDeps, state: StageState, specs: string[]): Promise<RunMounts> {
  const mounts: ApiMount[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    for (const spec of specs) {
      const o = parseMount(spec);
      const type = o.get('type') ?? 'bind';
      const target = o.get('target') ?? o.get('dst') ?? o.get('destination');
      if (type === 'secret') {
        const id = o.get('id') ?? (target ? posix.basename(target) : undefined);
        if (!id) throw invalidParameter('secret mount needs an id or a target');
        const value = deps.opts.secrets.get(id);
        if (!value) {
          if (o.get('required') === 'true') throw invalidParameter(`secret ${id}: not provided`);
          continue;
        }
        const file = join(deps.tmpDir, `secret-${randomId(8)}`);
        await mkdir(deps.tmpDir, { recursive: true, mode: 0o700 });
        await writeFile(file, value, { mode: 0o400 });
        await chmod(file, Number.parseInt(o.get('mode') ?? '0400', 8));
        await chown(file, Number(o.get('uid') ?? 0), Number(o.get('gid') ?? 0));
        cleanups.push(() => rm(file, { force: true }));
        mounts.push({ Type: 'bind', Source: file, Target: target ?? `/run/secrets/${id}`, ReadOnly: true });
        continue;
      }
      if (!target) throw invalidParameter(`mount ${spec}: a target is required`);
      const abs = posix.resolve(state.config.WorkingDir || '/', target);
      if (type === 'tmpfs') {
        const size = o.get('size');
        mounts.push({ Type: 'tmpfs', Target: abs, ...(size ? { TmpfsOptions: { SizeBytes: Number(size) } } : {}) });
      } else if (type === 'cache') {
        const id = o.get('id') ?? abs;
        const dir = join(deps.cacheMountDir, createHash('sha256').update(id).digest('hex').slice(0, 32));
        await mkdir(dir, { recursive: true, mode: Number.parseInt(o.get('mode') ?? '0755', 8) });
        if (o.has('uid') || o.has('gid')) await chown(dir, Number(o.get('uid') ?? 0), Number(o.get('gid') ?? 0));
        mounts.push({ Type: 'bind', Source: dir, Target: abs, ReadOnly: o.get('readonly') === 'true' || o.get('ro') === 'true' });
      } else if (type === 'bind') {
        const source = cleanPath(o.get('source') ?? o.get('src') ?? '/').replace(/^\/+/, '');
        const from = o.get('from');
        let host: string;
        if (from !== undefined) {
          const index = stageRef(from, deps.stages, deps.currentStage);
          const imageId = index !== undefined ? await deps.stageImage(index) : await deps.resolveBase(from, { pull: false });
          const img = await mountImage(deps, imageId);
          cleanups.push(img.release);
          host = resolveInRoot(img.root, source);
        } else {
          if (source.startsWith('..')) throw invalidParameter(`mount source ${source} is outside the build context`);
          host = join(deps.context.dir, source);
        }
        const rw = o.get('rw') === 'true' || o.get('readwrite') === 'true';
        if (rw) {
          // Writes to a read-write bind are discarded after the step: they go to a copy.
          const copy = join(deps.tmpDir, `bind-${randomId(8)}`);
          await cp(host, copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
          cleanups.push(() => rm(copy, { recursive: true, force: true }));
          host = copy;
        }
        mounts.push({ Type: 'bind', Source: host, Target: abs, ReadOnly: !rw });
      } else {
        throw invalidParameter(`unsupported mount type "${type}" (bind, cache, tmpfs and secret are supported)`);
      }
    }
    return { mounts, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** "type=cache,target=/x,ro" → key/value map; lone keys are booleans. */
function parseMount(spec: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of spec.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) out.set(part.toLowerCase(), 'true');
    else out.set(part.slice(0, eq).toLowerCase(), part.slice(eq + 1));
  }
  return out;
}
