// One layer of a pull: the blob streams from the registry into the content store (hashed,
// verified, then published) and, in the same pass, into the unpack worker, which gunzips and
// unpacks it into a staging directory. A broken connection resumes with a Range request; a
// wrong digest, a wrong size or a wrong diff ID fails the layer and leaves no staged data.
import type { BlobWriter } from '../content/store.ts';
import type { StagedLayer } from '../image/layers.ts';
import type { ImageService } from '../image/service.ts';
import type { Descriptor } from '../image/types.ts';
import { type Digest, shortId } from '../lib/digest.ts';
import { errnoCode, invalidParameter, messageOf, systemError, WharfError } from '../lib/errors.ts';
import { applyLayer } from '../snapshot/apply.ts';
import { log } from '../lib/log.ts';
import { RegistryError, type RegistryClient } from './client/index.ts';
import type { Limiter } from './limiter.ts';

/** Docker's JSONMessage as the pull reports it (the route adds the `progress` text). */
export interface ProgressMessage {
  status: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
}
export type ProgressSink = (m: ProgressMessage) => void;

export interface LayerContext {
  svc: ImageService;
  client: RegistryClient;
  repo: string;
  limiter: Limiter;
  signal: AbortSignal;
  progress: ProgressSink;
}

const MAX_RESUMES = 3;
const REPORT_BYTES = 512 << 10;
const WRITE_AHEAD = 8 << 20;

/** Downloads (or reads back from the content store) and unpacks one layer into staging. */
export async function fetchLayer(ctx: LayerContext, desc: Descriptor, expectedDiffId: Digest): Promise<StagedLayer & { downloaded: boolean }> {
  const { svc, signal } = ctx;
  const id = shortId(desc.digest);
  const say = (status: string, detail: ProgressMessage['progressDetail'] = {}) => ctx.progress({ status, progressDetail: detail, id });
  // A blob verified by an earlier, failed pull is used again instead of downloaded.
  const local = await svc.content.info(desc.digest);
  const haveBlob = local !== undefined && local.size === desc.size;
  let release: (() => void) | undefined;
  if (!haveBlob) {
    if (ctx.limiter.full) say('Waiting');
    release = await ctx.limiter.acquire(signal);
  }
  const dir = await svc.layers.snapshotter.createStaging();
  let writer: BlobWriter | undefined;
  let committing: Promise<unknown> | undefined;
  try {
    let source: AsyncIterable<Uint8Array>;
    if (haveBlob) source = svc.content.openRead(desc.digest);
    else {
      writer = await svc.content.writer();
      const w = writer;
      source = download(ctx, desc, w, say, () => {
        release?.();
        // Published in parallel with the unpack's tail; awaited before the layer counts.
        committing = w.commit({ digest: desc.digest, size: desc.size }).catch((err: unknown) => {
          throw verificationError(desc.digest, err);
        });
        committing.catch(() => {});
      });
    }
    const started = performance.now();
    const applied = await applyLayer(source, dir, { signal });
    const unpacked = performance.now();
    if (committing) {
      say('Verifying Checksum');
      await committing;
      say('Download complete');
    } else if (applied.digest !== desc.digest) {
      throw verificationError(desc.digest, undefined);
    }
    if (applied.diffId !== expectedDiffId) {
      throw invalidParameter(`layers from manifest don't match image configuration: layer ${desc.digest} has diff ID ${applied.diffId}, the config says ${expectedDiffId}`);
    }
    log.debug('pull: layer staged', {
      layer: desc.digest,
      bytes: desc.size,
      downloaded: !haveBlob,
      unpackMs: Math.round(unpacked - started),
      publishWaitMs: Math.round(performance.now() - unpacked),
    });
    say('Extracting', { current: desc.size, total: desc.size });
    say('Pull complete');
    return { dir, diffId: applied.diffId, size: applied.size, tarSize: applied.tarSize, tarSplit: applied.tarSplit, downloaded: !haveBlob };
  } catch (err) {
    await committing?.catch(() => {});
    await writer?.abort();
    await svc.layers.snapshotter.discardStaged(dir).catch(() => {});
    throw err;
  } finally {
    release?.();
  }
}

