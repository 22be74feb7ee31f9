// The uncompressed tar of a layer being pushed, in the compressor's blocks. A large layer is
// rebuilt in a pooled worker with synchronous reads (push-reader-worker.ts); a small one in
// this thread (LayerStore.tarStream), where a worker's start-up would cost more than it saves.
// Workers start on first use (≈100 ms), are kept for the next push, and never keep the
// process alive while idle.
import { availableParallelism } from 'node:os';
import { WorkerPool } from '../lib/worker-pool.ts';
import { systemError } from '../lib/errors.ts';
import type { LayerRow } from '../image/layers.ts';
import type { ImageService } from '../image/service.ts';
import type { FromReader, ToReader } from './push-reader-worker.ts';

/** Layers at least this large are read in a worker. */
export const WORKER_MIN_TAR = 8 << 20;
const MAX_WORKERS = Math.max(1, Math.min(2, availableParallelism()));

const pool = new WorkerPool<FromReader>(new URL('./push-reader-worker.ts', import.meta.url), MAX_WORKERS, 'layer reader worker');
let nextJob = 1;

/** The layer's exact tar, as blocks of `blockSize` bytes (the last one shorter). */
export async function* layerTarBlocks(svc: ImageService, layer: LayerRow, blockSize: number, workerMin = WORKER_MIN_TAR): AsyncGenerator<Buffer> {
  if (layer.tar_size < workerMin) {
    yield* (await svc.layers.tarStream(layer.chain_id)) as AsyncIterable<Buffer>;
    return;
  }
  const tarSplit = svc.layers.tarSplit(layer.chain_id);
  const diffDir = await svc.layers.snapshotter.diffDir(layer.chain_id);
  const slot = await pool.acquire();
  const job = nextJob++;
  const post = (m: ToReader, transfer: ArrayBuffer[] = []) => slot.worker.postMessage(m, transfer);
  const queue: Buffer[] = [];
  let end: { size: number } | Error | undefined;
  let wake: (() => void) | undefined;
  slot.onMessage = (m) => {
    if (m.job !== job) return;
    if (m.type === 'block') queue.push(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    else if (m.type === 'done') end = { size: m.size };
    else end = systemError(m.message);
    wake?.();
  };
  slot.onGone = (err) => {
    end = err;
    wake?.();
  };
  let finished = false;
  try {
    const copy = new Uint8Array(tarSplit);
    post({ type: 'job', job, diffDir, tarSplit: copy, blockSize }, [copy.buffer]);
    for (;;) {
      const b = queue.shift();
      if (b) {
        post({ type: 'ack', job });
        yield b;
        continue;
      }
      if (end instanceof Error) throw end;
      if (end) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    finished = true;
  } finally {
    if (!finished && !(end instanceof Error) && pool.alive(slot)) {
      // Stopped early (an upload failed, the client went away): the worker drops the job.
      post({ type: 'abort', job });
      while (!end) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    }
    pool.release(slot);
  }
}

/** Stops the reader workers (tests, shutdown; call when no push is running). */
export function closePushReaders(): Promise<void> {
  return pool.close();
}
