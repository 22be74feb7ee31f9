// GET/HEAD/PUT/DELETE /v2/<name>/manifests/<reference>.
import { regError } from '../errors.ts';
import { bareType } from '../manifest.ts';
import { MAX_MANIFEST_BYTES } from '../registry.ts';
import { type Ctx, deletionAllowed, readBody, send } from './http.ts';

/** The media types an Accept header lists (several headers or comma-separated), without q-values. */
export function acceptedTypes(accept: string | string[] | undefined): string[] {
  const all = Array.isArray(accept) ? accept.join(',') : (accept ?? '');
  return all
    .split(',')
    .map((t) => bareType(t))
    .filter((t) => t !== '');
}

/** A client that lists types but none that fits gets 404, as distribution answers it for OCI types. */
function acceptable(types: string[], mediaType: string): boolean {
  if (types.length === 0) return true;
  return types.some((t) => t === mediaType || t === '*/*' || t === `${mediaType.split('/')[0]}/*`);
}

export async function getManifest(ctx: Ctx, name: string, ref: string, head: boolean): Promise<void> {
  const m = await ctx.registry.resolveManifest(name, ref);
  if (!acceptable(acceptedTypes(ctx.req.headers.accept), m.mediaType)) {
    throw regError('MANIFEST_UNKNOWN', { mediaType: m.mediaType }, `manifest of type ${m.mediaType} not among the accepted types`);
  }
  const headers = {
    'Content-Type': m.mediaType,
    'Docker-Content-Digest': m.digest,
    ETag: `"${m.digest}"`,
  };
  if (head) {
    ctx.res.writeHead(200, { ...headers, 'Content-Length': m.size });
    ctx.res.end();
    return;
  }
  send(ctx.res, 200, headers, await ctx.registry.readManifest(m));
}

export async function putManifest(ctx: Ctx, name: string, ref: string): Promise<void> {
  const body = await readBody(ctx.req, MAX_MANIFEST_BYTES);
  const { digest, subject } = await ctx.registry.putManifest(name, ref, body, ctx.req.headers['content-type']);
  const headers: Record<string, string> = { Location: `/v2/${name}/manifests/${digest}`, 'Docker-Content-Digest': digest };
  if (subject) headers['OCI-Subject'] = subject;
  send(ctx.res, 201, headers);
}

export async function deleteManifest(ctx: Ctx, name: string, ref: string): Promise<void> {
  deletionAllowed(ctx);
  await ctx.registry.deleteManifest(name, ref);
  send(ctx.res, 202);
}
