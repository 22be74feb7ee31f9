// Content discovery: tags list and catalog (paginated with n/last and a Link header), and the
// referrers API (an OCI index of the manifests whose subject is a digest).
import { MEDIA, parseDigest } from '../names.ts';
import { type Ctx, nextLink, pageSize, sendJson } from './http.ts';

export async function listTags(ctx: Ctx, name: string): Promise<void> {
  const n = pageSize(ctx.query);
  const page = await ctx.registry.tags(name, n, ctx.query.get('last') ?? undefined);
  const headers: Record<string, string> = {};
  if (page.next !== undefined && n !== undefined) headers['Link'] = nextLink(`/v2/${name}/tags/list`, n, page.next);
  sendJson(ctx.res, 200, { name, tags: page.items }, headers);
}

export async function catalog(ctx: Ctx): Promise<void> {
  const n = pageSize(ctx.query);
  const page = await ctx.registry.catalog(n, ctx.query.get('last') ?? undefined);
  const headers: Record<string, string> = {};
  if (page.next !== undefined && n !== undefined) headers['Link'] = nextLink('/v2/_catalog', n, page.next);
  sendJson(ctx.res, 200, { repositories: page.items }, headers);
}

export async function referrers(ctx: Ctx, name: string, ref: string): Promise<void> {
  const subject = parseDigest(ref);
  const artifactType = ctx.query.get('artifactType') ?? undefined;
  const manifests = await ctx.registry.referrers(name, subject, artifactType);
  const headers: Record<string, string> = { 'Content-Type': MEDIA.ociIndex };
  if (artifactType !== undefined) headers['OCI-Filters-Applied'] = 'artifactType';
  sendJson(ctx.res, 200, { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests }, headers);
}
