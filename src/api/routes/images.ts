// /images/* routes: parse, call one image-service function, serialize per API version.
import { Readable } from 'node:stream';
import type { RequestContext, RouteTable } from '../context.ts';
import { streamErrorLine } from '../errors.ts';
import { invalidParameter } from '../../lib/errors.ts';
import type { ImageService } from '../../image/service.ts';
import { listImages, type ImageSummary } from '../../image/list.ts';
import { imageHistory, inspectImage, type ImageInspect } from '../../image/inspect.ts';
import { pruneImages, removeImage } from '../../image/remove.ts';
import { importImage } from '../../image/import.ts';
import { loadImages } from '../../image/load.ts';
import { saveImages } from '../../image/save.ts';
import { progressBar } from '../progress.ts';
import type { Reference } from '../../image/reference.ts';
import { decodeRegistryAuth } from '../../registry/client/auth.ts';
import { type ProgressMessage, pullReference, type PullOptions } from '../../registry/pull.ts';
import type { PushEvents, PushRequest } from '../../registry/push.ts';
import type { LayerCompression } from '../../registry/compress.ts';
import { parsePlatformSpec, type PlatformSpec } from '../../registry/manifest-platform.ts';

/** What the image routes need from the distribution client (registry/pull.ts). */
export interface PullBackend {
  pull(ref: Reference, opts: PullOptions): Promise<void>;
}

export function registerImageRoutes(routes: RouteTable, images: ImageService, dist?: PullBackend): void {
  routes.add('GET', '/images/json', async (ctx) => {
    const list = await listImages(images, {
      all: ctx.queryBool('all'),
      filters: ctx.filters(),
      sharedSize: ctx.queryBool('shared-size'),
    });
    ctx.json(list.map((s) => summaryForVersion(ctx, s)));
  });

  routes.add('POST', '/images/create', async (ctx) => {
    const fromImage = ctx.query.get('fromImage');
    if (fromImage && dist) {
      await sendPull(ctx, dist, fromImage);
      return;
    }
    const fromSrc = ctx.query.get('fromSrc');
    if (fromSrc === null) {
      throw invalidParameter('pulling images from a registry (fromImage) is not available in this Wharf version yet');
    }
    if (fromSrc !== '-') throw invalidParameter('fromSrc: only "-" (the request body) is supported; download the archive and send it');
    const stream = ctx.jsonStream();
    try {
      const id = await importImage(images, ctx.bodyStream(), {
        ...opt('repo', ctx.query.get('repo')),
        ...opt('tag', ctx.query.get('tag')),
        ...opt('message', ctx.query.get('message')),
        ...opt('platform', ctx.query.get('platform')),
        changes: ctx.query.getAll('changes'),
        source: fromSrc,
      });
      stream.write({ status: id });
    } catch (err) {
      stream.write(streamErrorLine(err));
    }
    stream.end();
  });

  routes.add('POST', '/images/load', async (ctx) => {
    const quiet = ctx.queryBool('quiet');
    const stream = ctx.jsonStream();
    try {
      await loadImages(images, ctx.bodyStream(), {
        layer: (id, current, total) => {
          if (!quiet) {
            stream.write({ status: 'Loading layer', progressDetail: { current, total }, progress: progressBar(current, total), id });
          }
        },
        message: (text) => stream.write({ stream: text }),
      });
    } catch (err) {
      stream.write(streamErrorLine(err));
    }
    stream.end();
  });

  routes.add('GET', '/images/get', async (ctx) => sendSave(ctx, images, ctx.query.getAll('names')));
  routes.add('POST', '/images/prune', async (ctx) => ctx.json(await pruneImages(images, ctx.filters())));

  routes.add('GET', '/images/{name*}/json', async (ctx) => {
    ctx.json(inspectForVersion(ctx, await inspectImage(images, ctx.params.name!)));
  });
  routes.add('GET', '/images/{name*}/history', async (ctx) => ctx.json(await imageHistory(images, ctx.params.name!)));
  routes.add('GET', '/images/{name*}/get', async (ctx) => sendSave(ctx, images, [ctx.params.name!]));
  routes.add('POST', '/images/{name*}/tag', async (ctx) => {
    const repo = ctx.query.get('repo');
    if (!repo) throw invalidParameter('repository name must have at least one component');
    await images.tag(ctx.params.name!, repo, ctx.query.get('tag') || undefined);
    ctx.noContent(201);
  });
  routes.add('DELETE', '/images/{name*}', async (ctx) => {
    ctx.json(await removeImage(images, ctx.params.name!, { force: ctx.queryBool('force'), noPrune: ctx.queryBool('noprune') }));
  });
}

async function sendSave(ctx: RequestContext, images: ImageService, names: string[]): Promise<void> {
  if (names.length === 0) throw invalidParameter('no image names given');
  const tar = await saveImages(images, names);
  ctx.res.statusCode = 200;
  ctx.res.setHeader('Content-Type', 'application/x-tar');
  const body = Readable.from(tar);
  body.on('error', () => ctx.res.destroy()); // a broken save must not look complete
  body.pipe(ctx.res);
  await new Promise<void>((resolve) => ctx.res.once('close', resolve));
}

