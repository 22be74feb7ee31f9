// Worker side of push-reader.ts: rebuilds a layer's exact tar from its diff directory and
// tar-split with synchronous reads (a third of the CPU of the promise-based reader, and off the
// daemon's thread), cut into blocks of the compressor's size, which are transferred to the
// calling thread. At most WINDOW blocks are unacknowledged, so memory stays bounded when the
// compressor or the registry is slower than the disk.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { messageOf } from '../lib/errors.ts';
import { decodeTarSplit } from '../snapshot/tarsplit.ts';

export type ToReader =
  | { type: 'job'; job: number; diffDir: string; tarSplit: Uint8Array; blockSize: number }
  | { type: 'ack'; job: number }
  | { type: 'abort'; job: number };

export type FromReader =
  | { type: 'block'; job: number; data: Uint8Array }
  | { type: 'done'; job: number; size: number }
  | { type: 'error'; job: number; message: string };

export const WINDOW = 8;

const port = parentPort;
if (!port) throw new Error('push-reader-worker must run in a worker thread');

let current = 0;
let credit = 0;
let aborted = false;
let wake: (() => void) | undefined;

port.on('message', (m: ToReader) => {
  if (m.type === 'job') {
    current = m.job;
    credit = WINDOW;
    aborted = false;
    run(m).catch(() => {});
    return;
  }
  if (m.job !== current) return;
  if (m.type === 'ack') credit++;
  else aborted = true;
  wake?.();
});

async function run(m: Extract<ToReader, { type: 'job' }>): Promise<void> {
  const post = (msg: FromReader, transfer: ArrayBuffer[] = []) => port!.postMessage(msg, transfer);
  let block = new Uint8Array(m.blockSize);
  let used = 0;
  let size = 0;
  const flush = async () => {
    while (credit <= 0 && !aborted) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if (aborted) throw new Error('aborted');
    credit--;
    const out = used === block.length ? block : block.slice(0, used);
    post({ type: 'block', job: m.job, data: out }, [out.buffer as ArrayBuffer]);
    size += used;
    block = new Uint8Array(m.blockSize);
    used = 0;
  };
  try {
    for (const r of decodeTarSplit(Buffer.from(m.tarSplit))) {
      if (r.kind === 'segment') {
        for (let off = 0; off < r.data.length; ) {
          const n = Math.min(block.length - used, r.data.length - off);
          block.set(r.data.subarray(off, off + n), used);
          used += n;
          off += n;
          if (used === block.length) await flush();
        }
        continue;
      }
      if (r.path.split('/').includes('..')) throw new Error(`tar-split path escapes: ${r.path}`);
      let fd: number;
      try {
        fd = openSync(join(m.diffDir, r.path), constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (err) {
        throw new Error(`layer file ${r.path} is missing from ${m.diffDir}: ${messageOf(err)}`);
      }
      try {
        for (let left = r.size; left > 0; ) {
          const n = readSync(fd, block, used, Math.min(block.length - used, left), null);
          if (n === 0) throw new Error(`layer file ${r.path} is shorter than its recorded ${r.size} bytes`);
          used += n;
          left -= n;
          if (used === block.length) await flush();
        }
      } finally {
        closeSync(fd);
      }
    }
    if (used > 0) await flush();
    post({ type: 'done', job: m.job, size });
  } catch (err) {
    if (!aborted) post({ type: 'error', job: m.job, message: messageOf(err) });
    else post({ type: 'done', job: m.job, size });
  }
}
