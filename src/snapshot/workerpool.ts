// A small pool of unpack workers (apply-worker.ts), started on first use and reused: a new
// worker costs ≈100 ms to start, more than unpacking a small layer. Idle workers are unref'd
// so they never keep the process alive; closeApplyWorkers() stops them (tests, shutdown).
import { availableParallelism } from 'node:os';
import { WorkerPool } from '../lib/worker-pool.ts';
import { WharfError, systemError } from '../lib/errors.ts';
import type { FromWorker, ToWorker } from './apply-worker.ts';
import type { StreamUnpackOptions, StreamUnpackResult } from './layerstream.ts';

// Chunks posted to a worker and not yet taken: bounds memory when the disk is slower.
const WINDOW = 16;
const MAX_WORKERS = Math.max(1, Math.min(4, availableParallelism()));

const pool = new WorkerPool<FromWorker>(new URL('./apply-worker.ts', import.meta.url), MAX_WORKERS, 'layer unpack worker');
let nextJob = 1;

/** Runs the unpack pipeline for `input` into `dir` in a pooled worker. */
export async function unpackInWorker(
  input: AsyncIterable<Uint8Array>,
  dir: string,
  opts: StreamUnpackOptions & { signal?: AbortSignal | undefined },
): Promise<StreamUnpackResult> {
  const { signal } = opts;
  const slot = await pool.acquire();
  const job = nextJob++;
  const post = (m: ToWorker, transfer: ArrayBuffer[] = []) => slot.worker.postMessage(m, transfer);
  let inflight = 0;
  let settled = false;
  let wake: (() => void) | undefined;
  const result = new Promise<StreamUnpackResult>((resolve, reject) => {
    const settle = () => {
      settled = true;
      wake?.();
    };
    slot.onMessage = (m) => {
      if (m.job !== job) return;
      if (m.type === 'ack') {
        inflight -= m.n;
        wake?.();
      } else if (m.type === 'done') {
        settle();
        resolve({ ...m.result, tarSplit: Buffer.from(m.result.tarSplit) });
      } else {
        settle();
        reject(rebuildError(m));
      }
    };
    slot.onGone = (err) => {
      settle();
      reject(err);
    };
  });
  result.catch(() => {}); // observed below; no unhandled rejection while still feeding
  const onAbort = () => post({ type: 'abort', job, reason: 'layer unpack aborted' });
  signal?.addEventListener('abort', onAbort, { once: true });
  post({ type: 'job', job, dir, sync: opts.sync, hashPlain: opts.hashPlain });

  let feedError: unknown;
  try {
    for await (const c of input) {
      while (inflight >= WINDOW && !settled) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      if (settled) break;
      const copy = new Uint8Array(c); // our own ArrayBuffer, safe to transfer
      post({ type: 'chunk', job, data: copy }, [copy.buffer]);
      inflight++;
    }
    if (!settled) post({ type: 'end', job });
  } catch (err) {
    feedError = err;
    if (!settled) post({ type: 'abort', job, reason: 'reading the layer failed' });
  }
  try {
    const r = await result;
    if (feedError) throw feedError;
    return r;
  } catch (err) {
    throw feedError ?? err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    pool.release(slot);
  }
}

/** Stops all unpack workers (idle ones at once; call when no unpack is running). */
export function closeApplyWorkers(): Promise<void> {
  return pool.close();
}

function rebuildError(m: Extract<FromWorker, { type: 'error' }>): Error {
  if (m.kind) return new WharfError(m.kind, m.message);
  const err = systemError(m.message);
  if (m.code) Object.assign(err, { code: m.code });
  return err;
}
