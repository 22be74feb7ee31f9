// Pushing one layer, as dockerd's pushDescriptor.Upload decides: a blob the target repository is
// known to hold is checked with HEAD ("Layer already exists"); a blob a sibling repository of the
// same registry holds is mounted ("Mounted from x"); other known blobs are checked too; only then
// is the layer uploaded — from the content store when we kept its compressed blob, else rebuilt
// from the snapshot, compressed and uploaded while compressing (push-upload.ts).
import type { Digest } from '../lib/digest.ts';
import { isKind } from '../lib/errors.ts';
import type { LayerRow } from '../image/layers.ts';
import type { ImageService } from '../image/service.ts';
import type { RegistryClient, UploadSession } from './client/index.ts';
import type { CompressOptions, LayerCompression } from './compress.ts';
import { layerMediaType, type ManifestFormat, type PushedBlob } from './push-manifest.ts';
import { type BlobSources, type Candidate, candidatesFor, compressionOf, mountCandidates, splitRepository } from './push-sources.ts';
import { compressAndUpload, type Progress, uploadFromStore } from './push-upload.ts';

/** dockerd's limits (getMaxMountAndExistenceCheckAttempts for a large layer). */
const MAX_MOUNT_ATTEMPTS = 3;
const MAX_EXISTENCE_CHECKS = 3;

export interface LayerPushContext {
  svc: ImageService;
  client: RegistryClient;
  sources: BlobSources;
  /** Full name of the target repository: "127.0.0.1:5000/bb". */
  target: string;
  format: ManifestFormat;
  /** Compression of blobs we make; zstd only when asked. */
  compression: LayerCompression;
  compressOptions: CompressOptions;
  /** Uploads larger than this go in PATCH chunks of this size; smaller ones in one PUT. */
  chunkSize: number;
  /** Sources implied by the image's repo digests (its manifest's blobs are in that repository). */
  implied: Map<Digest, string[]>;
  signal: AbortSignal;
}

export async function pushLayer(ctx: LayerPushContext, layer: LayerRow, progress: Progress): Promise<PushedBlob> {
  const [, repoPath] = splitRepository(ctx.target);
  const accept = ctx.compression === 'zstd' ? ['zstd'] : ctx.format === 'oci' ? ['gzip', 'zstd'] : ['gzip'];
  const cands = candidatesFor(ctx.svc.layers.blobsFor(layer.diff_id), ctx.sources, ctx.target, accept, ctx.implied);
  const checked = new Set<Digest>();
  const exists = async (c: Candidate): Promise<PushedBlob | undefined> => {
    checked.add(c.digest);
    const head = await ctx.client.headBlob(repoPath, c.digest, ctx.signal);
    if (!head) {
      if (c.sources.includes(ctx.target)) ctx.sources.remove(c.digest, ctx.target);
      return undefined;
    }
    ctx.sources.add(c.digest, ctx.target);
    progress('Layer already exists');
    return { digest: c.digest, size: head.size > 0 ? head.size : c.size, compression: compressionOf(c.media_type)! };
  };

  // 1. A blob the target repository is known to hold.
  for (const c of cands.filter((x) => x.sources.includes(ctx.target)).slice(0, 1)) {
    const found = await exists(c);
    if (found) return found;
  }

  // 2. Cross-repository mount from a sibling repository of the same registry.
  let session: UploadSession | undefined;
  for (const m of mountCandidates(cands, ctx.target, MAX_MOUNT_ATTEMPTS)) {
    const from = splitRepository(m.repository)[1];
    let r: true | UploadSession;
    try {
      r = await ctx.client.mountBlob(repoPath, m.digest, from, ctx.signal);
    } catch (err) {
      ctx.signal.throwIfAborted();
      if (isKind(err, 'Unauthorized')) throw err; // no credentials for this registry: the upload would fail too
      ctx.sources.remove(m.digest, m.repository);
      continue;
    }
    if (r === true) {
      const c = cands.find((x) => x.digest === m.digest)!;
      ctx.sources.add(m.digest, ctx.target);
      progress(`Mounted from ${from}`);
      return { digest: m.digest, size: c.size, compression: compressionOf(c.media_type)! };
    }
    // The registry opened an upload instead: keep one for our own upload.
    ctx.sources.remove(m.digest, m.repository);
    if (session) await ctx.client.cancelUpload(session).catch(() => {});
    session = r;
  }

  // 3. Other known blobs, up to dockerd's number of existence checks.
  for (const c of cands.filter((x) => !checked.has(x.digest)).slice(0, Math.max(0, MAX_EXISTENCE_CHECKS - checked.size))) {
    const found = await exists(c);
    if (found) {
      if (session) await ctx.client.cancelUpload(session).catch(() => {});
      return found;
    }
  }

  // 4. Upload.
  session ??= await startSession(ctx, repoPath);
  for (const c of cands) {
    if (!(await ctx.svc.content.has(c.digest))) continue;
    await uploadFromStore(ctx, session, c, progress);
    ctx.sources.add(c.digest, ctx.target);
    progress('Pushed');
    return { digest: c.digest, size: c.size, compression: compressionOf(c.media_type)! };
  }
  const blob = await compressAndUpload(ctx, session, layer, layerMediaType(ctx.format, ctx.compression), progress);
  ctx.sources.add(blob.digest, ctx.target);
  progress('Pushed');
  return blob;
}

async function startSession(ctx: LayerPushContext, repoPath: string): Promise<UploadSession> {
  const s = await ctx.client.startUpload(repoPath, { signal: ctx.signal });
  if ('mounted' in s) throw new Error('registry mounted a blob it was not asked to');
  return s;
}
