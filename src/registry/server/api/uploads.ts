// Blob uploads: POST starts a session (or uploads monolithically with ?digest=, or mounts
// with ?mount=&from=), PATCH appends chunks, PUT closes with the digest, GET tells the
// offset for resuming, DELETE cancels.
import { regError } from '../errors.ts';
import { isName, parseDigest } from '../names.ts';
import { type Ctx, hasBody, send } from './http.ts';

function uploadHeaders(name: string, id: string, size: number): Record<string, string> {
  return {
    Location: `/v2/${name}/blobs/uploads/${id}`,
    Range: `0-${size > 0 ? size - 1 : 0}`,
    'Docker-Upload-UUID': id,
  };
}

function created(ctx: Ctx, name: string, digest: string): void {
  send(ctx.res, 201, { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

/** A chunk's Content-Range: the spec's "<start>-<end>", or "bytes <start>-<end>/<total|*>". */
export function parseContentRange(h: string | undefined): { start: number; end: number } | undefined {
  if (h === undefined) return undefined;
  const m = h.trim().match(/^(?:bytes )?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/);
  if (!m || Number(m[2]) < Number(m[1])) throw regError('BLOB_UPLOAD_INVALID', { contentRange: h }, 'invalid Content-Range');
  return { start: Number(m[1]), end: Number(m[2]) };
}

export async function startUpload(ctx: Ctx, name: string): Promise<void> {
  const { registry, query } = ctx;
  const mount = query.get('mount');
  const from = query.get('from');
  if (mount !== null && from !== null && isName(from)) {
    const d = parseDigest(mount);
    // Mounting reads `from`: only for a caller allowed to pull it. Otherwise, an ordinary upload.
    if (ctx.principal.can('repository', from, 'pull') && (await registry.mount(name, d, from))) {
      created(ctx, name, d);
      return;
    }
  }
  const digest = query.get('digest');
  if (digest !== null) {
    const d = parseDigest(digest);
    const id = await registry.uploads.create(name);
    try {
      await registry.uploads.complete(name, id, d, ctx.req);
    } catch (err) {
      await registry.uploads.remove(name, id);
      throw err;
    }
    created(ctx, name, d);
    return;
  }
  const id = await registry.uploads.create(name);
  send(ctx.res, 202, uploadHeaders(name, id, 0));
}

export async function patchUpload(ctx: Ctx, name: string, id: string): Promise<void> {
  const range = parseContentRange(ctx.req.headers['content-range']);
  const declared = ctx.req.headers['content-length'];
  if (range && declared !== undefined && Number(declared) !== range.end - range.start + 1) {
    throw regError('SIZE_INVALID', { contentRange: ctx.req.headers['content-range'], contentLength: declared });
  }
  const size = await ctx.registry.uploads.append(name, id, ctx.req, range);
  send(ctx.res, 202, uploadHeaders(name, id, size));
}

export async function putUpload(ctx: Ctx, name: string, id: string): Promise<void> {
  const d = parseDigest(ctx.query.get('digest'));
  const range = parseContentRange(ctx.req.headers['content-range']);
  const body = hasBody(ctx.req) ? ctx.req : undefined;
  await ctx.registry.uploads.complete(name, id, d, body, range);
  created(ctx, name, d);
}

export async function uploadStatus(ctx: Ctx, name: string, id: string): Promise<void> {
  const size = await ctx.registry.uploads.size(name, id);
  send(ctx.res, 204, uploadHeaders(name, id, size));
}

export async function cancelUpload(ctx: Ctx, name: string, id: string): Promise<void> {
  await ctx.registry.uploads.cancel(name, id);
  send(ctx.res, 204);
}
