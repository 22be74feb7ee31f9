// Build endpoints of the Engine API: POST /build (the classic builder's protocol: the context
// tar as the body, options in the query, the JSON-progress stream back) and POST /build/prune.
import type { Readable } from 'node:stream';
import type { Client } from './client.ts';
import { encodeFilters } from './images.ts';
import { jsonLines } from './jsonlines.ts';
import type { Filters, JSONMessage } from './types.ts';

/** Wharf's extension header for build secrets (docs/build.md). */
export const BUILD_SECRETS_HEADER = 'X-Wharf-Build-Secrets';

export interface BuildOptions {
  tags?: string[];
  /** The Dockerfile's path inside the context. */
  dockerfile?: string;
  /** null: named without a value and not in the environment. */
  buildArgs?: Record<string, string | null>;
  labels?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  /** Remove intermediate containers after a successful build (the daemon's default). */
  remove?: boolean;
  forceRemove?: boolean;
  quiet?: boolean;
  networkMode?: string;
  extraHosts?: string[];
  shmSize?: number;
  ulimits?: { Name: string; Soft: number; Hard: number }[];
  cacheFrom?: string[];
  platform?: string;
  /** X-Registry-Config: base64url JSON of credentials by registry, for FROM pulls. */
  registryConfig?: string;
  /** RUN --mount=type=secret values by id, sent in X-Wharf-Build-Secrets. */
  secrets?: Map<string, Buffer>;
  signal?: AbortSignal;
}

/** The header value for `secrets`: base64 of a JSON object {id: base64 of the value}. */
export function encodeBuildSecrets(secrets: ReadonlyMap<string, Buffer>): string {
  const obj: Record<string, string> = {};
  for (const [id, value] of secrets) obj[id] = value.toString('base64');
  return Buffer.from(JSON.stringify(obj)).toString('base64');
}

export interface BuildPruneResponse {
  CachesDeleted?: string[] | null;
  SpaceReclaimed: number;
}

export class BuildApi {
  private readonly c: Client;
  constructor(client: Client) {
    this.c = client;
  }

  /** POST /build with `context` (a tar, maybe compressed) as the body; yields the progress stream. */
  async run(context: Readable, opts: BuildOptions = {}): Promise<AsyncGenerator<JSONMessage>> {
    const headers: Record<string, string> = { 'Content-Type': 'application/x-tar' };
    if (opts.registryConfig) headers['X-Registry-Config'] = opts.registryConfig;
    if (opts.secrets && opts.secrets.size > 0) headers[BUILD_SECRETS_HEADER] = encodeBuildSecrets(opts.secrets);
    const nonEmpty = <T extends object>(v: T | undefined) => (v && Object.keys(v).length > 0 ? JSON.stringify(v) : undefined);
    const res = await this.c.call({
      method: 'POST',
      path: '/build',
      query: {
        t: opts.tags && opts.tags.length > 0 ? opts.tags : undefined,
        dockerfile: opts.dockerfile || undefined,
        buildargs: nonEmpty(opts.buildArgs),
        labels: nonEmpty(opts.labels),
        target: opts.target || undefined,
        nocache: opts.noCache || undefined,
        pull: opts.pull || undefined,
        // Only sent when opting out: the daemon removes them by default.
        rm: opts.remove === false ? false : undefined,
        forcerm: opts.forceRemove || undefined,
        q: opts.quiet || undefined,
        networkmode: opts.networkMode && opts.networkMode !== 'default' ? opts.networkMode : undefined,
        extrahosts: opts.extraHosts && opts.extraHosts.length > 0 ? opts.extraHosts : undefined,
        shmsize: opts.shmSize || undefined,
        ulimits: opts.ulimits && opts.ulimits.length > 0 ? JSON.stringify(opts.ulimits) : undefined,
        cachefrom: opts.cacheFrom && opts.cacheFrom.length > 0 ? JSON.stringify(opts.cacheFrom) : undefined,
        platform: opts.platform ? opts.platform.toLowerCase() : undefined,
        version: '1',
      },
      body: context,
      headers,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return jsonLines<JSONMessage>(res.body);
  }

  /** POST /build/prune. */
  async prune(opts: { all?: boolean; filters?: Filters } = {}): Promise<BuildPruneResponse> {
    const res = await this.c.json<BuildPruneResponse | undefined>({
      method: 'POST',
      path: '/build/prune',
      query: { all: opts.all || undefined, filters: encodeFilters(opts.filters) },
    });
    return res ?? { CachesDeleted: [], SpaceReclaimed: 0 };
  }
}
