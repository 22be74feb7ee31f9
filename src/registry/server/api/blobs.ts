// GET/HEAD/DELETE /v2/<name>/blobs/<digest>: blobs streamed from disk, with single byte ranges.
import { pipeline } from 'node:stream/promises';
import { RegistryError, regError } from '../errors.ts';
import { parseDigest } from '../names.ts';
import { type Ctx, deletionAllowed, send } from './http.ts';

/** "bytes=a-b", "bytes=a-", "bytes=-n" against a size; null when unsatisfiable, undefined when absent. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | undefined {
  if (!header) return undefined;
  const m = header.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return null;
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return null;
  return { start, end };
}

export async function getBlob(ctx: Ctx, name: string, ref: string, head: boolean): Promise<void> {
  const d = parseDigest(ref);
  await ctx.registry.blobSize(name, d);
  const fh = await ctx.registry.blobs.openHandle(d);
  if (!fh) throw regError('BLOB_UNKNOWN', { digest: d });
  let handedOver = false;
  try {
    const size = (await fh.stat()).size;
    const range = parseRange(ctx.req.headers.range, size);
    if (range === null) {
      throw new RegistryError('BLOB_UNKNOWN', {
        status: 416,
        message: 'requested range not satisfiable',
        headers: { 'Content-Range': `bytes */${size}` },
      });
    }
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/octet-stream',
      'Docker-Content-Digest': d,
      ETag: `"${d}"`,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'max-age=31536000',
      'Content-Length': range ? range.end - range.start + 1 : size,
    };
    if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
    ctx.res.writeHead(range ? 206 : 200, headers);
    if (head || size === 0) {
      ctx.res.end();
      return;
    }
    handedOver = true;
    const stream = fh.createReadStream({ highWaterMark: 1 << 20, ...(range ?? {}) });
    await pipeline(stream, ctx.res);
  } finally {
    if (!handedOver) await fh.close();
  }
}

export async function deleteBlob(ctx: Ctx, name: string, ref: string): Promise<void> {
  deletionAllowed(ctx);
  const d = parseDigest(ref);
  await ctx.registry.deleteBlob(name, d);
  send(ctx.res, 202, { 'Docker-Content-Digest': d });
}
