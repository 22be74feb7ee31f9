// What the build service offers the API (POST /build, /build/prune, /system/df's BuildCache)
// and the options of one build, from the classic builder's query parameters.
import type { Readable } from 'node:stream';

export interface BuildOptions {
  /** The Dockerfile's path inside the context ("Dockerfile"). */
  dockerfile: string;
  /** Full references to tag the result with ("docker.io/library/x:latest"). */
  tags: string[];
  /** --build-arg values; null means "the client's environment had none". */
  buildArgs: Record<string, string | null>;
  /** --label: added to the final image. */
  labels: Record<string, string>;
  target?: string;
  noCache: boolean;
  /** --pull: look for a newer base image even when one is present. */
  pull: boolean;
  /** Remove intermediate containers after a successful step (rm, default true) / always (forcerm). */
  remove: boolean;
  forceRemove: boolean;
  /** -q: the route holds the output back (shown on failure) and prints only the ID. */
  quiet: boolean;
  /** RUN's network mode (`--network`), extra hosts, /dev/shm size, ulimits. */
  networkMode?: string;
  extraHosts: string[];
  shmSize?: number;
  ulimits: { Name: string; Soft: number; Hard: number }[];
  /** Images whose steps may serve as cache (--cache-from). */
  cacheFrom: string[];
  /** "os/arch[/variant]". */
  platform?: string;
  /** RUN --mount=type=secret values by id (Wharf's extension of the request: docs/build.md). */
  secrets: Map<string, Buffer>;
  /** Base64url JSON of registry credentials by host (X-Registry-Config), for FROM pulls. */
  registryConfig?: string;
  /** Aborted when the client goes away: the build stops and leaves nothing behind. */
  signal: AbortSignal;
}

/** Where the build's progress goes: the JSON stream's "stream" and "aux" messages. */
export interface BuildProgress {
  stream(text: string): void;
  aux(value: unknown): void;
}

/** A build cache record, as /system/df reports BuildCache. */
export interface BuildCacheRecord {
  ID: string;
  Parent?: string;
  Type: 'regular';
  Description: string;
  InUse: boolean;
  Shared: boolean;
  Size: number;
  CreatedAt: string;
  LastUsedAt: string | null;
  UsageCount: number;
}

export interface BuildPruneResult {
  CachesDeleted: string[];
  SpaceReclaimed: number;
}

export interface BuildBackend {
  /** Runs one build over an uploaded context; resolves with the final image ID. */
  build(context: Readable, opts: BuildOptions, out: BuildProgress): Promise<{ id: string }>;
  prune(opts: { all: boolean; filters: Map<string, string[]> }): Promise<BuildPruneResult>;
  cacheRecords(): BuildCacheRecord[];
}
