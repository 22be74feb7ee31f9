// The build service (BuildBackend): unpacks the uploaded context, finds the Dockerfile, runs
// the Builder, tags the result, and owns the build cache (builder prune, system df). Each
// build works in its own directory under <data-root>/build, removed when it ends.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { invalidParameter, notFound } from '../lib/errors.ts';
import { randomId } from '../lib/fsutil.ts';
import { untilSeconds } from '../lib/timestamp.ts';
import { cleanPath, IgnoreMatcher, readIgnoreFile } from '../lib/ignore-patterns.ts';
import type { Db } from '../store/db.ts';
import type { ImageService } from '../image/service.ts';
import { familiarString, parseNormalizedNamed } from '../image/reference.ts';
import { removeImage } from '../image/remove.ts';
import type { ContainerService } from '../container/service.ts';
import { Builder } from './builder.ts';
import { BuildCache } from './cache.ts';
import { BuildContext } from './context.ts';
import { shortId } from '../lib/digest.ts';
import type { BuildBackend, BuildCacheRecord, BuildOptions, BuildProgress, BuildPruneResult } from './types.ts';

export interface BuildServiceDeps {
  db: Db;
  images: ImageService;
  containers: ContainerService;
  /** <data-root>/build: contexts, scratch files and RUN cache mounts. */
  root: string;
  /** Pulls a base image from its registry, when distribution is available. */
  pull?: (ref: string, opts: { platform?: string; registryConfig?: string }) => Promise<string>;
}

export class BuildService implements BuildBackend {
  private readonly deps: BuildServiceDeps;
  readonly cache: BuildCache;

  constructor(deps: BuildServiceDeps) {
    this.deps = deps;
    this.cache = new BuildCache(deps.db, (id) => deps.images.records.get(id) !== undefined);
  }

  async build(input: Readable, opts: BuildOptions, out: BuildProgress): Promise<{ id: string }> {
    const work = join(this.deps.root, 'work', randomId(12));
    const ctx = await BuildContext.unpack(input, join(work, 'context')).catch(async (err: unknown) => {
      await rm(work, { recursive: true, force: true });
      throw err;
    });
    try {
      const name = cleanPath(opts.dockerfile || 'Dockerfile').replace(/^\/+/, '');
      if (name.startsWith('..') || ctx.entries.get(name)?.type !== 'file') {
        throw invalidParameter(`Cannot locate specified Dockerfile: ${opts.dockerfile || 'Dockerfile'}`);
      }
      const text = await readFile(join(ctx.dir, name), 'utf8');
      // As moby: the Dockerfile and .dockerignore, once read, leave the context when .dockerignore
      // excludes them (the CLI always sends them).
      if (ctx.entries.get('.dockerignore')?.type === 'file') {
        const ignore = new IgnoreMatcher(readIgnoreFile(await readFile(join(ctx.dir, '.dockerignore'), 'utf8')));
        for (const p of ['.dockerignore', name]) if (ignore.matches(p)) await ctx.drop(p);
      }
      const builder = new Builder(
        {
          containers: this.deps.containers,
          images: this.deps.images,
          cache: this.cache,
          cacheMountDir: join(this.deps.root, 'cache-mounts'),
          tmpDir: join(work, 'tmp'),
          resolveBase: (ref, o) => this.resolveBase(ref, o),
        },
        ctx,
        opts,
        out,
      );
      const id = await builder.build(text);
      // With -q the route holds this output back (shown only on failure) and prints the ID.
      out.aux({ ID: id });
      out.stream(`Successfully built ${shortId(id)}\n`);
      for (const ref of opts.tags) {
        await this.deps.images.tag(id, ref, undefined);
        out.stream(`Successfully tagged ${familiarString(parseNormalizedNamed(ref))}\n`);
      }
      return { id };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** A FROM image: local unless --pull asks for the registry's (when there is a puller). */
  private async resolveBase(ref: string, o: { pull: boolean; platform?: string; registryConfig?: string }): Promise<string> {
    const local = this.deps.images.tryResolve(ref);
    const pull = this.deps.pull;
    if (local && !(o.pull && pull)) return local.id;
    if (!pull) throw notFound(`pull access denied for ${ref}: the image is not present locally and this daemon cannot pull`);
    const opts = { ...(o.platform ? { platform: o.platform } : {}), ...(o.registryConfig ? { registryConfig: o.registryConfig } : {}) };
    return pull(ref, opts);
  }

  async prune(opts: { all: boolean; filters: Map<string, string[]> }): Promise<BuildPruneResult> {
    const images = this.deps.images;
    const rows = this.cache.all();
    // until: records used since then stay (the filter's time as every prune reads it).
    const until = opts.filters.get('until')?.[0];
    const cutoffMs = until === undefined ? undefined : untilSeconds(until) * 1000;
    const gone = rows.filter((r) => cutoffMs === undefined || new Date(r.last_used_at).getTime() < cutoffMs);
    this.cache.delete(gone.map((r) => r.key));
    // Intermediate images nothing else names or builds on go with their records, newest first
    // so that a chain of steps goes step by step.
    let reclaimed = 0;
    for (const r of [...gone].reverse()) {
      const row = images.records.get(r.image_id);
      if (!row || images.repoTags(r.image_id).length > 0 || images.children(r.image_id).length > 0) continue;
      if (images.users.containersUsing(r.image_id).length > 0) continue;
      const size = ownLayerSize(images, row.top_layer, row.parent);
      const removed = await removeImage(images, r.image_id, { force: false, noPrune: true }).catch(() => []);
      if (removed.length > 0) reclaimed += size;
    }
    await rm(join(this.deps.root, 'cache-mounts'), { recursive: true, force: true });
    return { CachesDeleted: gone.map((r) => r.key.slice(0, 25)), SpaceReclaimed: reclaimed };
  }

  cacheRecords(): BuildCacheRecord[] {
    const images = this.deps.images;
    return this.cache.records(
      (id) => {
        const row = images.records.get(id);
        return row ? ownLayerSize(images, row.top_layer, row.parent) : 0;
      },
      (id) => images.users.containersUsing(id).length > 0,
    );
  }
}

/** The size of the layer a step added (0 for a config-only step): what removing it frees. */
function ownLayerSize(images: ImageService, top: string | null, parent: string | null): number {
  if (!top) return 0;
  const parentTop = parent ? images.records.get(parent)?.top_layer : null;
  return parentTop === top ? 0 : (images.layers.get(top)?.size ?? 0);
}
