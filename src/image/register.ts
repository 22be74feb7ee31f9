// The one way an image enters the store (import, load, pull, build, commit): layers are
// committed from staging, the config blob is verified into the content store, and the
// image row and its tags are written in one transaction. Callers hold svc.lock.
import { nowRfc3339Nano } from '../lib/gotime.ts';
import { type Digest, sha256 } from '../lib/digest.ts';
import { invalidParameter } from '../lib/errors.ts';
import { tx } from '../store/db.ts';
import { applyLayer } from '../snapshot/apply.ts';
import { chainIds, type StagedLayer } from './layers.ts';
import type { ImageService } from './service.ts';
import type { ImageConfig } from './types.ts';

export interface RegisterOptions {
  /** Full references to point at the image ("docker.io/library/busybox:latest"). */
  tags?: string[];
  parent?: Digest | null;
  /** Repo digests to record with the image: ["docker.io/library/busybox@sha256:…", manifest digest]. */
  digests?: [string, Digest][];
}

export interface Registered {
  id: Digest;
  config: ImageConfig;
  /** Tags taken away from another image: [ref, previous image]. */
  moved: [string, Digest][];
}

/** Staged diffs by diff ID; one staged diff may serve several layers of a chain. */
export type StagedByDiffId = Map<Digest, StagedLayer & { used?: boolean }>;

export async function registerImage(svc: ImageService, configBytes: Buffer, staged: StagedByDiffId, opts: RegisterOptions = {}): Promise<Registered> {
  const id = sha256(configBytes);
  const config = parseConfig(configBytes);
  const chain = chainIds(config.rootfs.diff_ids);

  for (let i = 0; i < chain.length; i++) {
    const chainId = chain[i]!;
    if (svc.layers.get(chainId)) continue;
    const diffId = config.rootfs.diff_ids[i]!;
    const s = staged.get(diffId);
    if (!s) throw invalidParameter(`layer ${diffId} of image ${id} is missing`);
    const layer = s.used ? await copyStaged(svc, chain.find((c, j) => config.rootfs.diff_ids[j] === diffId && svc.layers.get(c))!) : s;
    await svc.layers.register(layer, chainId, i > 0 ? chain[i - 1]! : null);
    s.used = true;
  }

  await svc.content.put(configBytes, { digest: id });
  const moved: [string, Digest][] = [];
  const now = nowRfc3339Nano();
  tx(svc.db, () => {
    svc.records.insert({ id, top_layer: chain.at(-1) ?? null, parent: opts.parent ?? null, created_at: now, last_tagged: null });
    for (const ref of opts.tags ?? []) {
      const prev = svc.records.setTag(ref, id, now);
      if (prev) moved.push([ref, prev]);
    }
    for (const [ref, manifest] of opts.digests ?? []) svc.records.setDigestRef(ref, id, manifest);
  });
  return { id, config, moved };
}

/** A second staging copy of an already committed layer, rebuilt from its own tar. */
async function copyStaged(svc: ImageService, committedChainId: Digest): Promise<StagedLayer> {
  const dir = await svc.layers.snapshotter.createStaging();
  try {
    const applied = await applyLayer(await svc.layers.tarStream(committedChainId), dir);
    return { dir, diffId: applied.diffId, size: applied.size, tarSize: applied.tarSize, tarSplit: applied.tarSplit };
  } catch (err) {
    await svc.layers.snapshotter.discardStaged(dir);
    throw err;
  }
}

export function parseConfig(bytes: Buffer): ImageConfig {
  let cfg: ImageConfig;
  try {
    cfg = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch {
    throw invalidParameter('invalid image config: not JSON');
  }
  if (!cfg || typeof cfg !== 'object' || !cfg.rootfs || !Array.isArray(cfg.rootfs.diff_ids)) {
    throw invalidParameter('invalid image config: missing rootfs.diff_ids');
  }
  for (const d of cfg.rootfs.diff_ids) {
    if (typeof d !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(d)) throw invalidParameter(`invalid image config: bad diff ID ${JSON.stringify(d)}`);
  }
  if (typeof cfg.os !== 'string' || typeof cfg.architecture !== 'string') throw invalidParameter('invalid image config: missing os or architecture');
  return cfg;
}

/** Discards staged diffs nobody registered. */
export async function discardUnused(svc: ImageService, staged: StagedByDiffId): Promise<void> {
  for (const s of staged.values()) if (!s.used) await svc.layers.snapshotter.discardStaged(s.dir).catch(() => {});
}