/** The blob's bytes as they arrive, copied to `writer`; resumes with Range after a broken connection. */
async function* download(
  ctx: LayerContext,
  desc: Descriptor,
  writer: BlobWriter,
  say: (status: string, detail?: ProgressMessage['progressDetail']) => void,
  done: () => void,
): AsyncGenerator<Uint8Array> {
  const { client, repo, signal } = ctx;
  let received = 0;
  let reported = 0;
  let failures = 0;
  // Writes to the content store are chained (in order) but not awaited per chunk, so the
  // network, the disk and the unpacker overlap; at most WRITE_AHEAD bytes wait for the disk.
  let writing: Promise<void> = Promise.resolve();
  let unwritten = 0;
  while (true) {
    try {
      const blob = await client.getBlob(repo, desc.digest, { offset: received, signal });
      if (blob.size !== undefined && blob.size !== desc.size - received) {
        blob.body.destroy();
        throw invalidParameter(`blob ${desc.digest}: the registry sends ${blob.size + received} bytes, the manifest says ${desc.size}`);
      }
      for await (const chunk of blob.body as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > desc.size) {
          blob.body.destroy();
          throw verificationError(desc.digest, `the registry sent more than the ${desc.size} bytes the manifest gives`);
        }
        unwritten += chunk.length;
        writing = writing.then(() => writer.write(chunk)).then(() => {
          unwritten -= chunk.length;
        });
        writing.catch(() => {}); // awaited below; an abandoned download must not leave it unhandled
        if (unwritten > WRITE_AHEAD) await writing;
        if (received - reported >= REPORT_BYTES || received === desc.size) {
          reported = received;
          say('Downloading', { current: received, total: desc.size });
        }
        yield chunk;
      }
      if (received < desc.size) throw new Truncated(desc.digest, received, desc.size);
      await writing;
      log.debug('pull: layer downloaded', { layer: desc.digest, bytes: received });
      done();
      return;
    } catch (err) {
      await writing.catch(() => {}); // resume after the pending writes, in order
      if (signal.aborted || !retryable(err) || ++failures > MAX_RESUMES) throw downloadError(err, client, repo, desc.digest);
      // A short fixed pause: a registry that restarts is back quickly, a dead one fails fast.
      say('Retrying in 1 second');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

class Truncated extends Error {
  constructor(digest: string, got: number, want: number) {
    super(`unexpected EOF: blob ${digest} ended after ${got} of ${want} bytes`);
  }
}

/** Broken or refused connections and short bodies are worth a resume; answers from the registry are not. */
function retryable(err: unknown): boolean {
  if (err instanceof Truncated) return true;
  if (err instanceof RegistryError) return err.status === 0 || err.status >= 500;
  if (err instanceof WharfError) return false;
  const code = errnoCode(err);
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT' || code === 'ERR_STREAM_PREMATURE_CLOSE' || messageOf(err) === 'aborted';
}

function downloadError(err: unknown, client: RegistryClient, repo: string, digest: Digest): Error {
  if (err instanceof WharfError) return err;
  const url = `${client.endpoint.url}/v2/${repo}/blobs/${digest}`;
  const reason = err instanceof Truncated ? err.message : messageOf(err) === 'aborted' ? 'unexpected EOF (the registry closed the connection mid-blob)' : messageOf(err);
  return systemError(`Get "${url}": ${reason}`, err);
}

function verificationError(digest: Digest, cause: unknown): Error {
  const why = cause === undefined ? '' : `: ${typeof cause === 'string' ? cause : messageOf(cause)}`;
  return invalidParameter(`filesystem layer verification failed for digest ${digest}${why}`);
}
