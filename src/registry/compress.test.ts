import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync, zstdDecompressSync } from 'node:zlib';
import { blocks, parallelGzip, parallelZstd } from './compress.ts';

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

/** Compressible but not trivial: words from a small vocabulary picked by random bytes. */
function sample(bytes: number): Buffer {
  const words = ['usr/', 'lib/', 'share ', 'doc\n', 'bin/', 'etc ', 'x86_64-linux-gnu/', 'copyright\n', 'changelog.gz '].map((w) => Buffer.from(w));
  const pick = randomBytes(bytes);
  const out = Buffer.alloc(bytes);
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const w = pick[i]! < 64 ? pick.subarray(i, i + 4) : words[pick[i]! % words.length]!;
    n += w.copy(out, n);
  }
  return out;
}

describe('parallel gzip', () => {
  it('is a gzip stream that gunzip reads back, for sizes around the block boundaries', async () => {
    const block = 128 << 10;
    for (const size of [0, 1, block - 1, block, block + 1, 3 * block, 3 * block + 17]) {
      const data = sample(size);
      const gz = await collect(parallelGzip(chunked(data, 10_000), { blockSize: block }));
      assert.deepEqual(gunzipSync(gz), data, `size ${size}`);
      assert.equal(gz.readUInt32LE(gz.length - 4), size, 'ISIZE');
    }
  });

  it('is deterministic and independent of how the input was chunked', async () => {
    const data = sample(1_500_000);
    const a = await collect(parallelGzip(chunked(data, 4096), { blockSize: 256 << 10 }));
    const b = await collect(parallelGzip(chunked(data, 1 << 20), { blockSize: 256 << 10, parallel: 1 }));
    assert.deepEqual(a, b);
  });

  it('compresses as well as one zlib stream: each block is primed with the previous 32 KiB', async () => {
    // A 20 KiB random unit repeated: a block compressed on its own pays for the unit again.
    const data = Buffer.alloc(40 * (20 << 10));
    const unit = randomBytes(20 << 10);
    for (let i = 0; i < data.length; i += unit.length) unit.copy(data, i);
    const par = await collect(parallelGzip(chunked(data, 65536), { blockSize: 128 << 10, level: 1 }));
    const one = gzipSync(data, { level: 1 });
    assert.ok(par.length < one.length * 1.1, `parallel ${par.length} vs single ${one.length}`);
    const text = sample(2 << 20);
    const parText = await collect(parallelGzip(chunked(text, 65536), { blockSize: 128 << 10, level: 1 }));
    assert.ok(parText.length < gzipSync(text, { level: 1 }).length * 1.03);
  });

  it('passes an input error through', async () => {
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(300 << 10, 1);
      throw new Error('disk on fire');
    }
    await assert.rejects(collect(parallelGzip(broken(), { blockSize: 128 << 10 })), /disk on fire/);
  });

  it('blocks() re-cuts a stream into exact blocks', async () => {
    const data = sample(1000);
    const got: number[] = [];
    for await (const b of blocks(chunked(data, 7), 300)) got.push(b.length);
    assert.deepEqual(got, [300, 300, 300, 100]);
  });
});

describe('parallel zstd', () => {
  it('is a multi-frame zstd stream that decompresses to the input', async () => {
    for (const size of [0, 5, (1 << 20) * 2 + 5]) {
      const data = sample(size);
      const z = await collect(parallelZstd(chunked(data, 50_000), { blockSize: 1 << 20 }));
      assert.equal(z.readUInt32LE(0), 0xfd2fb528, 'zstd magic');
      assert.deepEqual(zstdDecompressSync(z), data);
    }
  });
});