/** Docker's pull progress stream; errors before the first line are plain HTTP errors (404 etc.). */
async function sendPull(ctx: RequestContext, dist: PullBackend, fromImage: string): Promise<void> {
  const ref = pullReference(fromImage, ctx.query.get('tag'));
  const auth = decodeRegistryAuth(ctx.req.headers['x-registry-auth'] as string | undefined);
  const stream = ctx.jsonStream();
  const abort = new AbortController();
  stream.onClose(() => abort.abort(new Error('pull canceled: the client went away')));
  const progress = (m: ProgressMessage) => {
    const d = m.progressDetail;
    stream.write(d?.current !== undefined && d.total ? { ...m, progress: progressBar(d.current, d.total) } : m);
  };
  try {
    await dist.pull(ref, { platform: ctx.query.get('platform') || undefined, auth, signal: abort.signal, progress });
  } catch (err) {
    if (!ctx.res.headersSent) throw err;
    stream.write(streamErrorLine(err));
  }
  stream.end();
}

/** What the push route needs (registry/push.ts's PushService). */
export interface PushBackend {
  parse(name: string, tag: string | undefined): unknown;
  push(name: string, req: PushRequest, events: PushEvents): Promise<void>;
}

/**
 * POST /images/{name}/push: dockerd's progress stream. A malformed name is a plain 400; from
 * "The push refers to repository" on, errors come in the stream. `compression` (gzip, zstd)
 * is Wharf's own parameter.
 */
export function registerImagePushRoute(routes: RouteTable, pusher: PushBackend): void {
  routes.add('POST', '/images/{name*}/push', async (ctx) => {
    const name = ctx.params.name!;
    const tag = ctx.query.get('tag') || undefined;
    const compression = ctx.query.get('compression') || undefined;
    if (compression !== undefined && compression !== 'gzip' && compression !== 'zstd') {
      throw invalidParameter(`unsupported compression "${compression}": gzip or zstd`);
    }
    pusher.parse(name, tag);
    const platform = pushPlatform(ctx.query.get('platform'));
    const auth = decodeRegistryAuth(ctx.req.headers['x-registry-auth'] as string | undefined);
    const stream = ctx.jsonStream();
    const abort = new AbortController();
    stream.onClose(() => abort.abort(new Error('push canceled: the client went away')));
    const events: PushEvents = {
      status: (status) => stream.write({ status }),
      layer: (id, status, d) =>
        stream.write(d ? { status, progressDetail: d, progress: progressBar(d.current, d.total), id } : { status, progressDetail: {}, id }),
      aux: (aux) => stream.write({ progressDetail: {}, aux }),
    };
    try {
      await pusher.push(name, { tag, auth, platform, compression: compression as LayerCompression | undefined, signal: abort.signal }, events);
    } catch (err) {
      if (!ctx.res.headersSent) throw err;
      stream.write(streamErrorLine(err));
    }
    stream.end();
  });
}

/** The push's `platform` query: OCI platform JSON (API 1.46+). */
function pushPlatform(raw: string | null): PlatformSpec | undefined {
  if (!raw) return undefined;
  let p: { os?: unknown; architecture?: unknown; variant?: unknown };
  try {
    p = JSON.parse(raw) as typeof p;
  } catch {
    throw invalidParameter(`invalid platform: ${raw}`);
  }
  if (typeof p?.os !== 'string' || typeof p.architecture !== 'string') throw invalidParameter(`invalid platform: ${raw}`);
  return parsePlatformSpec(`${p.os}/${p.architecture}${typeof p.variant === 'string' && p.variant ? `/${p.variant}` : ''}`);
}

function opt<K extends string>(key: K, v: string | null): { [P in K]?: string } {
  return (v ? { [key]: v } : {}) as { [P in K]?: string };
}

// Version differences (docs/api-versions.md): fields that clients of older versions expect.

function summaryForVersion(ctx: RequestContext, s: ImageSummary): ImageSummary {
  const out = { ...s };
  if (ctx.versionAtLeast('1.44')) delete out.VirtualSize;
  if (!ctx.versionAtLeast('1.51')) out.Containers = -1;
  if (!ctx.versionAtLeast('1.43')) {
    // Older clients expect placeholders for untagged images.
    if (out.RepoTags.length === 0) out.RepoTags = ['<none>:<none>'];
    if (out.RepoDigests.length === 0) out.RepoDigests = ['<none>@<none>'];
  }
  return out;
}

const LEGACY_CONFIG_FIELDS = {
  Hostname: '',
  Domainname: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Image: '',
};

function inspectForVersion(ctx: RequestContext, i: ImageInspect): ImageInspect {
  const out = { ...i };
  if (ctx.versionAtLeast('1.44')) delete out.VirtualSize;
  else if (out.Created === undefined) out.Created = '0001-01-01T00:00:00Z';
  if (ctx.versionAtLeast('1.45')) {
    delete out.Container;
    delete out.ContainerConfig;
  }
  if (!ctx.versionAtLeast('1.50') && out.Config) out.Config = { ...LEGACY_CONFIG_FIELDS, ...out.Config };
  return out;
}
