// Layer compression for push. gzip is pigz's scheme: the input is cut into blocks, each block is
// deflated on its own in zlib's async API (libuv's thread pool, so every core works), primed
// with the previous block's last 32 KiB as dictionary (the ratio stays that of one stream) and
// ended with a sync flush (byte-aligned, not final); the last block finishes the stream. One
// gzip header, then the blocks in order, then the trailer with the CRC32 of the whole input,
// computed here as blocks go by. The output is a standard gzip stream any gunzip reads, and
// it is deterministic for a given input, level and block size.
import { availableParallelism } from 'node:os';
import { constants, crc32, deflateRaw, type ZlibOptions, zstdCompress } from 'node:zlib';
import { systemError } from '../lib/errors.ts';
import { Limiter } from './push-limit.ts';

export type LayerCompression = 'gzip' | 'zstd';

export interface CompressOptions {
  /** zlib level, 1 (fast, the default) to 9. For zstd: its level (default 3). */
  level?: number;
  /** Bytes of input per block (128 KiB–4 MiB; default 1 MiB). */
  blockSize?: number;
  /** Blocks being compressed at once (default: twice the number of cores, so no core waits for the next block). */
  parallel?: number;
}

const WINDOW = 32 << 10;
export const DEFAULT_GZIP_LEVEL = 1;
export const DEFAULT_BLOCK = 1 << 20;

/**
 * Blocks being compressed at once in the whole daemon, every push together: enough for every
 * core, and one thread of libuv's pool (4 unless UV_THREADPOOL_SIZE says) left for file I/O.
 */
const POOL = Number(process.env['UV_THREADPOOL_SIZE']) || 4;
const slots = new Limiter(Math.max(1, Math.min(POOL - 1, 2 * availableParallelism())));

function deflateBlock(block: Buffer, dictionary: Buffer | undefined, last: boolean, level: number): Promise<Buffer> {
  return slots.run(
    () => {},
    () => deflateNow(block, dictionary, last, level),
  );
}

function deflateNow(block: Buffer, dictionary: Buffer | undefined, last: boolean, level: number): Promise<Buffer> {
  const opts: ZlibOptions = {
    level,
    memLevel: 9,
    // The output buffer holds a whole compressed block: one thread-pool round trip per block
    // instead of one per 16 KiB (Node's default), which cost the main thread a quarter of its CPU.
    chunkSize: outputRoom(block.length),
    finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    ...(dictionary ? { dictionary } : {}),
  };
  return new Promise((resolve, reject) => deflateRaw(block, opts, (err, out) => (err ? reject(err) : resolve(out))));
}

/** Room for a block's compressed form (deflateBound, rounded up: incompressible data grows a little). */
function outputRoom(n: number): number {
  return Math.max(64, n + (n >> 10) + 1024);
}

/** RFC 1952 header: no name, no mtime (deterministic output); XFL 4 = fastest, 2 = best; OS unknown. */
function gzipHeader(level: number): Buffer {
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level <= 1 ? 4 : level >= 9 ? 2 : 0, 255]);
}

function gzipTrailer(crc: number, size: number): Buffer {
  const t = Buffer.alloc(8);
  t.writeUInt32LE(crc >>> 0, 0);
  t.writeUInt32LE(size % 2 ** 32, 4);
  return t;
}

/** Re-cuts a byte stream into blocks of exactly `size` bytes (the last may be shorter or empty). */
export async function* blocks(input: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let cur = Buffer.allocUnsafe(size);
  let used = 0;
  for await (const chunk of input) {
    if (used === 0 && chunk.length === size) {
      yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength); // already a block
      continue;
    }
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(size - used, chunk.length - off);
      cur.set(chunk.subarray(off, off + n), used);
      used += n;
      off += n;
      if (used === size) {
        yield cur;
        cur = Buffer.allocUnsafe(size);
        used = 0;
      }
    }
  }
  if (used > 0) yield cur.subarray(0, used);
}

/** gzip of `input`, compressed on every core. Yields the compressed bytes in order. */
export async function* parallelGzip(input: AsyncIterable<Uint8Array>, opts: CompressOptions = {}): AsyncGenerator<Buffer> {
  const level = opts.level ?? DEFAULT_GZIP_LEVEL;
  const blockSize = Math.min(4 << 20, Math.max(128 << 10, opts.blockSize ?? DEFAULT_BLOCK));
  const parallel = Math.max(1, opts.parallel ?? 2 * availableParallelism());
  const inflight: Promise<Buffer>[] = [];
  const start = (block: Buffer, dict: Buffer | undefined, last: boolean) => {
    const p = deflateBlock(block, dict, last, level);
    p.catch(() => {}); // awaited in order below; a failure surfaces there
    inflight.push(p);
  };
  yield gzipHeader(level);
  let crc = 0;
  let size = 0;
  let prev: Buffer | undefined; // the newest block: compressed once we know whether it is the last
  let dict: Buffer | undefined;
  try {
    for await (const block of blocks(input, blockSize)) {
      if (prev) {
        start(prev, dict, false);
        dict = prev.subarray(Math.max(0, prev.length - WINDOW));
      }
      crc = crc32(block, crc);
      size += block.length;
      prev = block;
      while (inflight.length >= parallel) yield await inflight.shift()!;
    }
    start(prev ?? Buffer.alloc(0), dict, true);
    while (inflight.length > 0) yield await inflight.shift()!;
  } catch (err) {
    throw err instanceof Error && 'errno' in err ? systemError(`compressing layer: ${err.message}`, err) : err;
  }
  yield gzipTrailer(crc, size);
}

/**
 * zstd (only when asked for): one frame per block of input, compressed in parallel. Frames
 * concatenated are a valid zstd stream, as the format allows and every decoder reads.
 */
export async function* parallelZstd(input: AsyncIterable<Uint8Array>, opts: CompressOptions = {}): AsyncGenerator<Buffer> {
  const level = opts.level ?? 3;
  const blockSize = Math.min(16 << 20, Math.max(1 << 20, opts.blockSize ?? 4 << 20));
  const parallel = Math.max(1, opts.parallel ?? availableParallelism());
  const inflight: Promise<Buffer>[] = [];
  const params = { [constants.ZSTD_c_compressionLevel]: level, [constants.ZSTD_c_checksumFlag]: 1 };
  const compress = (block: Buffer) =>
    new Promise<Buffer>((resolve, reject) =>
      zstdCompress(block, { chunkSize: outputRoom(block.length), params }, (err, out) => (err ? reject(err) : resolve(out))),
    );
  const one = (block: Buffer) =>
    slots.run(
      () => {},
      () => compress(block),
    );
  let any = false;
  for await (const block of blocks(input, blockSize)) {
    any = true;
    const p = one(block);
    p.catch(() => {});
    inflight.push(p);
    while (inflight.length >= parallel) yield await inflight.shift()!;
  }
  if (!any) inflight.push(one(Buffer.alloc(0)));
  while (inflight.length > 0) yield await inflight.shift()!;
}

export function compressStream(input: AsyncIterable<Uint8Array>, kind: LayerCompression, opts: CompressOptions = {}): AsyncGenerator<Buffer> {
  return kind === 'zstd' ? parallelZstd(input, opts) : parallelGzip(input, opts);
}
