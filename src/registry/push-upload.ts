// Uploading a layer's bytes into an open upload session. Blobs that fit in one chunk go in the
// closing PUT (a monolithic upload); larger ones in PATCH chunks with Content-Range, the last
// bytes in the PUT. A layer without a kept blob is rebuilt from its snapshot (tar-split), its tar
// checked against the diff ID, compressed on every core and uploaded while it is compressed;
// the same bytes go to the content store and layer_blobs, so the next push has the blob.
import { createReadStream } from 'node:fs';
import { type Readable, Transform } from 'node:stream';
import { type Digest, Hasher } from '../lib/digest.ts';
import { systemError } from '../lib/errors.ts';
import type { LayerRow } from '../image/layers.ts';
import type { UploadSession } from './client/index.ts';
import { compressStream, DEFAULT_BLOCK } from './compress.ts';
import { layerTarBlocks } from './push-reader.ts';
import type { LayerPushContext } from './push-layer.ts';
import type { PushedBlob } from './push-manifest.ts';
import type { Candidate } from './push-sources.ts';

/** Status of one layer: "Pushing" with bytes done and total, or a bare status. */
export type Progress = (status: string, detail?: { current: number; total: number }) => void;

const REPORT_EVERY_MS = 100;
/** Compressed pieces queued for the local copy before the compressor waits for the disk. */
const MAX_WRITE_BACKLOG = 16;

/** Calls `progress('Pushing', ...)` at most every 100 ms, and always for the last byte. */
function pushingReporter(progress: Progress, total: number): (current: number) => void {
  let last = 0;
  return (current) => {
    const now = performance.now();
    if (current < total && now - last < REPORT_EVERY_MS) return;
    last = now;
    progress('Pushing', { current, total });
  };
}

/** Uploads a blob we kept in the content store. */
export async function uploadFromStore(ctx: LayerPushContext, session: UploadSession, blob: Candidate, progress: Progress): Promise<void> {
  const path = ctx.svc.content.path(blob.digest);
  const report = pushingReporter(progress, blob.size);
  let done = 0;
  // Counted on the way through (a 'data' listener on the file would start it flowing before
  // the request reads it).
  const open = (start: number, length: number): Readable => {
    const file = createReadStream(path, { start, end: start + length - 1, highWaterMark: 1 << 20 });
    const counted = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        done += chunk.length;
        report(done);
        cb(null, chunk);
      },
    });
    file.on('error', (err) => counted.destroy(err));
    return file.pipe(counted);
  };
  let s = session;
  try {
    while (blob.size - s.offset > ctx.chunkSize) s = await ctx.client.uploadChunk(s, open(s.offset, ctx.chunkSize), ctx.chunkSize, ctx.signal);
    const rest = blob.size - s.offset;
    await ctx.client.finishUpload(s, blob.digest, rest > 0 ? open(s.offset, rest) : Buffer.alloc(0), rest, ctx.signal);
  } catch (err) {
    await ctx.client.cancelUpload(s).catch(() => {});
    throw err;
  }
}

/** Rebuilds, compresses and uploads a layer; records the blob locally once it is complete. */
export async function compressAndUpload(
  ctx: LayerPushContext,
  session: UploadSession,
  layer: LayerRow,
  mediaType: string,
  progress: Progress,
): Promise<PushedBlob> {
  const { svc, client, signal } = ctx;
  const tar = layerTarBlocks(svc, layer, ctx.compressOptions.blockSize ?? DEFAULT_BLOCK);
  const diff = new Hasher();
  const report = pushingReporter(progress, layer.tar_size);
  async function* tapped(): AsyncGenerator<Buffer> {
    for await (const c of tar) {
      signal.throwIfAborted();
      diff.update(c);
      report(diff.size);
      yield c;
    }
  }
  const writer = await svc.content.writer();
  // Local writes are chained, not awaited one by one: the compressor keeps going meanwhile.
  let written: Promise<void> = Promise.resolve();
  let backlog = 0;
  const out = new Hasher();
  let s = session;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let patch: Promise<UploadSession> | undefined;
  try {
    for await (const c of compressStream(tapped(), ctx.compression, ctx.compressOptions)) {
      out.update(c);
      backlog++;
      written = written.then(() => writer.write(c)).then(() => {
        backlog--;
      });
      written.catch(() => {});
      if (backlog > MAX_WRITE_BACKLOG) await written;
      pending.push(c);
      pendingLen += c.length;
      if (pendingLen >= ctx.chunkSize) {
        const chunk = Buffer.concat(pending, pendingLen);
        pending = [];
        pendingLen = 0;
        // One PATCH at a time (each continues where the last one's answer points); the next
        // chunk is compressed meanwhile.
        if (patch) s = await patch;
        patch = client.uploadChunk(s, chunk, chunk.length, signal);
        patch.catch(() => {});
      }
    }
    if (patch) s = await patch;
    patch = undefined;
    await written;
    const diffId = diff.digest();
    if (diffId !== layer.diff_id) throw systemError(`layer ${layer.diff_id} is corrupt on disk: its rebuilt tar hashes to ${diffId}`);
    const digest = out.digest();
    const blob: PushedBlob = { digest, size: out.size, compression: ctx.compression };
    const last = Buffer.concat(pending, pendingLen);
    // The local copy is committed while the registry checks the upload: a complete, verified blob
    // is worth keeping even if the registry then refuses it (a retry pushes it without recompressing).
    const local = keep(ctx, writer, layer.diff_id, digest, mediaType, out.size);
    const remote = client.finishUpload(s, digest, last, last.length, signal);
    const [l, r] = await Promise.allSettled([local, remote]);
    if (r.status === 'rejected') throw r.reason;
    if (l.status === 'rejected') throw l.reason;
    return blob;
  } catch (err) {
    await written.catch(() => {});
    if (patch) {
      const p = await patch.catch(() => undefined);
      if (p) s = p;
    }
    await writer.abort();
    await client.cancelUpload(s).catch(() => {});
    throw err;
  }
}

async function keep(ctx: LayerPushContext, writer: Awaited<ReturnType<LayerPushContext['svc']['content']['writer']>>, diffId: Digest, digest: Digest, mediaType: string, size: number): Promise<void> {
  // Under the store's lock: GC must not see the blob before layer_blobs names it.
  await ctx.svc.lock.run(async () => {
    await writer.commit({ digest, size });
    ctx.svc.layers.recordBlob(diffId, { digest, media_type: mediaType, size });
  });
}
