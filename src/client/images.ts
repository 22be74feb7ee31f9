// Image endpoints of the Engine API (ImageList, ImageInspect, ImageHistory, ImageTag,
// ImageDelete, ImagePrune, ImageGetAll, ImageLoad, ImageCreate from a source).
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Client } from './client.ts';
import { jsonLines } from './jsonlines.ts';
import type {
  Filters,
  HistoryResponseItem,
  ImageDeleteResponseItem,
  ImageInspect,
  ImagePruneResponse,
  ImageSummary,
  JSONMessage,
} from './types.ts';

/** Path segment for an image name or ID; names keep their '/', ':' and '@' as docker sends them. */
export function namePath(name: string): string {
  return encodeURIComponent(name).replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%40/gi, '@');
}

/** The `filters` query value: docker's map form {"key": {"value": true}}; undefined when empty. */
export function encodeFilters(filters: Filters | undefined): string | undefined {
  if (!filters) return undefined;
  const out: Record<string, Record<string, boolean>> = {};
  for (const [key, values] of Object.entries(filters)) {
    if (values.length === 0) continue;
    const set: Record<string, boolean> = {};
    for (const v of values) set[v] = true;
    out[key] = set;
  }
  return Object.keys(out).length === 0 ? undefined : JSON.stringify(out);
}

export interface LoadResult {
  /** True when the body is a JSON-progress stream (else plain text). */
  json: boolean;
  body: IncomingMessage;
}

export interface ImportOptions {
  /** "-" when the tar is the request body, else a URL the daemon fetches. */
  fromSrc: string;
  repo?: string;
  tag?: string;
  message?: string;
  changes?: string[];
  platform?: string;
}

export class ImageApi {
  private readonly c: Client;
  constructor(client: Client) {
    this.c = client;
  }

  list(opts: { all?: boolean; filters?: Filters; digests?: boolean; sharedSize?: boolean } = {}): Promise<ImageSummary[]> {
    return this.c.json<ImageSummary[]>({
      path: '/images/json',
      query: {
        all: opts.all || undefined,
        filters: encodeFilters(opts.filters),
        digests: opts.digests || undefined,
        'shared-size': opts.sharedSize || undefined,
      },
    });
  }

  inspect(name: string): Promise<ImageInspect> {
    return this.c.json<ImageInspect>({ path: `/images/${namePath(name)}/json` });
  }

  /** The inspect answer as the daemon sent it, for printing without re-encoding. */
  inspectRaw(name: string): Promise<string> {
    return this.c.text({ path: `/images/${namePath(name)}/json` });
  }

  history(name: string, opts: { platform?: string } = {}): Promise<HistoryResponseItem[]> {
    return this.c.json<HistoryResponseItem[]>({
      path: `/images/${namePath(name)}/history`,
      query: { platform: opts.platform },
    });
  }

  /** POST /images/{name}/tag; `repo` and `tag` are the target's parts. */
  async tag(source: string, repo: string, tag?: string): Promise<void> {
    await this.c.empty({
      method: 'POST',
      path: `/images/${namePath(source)}/tag`,
      query: { repo, tag: tag || undefined },
    });
  }

  remove(name: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<ImageDeleteResponseItem[]> {
    return this.c.json<ImageDeleteResponseItem[]>({
      method: 'DELETE',
      path: `/images/${namePath(name)}`,
      query: { force: opts.force || undefined, noprune: opts.noprune || undefined },
    });
  }

  async prune(filters?: Filters): Promise<ImagePruneResponse> {
    const res = await this.c.json<ImagePruneResponse | undefined>({
      method: 'POST',
      path: '/images/prune',
      query: { filters: encodeFilters(filters) },
    });
    return res ?? { ImagesDeleted: [], SpaceReclaimed: 0 };
  }

  /** GET /images/get?names=...: a tar stream of the images. */
  save(names: readonly string[], opts: { platforms?: string[]; signal?: AbortSignal } = {}): Promise<IncomingMessage> {
    return this.c.download({
      path: '/images/get',
      query: { names, platform: opts.platforms },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** POST /images/load with the tar as a chunked body. */
  async load(tar: Readable, opts: { quiet?: boolean; platforms?: string[] } = {}): Promise<LoadResult> {
    const res = await this.c.call({
      method: 'POST',
      path: '/images/load',
      query: { quiet: opts.quiet || undefined, platform: opts.platforms },
      body: tar,
      headers: { 'Content-Type': 'application/x-tar' },
    });
    const type = String(res.headers['content-type'] ?? '');
    return { json: type.includes('application/json'), body: res.body };
  }

  /**
   * POST /images/create?fromImage=...: pull from a registry; yields the progress stream. With
   * `all`, the tag is sent empty: the daemon pulls every tag (`docker pull -a`).
   */
  async pull(
    name: string,
    opts: { tag?: string; platform?: string; all?: boolean; registryAuth?: string; signal?: AbortSignal } = {},
  ): Promise<AsyncGenerator<JSONMessage>> {
    const res = await this.c.call({
      method: 'POST',
      path: '/images/create',
      query: { fromImage: name, tag: opts.all ? '' : opts.tag || undefined, platform: opts.platform || undefined },
      ...(opts.registryAuth ? { headers: { 'X-Registry-Auth': opts.registryAuth } } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return jsonLines<JSONMessage>(res.body);
  }

  /**
   * POST /images/{name}/push?tag=: push to a registry; yields the progress stream. Without a
   * tag the daemon pushes every tag of the repository (`docker push -a`). `platform` is OCI
   * platform JSON; `compression` (gzip, zstd) is Wharf's own.
   */
  async push(
    name: string,
    opts: { tag?: string; platform?: string; compression?: string; registryAuth?: string; signal?: AbortSignal } = {},
  ): Promise<AsyncGenerator<JSONMessage>> {
    const res = await this.c.call({
      method: 'POST',
      path: `/images/${namePath(name)}/push`,
      query: { tag: opts.tag || undefined, platform: opts.platform || undefined, compression: opts.compression || undefined },
      ...(opts.registryAuth ? { headers: { 'X-Registry-Auth': opts.registryAuth } } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return jsonLines<JSONMessage>(res.body);
  }

  /** POST /images/create?fromSrc=...: import a filesystem tarball; yields the progress stream. */
  async import(source: Readable | undefined, opts: ImportOptions): Promise<AsyncGenerator<JSONMessage>> {
    const res = await this.c.call({
      method: 'POST',
      path: '/images/create',
      query: {
        fromSrc: opts.fromSrc,
        repo: opts.repo || undefined,
        tag: opts.tag || undefined,
        message: opts.message || undefined,
        changes: opts.changes && opts.changes.length > 0 ? opts.changes : undefined,
        platform: opts.platform || undefined,
      },
      ...(source ? { body: source, headers: { 'Content-Type': 'application/x-tar' } } : {}),
    });
    return jsonLines<JSONMessage>(res.body);
  }
}
