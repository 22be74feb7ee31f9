// Container endpoints of the Engine API: create, inspect, list, the lifecycle verbs (start,
// stop, restart, kill, pause, unpause, wait, remove, rename), top, update, prune, export,
// changes, commit, logs, stats, attach (a hijacked connection) and resize.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { Client } from './client.ts';
import { ApiError } from './errors.ts';
import { encodeFilters } from './images.ts';
import type {
  ContainerConfig,
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspectResponse,
  ContainerPruneResponse,
  ContainerStatsResponse,
  ContainerSummary,
  ContainerTopResponse,
  ContainerUpdateRequest,
  ContainerUpdateResponse,
  ContainerWaitResponse,
  FilesystemChange,
  Filters,
  IDResponse,
} from './types.ts';

/** dockerd's ContainerPathStat (X-Docker-Container-Path-Stat); `mode` in Go's os.FileMode bits. */
export interface ContainerPathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Decodes the X-Docker-Container-Path-Stat header. */
export function pathStatFromHeaders(headers: IncomingHttpHeaders): ContainerPathStat {
  const raw = headers['x-docker-container-path-stat'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) throw new Error('the daemon sent no X-Docker-Container-Path-Stat header');
  try {
    return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as ContainerPathStat;
  } catch {
    throw new Error('unable to decode container path stat header');
  }
}

/** Path segment for a container ID or name. */
export function containerPath(idOrName: string): string {
  return `/containers/${encodeURIComponent(idOrName)}`;
}

export interface ListOptions {
  all?: boolean;
  limit?: number;
  size?: boolean;
  filters?: Filters;
}

export interface StopOptions {
  /** Signal name or number ("SIGTERM", "9"); the container's StopSignal when absent. */
  signal?: string;
  /** Seconds before SIGKILL; the container's StopTimeout when absent. */
  timeout?: number;
}

export interface AttachOptions {
  stream?: boolean;
  logs?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  detachKeys?: string;
}

export interface LogsOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Unix timestamps as docker's CLI sends them ("1700000000.000000000"). */
  since?: string;
  until?: string;
  timestamps?: boolean;
  /** "all" or a number of lines. */
  tail?: string;
  details?: boolean;
  signal?: AbortSignal;
}

export interface CommitOptions {
  container: string;
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  pause?: boolean;
  changes?: string[];
  config?: ContainerConfig;
}

export class ContainerApi {
  private readonly c: Client;
  constructor(client: Client) {
    this.c = client;
  }

  create(body: ContainerCreateRequest, opts: { name?: string; platform?: string } = {}): Promise<ContainerCreateResponse> {
    return this.c.json<ContainerCreateResponse>({
      method: 'POST',
      path: '/containers/create',
      query: { name: opts.name || undefined, platform: opts.platform || undefined },
      body,
    });
  }

  inspect(id: string, opts: { size?: boolean } = {}): Promise<ContainerInspectResponse> {
    return this.c.json<ContainerInspectResponse>({ path: `${containerPath(id)}/json`, query: { size: opts.size || undefined } });
  }

  /** The inspect answer as the daemon sent it, for printing without re-encoding. */
  inspectRaw(id: string, opts: { size?: boolean } = {}): Promise<string> {
    return this.c.text({ path: `${containerPath(id)}/json`, query: { size: opts.size || undefined } });
  }

  list(opts: ListOptions = {}): Promise<ContainerSummary[]> {
    return this.c.json<ContainerSummary[]>({
      path: '/containers/json',
      query: {
        all: opts.all || undefined,
        limit: opts.limit !== undefined && opts.limit > 0 ? opts.limit : undefined,
        size: opts.size || undefined,
        filters: encodeFilters(opts.filters),
      },
    });
  }

  start(id: string, opts: { detachKeys?: string } = {}): Promise<void> {
    return this.c.empty({ method: 'POST', path: `${containerPath(id)}/start`, query: { detachKeys: opts.detachKeys || undefined } });
  }

  stop(id: string, opts: StopOptions = {}): Promise<void> {
    return this.c.empty({ method: 'POST', path: `${containerPath(id)}/stop`, query: stopQuery(opts) });
  }

  restart(id: string, opts: StopOptions = {}): Promise<void> {
    return this.c.empty({ method: 'POST', path: `${containerPath(id)}/restart`, query: stopQuery(opts) });
  }

  kill(id: string, signal?: string): Promise<void> {
    return this.c.empty({ method: 'POST', path: `${containerPath(id)}/kill`, query: { signal: signal || undefined } });
  }

  pause(id: string): Promise<void> {
    return this.c.empty({ method: 'POST', path: `${containerPath(id)}/pause` });
  }

  unpause(id: string): Promise<void> {
    return this.c.empty({ method: 'POST', path: `${containerPath(id)}/unpause` });
  }

  /**
   * POST /containers/{id}/wait: resolves when the condition is met ("not-running" by
   * default, "next-exit", "removed").
   */
  async wait(id: string, opts: { condition?: string; signal?: AbortSignal } = {}): Promise<ContainerWaitResponse> {
    return (await this.waitRegistered(id, opts)).result;
  }

  /**
   * Sends the wait and resolves once the daemon has answered the headers, which a daemon
   * does after registering the waiter (so a start that follows cannot be missed); `result`
   * is the status at exit.
   */
  async waitRegistered(
    id: string,
    opts: { condition?: string; signal?: AbortSignal } = {},
  ): Promise<{ result: Promise<ContainerWaitResponse> }> {
    const res = await this.c.call({
      method: 'POST',
      path: `${containerPath(id)}/wait`,
      query: { condition: opts.condition || undefined },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const result = (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString().trim();
      if (text === '') throw new Error('daemon ended the wait without a status');
      return JSON.parse(text) as ContainerWaitResponse;
    })();
    // Callers may attach their handler later; never an unhandled rejection meanwhile.
    result.catch(() => {});
    return { result };
  }

  remove(id: string, opts: { force?: boolean; volumes?: boolean; link?: boolean } = {}): Promise<void> {
    return this.c.empty({
      method: 'DELETE',
      path: containerPath(id),
      query: { force: opts.force || undefined, v: opts.volumes || undefined, link: opts.link || undefined },
    });
  }

  rename(id: string, name: string): Promise<void> {
    return this.c.empty({ method: 'POST', path: `${containerPath(id)}/rename`, query: { name } });
  }

  top(id: string, psArgs?: string): Promise<ContainerTopResponse> {
    return this.c.json<ContainerTopResponse>({ path: `${containerPath(id)}/top`, query: { ps_args: psArgs || undefined } });
  }

  async update(id: string, body: ContainerUpdateRequest): Promise<ContainerUpdateResponse> {
    return (await this.c.json<ContainerUpdateResponse | undefined>({ method: 'POST', path: `${containerPath(id)}/update`, body })) ?? {};
  }

  async prune(filters?: Filters): Promise<ContainerPruneResponse> {
    const res = await this.c.json<ContainerPruneResponse | undefined>({
      method: 'POST',
      path: '/containers/prune',
      query: { filters: encodeFilters(filters) },
    });
    return res ?? { ContainersDeleted: [], SpaceReclaimed: 0 };
  }

  /** GET /containers/{id}/export: the container's filesystem as a tar stream. */
  export(id: string, signal?: AbortSignal): Promise<IncomingMessage> {
    return this.c.download({ path: `${containerPath(id)}/export`, ...(signal ? { signal } : {}) });
  }

  /** HEAD /containers/{id}/archive: what is at `path` in the container. */
  async statPath(id: string, path: string): Promise<ContainerPathStat> {
    const res = await this.c.request({ method: 'HEAD', path: `${containerPath(id)}/archive`, query: { path } });
    res.body.resume();
    if (res.status === 404) throw new ApiError(404, `Could not find the file ${path} in container ${id}`);
    if (res.status >= 400) throw new ApiError(res.status, `stat ${path} in container ${id}: status ${res.status}`);
    return pathStatFromHeaders(res.headers);
  }

  /** GET /containers/{id}/archive: the path's stat and a tar of it. */
  async getArchive(id: string, path: string, signal?: AbortSignal): Promise<{ stat: ContainerPathStat; body: IncomingMessage }> {
    const res = await this.c.call({ path: `${containerPath(id)}/archive`, query: { path }, ...(signal ? { signal } : {}) });
    return { stat: pathStatFromHeaders(res.headers), body: res.body };
  }

  /** PUT /containers/{id}/archive: extracts `tar` into the directory `path`. */
  putArchive(id: string, path: string, tar: Readable, opts: { copyUIDGID?: boolean; noOverwriteDirNonDir?: boolean } = {}): Promise<void> {
    return this.c.empty({
      method: 'PUT',
      path: `${containerPath(id)}/archive`,
      query: { path, noOverwriteDirNonDir: opts.noOverwriteDirNonDir || undefined, copyUIDGID: opts.copyUIDGID || undefined },
      body: tar,
      headers: { 'Content-Type': 'application/x-tar' },
    });
  }

  async changes(id: string): Promise<FilesystemChange[]> {
    return (await this.c.json<FilesystemChange[] | null>({ path: `${containerPath(id)}/changes` })) ?? [];
  }

  /** POST /commit: a new image from the container's changes. */
  commit(opts: CommitOptions): Promise<IDResponse> {
    return this.c.json<IDResponse>({
      method: 'POST',
      path: '/commit',
      query: {
        container: opts.container,
        repo: opts.repo || undefined,
        tag: opts.tag || undefined,
        comment: opts.comment || undefined,
        author: opts.author || undefined,
        pause: opts.pause === undefined ? undefined : opts.pause,
        changes: opts.changes && opts.changes.length > 0 ? opts.changes : undefined,
      },
      ...(opts.config ? { body: opts.config } : {}),
    });
  }

  /** GET /containers/{id}/logs: the raw body (stdcopy frames unless the container has a TTY). */
  logs(id: string, opts: LogsOptions = {}): Promise<IncomingMessage> {
    return this.c.download({
      path: `${containerPath(id)}/logs`,
      query: {
        stdout: opts.stdout || undefined,
        stderr: opts.stderr || undefined,
        follow: opts.follow || undefined,
        since: opts.since || undefined,
        until: opts.until || undefined,
        timestamps: opts.timestamps || undefined,
        tail: opts.tail || undefined,
        details: opts.details || undefined,
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** GET /containers/{id}/stats: one sample (`stream: false`) or a sample a second. */
  async stats(id: string, opts: { stream?: boolean; oneShot?: boolean; signal?: AbortSignal } = {}): Promise<AsyncGenerator<ContainerStatsResponse>> {
    return this.c.stream<ContainerStatsResponse>({
      path: `${containerPath(id)}/stats`,
      query: { stream: opts.stream ?? true, 'one-shot': opts.oneShot || undefined },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** POST /containers/{id}/attach upgraded to a raw connection. */
  async attach(id: string, opts: AttachOptions): Promise<Duplex> {
    const { socket } = await this.c.hijack({
      method: 'POST',
      path: `${containerPath(id)}/attach`,
      query: {
        stream: opts.stream || undefined,
        logs: opts.logs || undefined,
        stdin: opts.stdin || undefined,
        stdout: opts.stdout || undefined,
        stderr: opts.stderr || undefined,
        detachKeys: opts.detachKeys || undefined,
      },
    });
    return socket;
  }

  /** POST /containers/{id}/resize: the TTY's size in rows (h) and columns (w). */
  resize(id: string, height: number, width: number): Promise<void> {
    return this.c.empty({ method: 'POST', path: `${containerPath(id)}/resize`, query: { h: height, w: width } });
  }
}

function stopQuery(opts: StopOptions): Record<string, string | number | undefined> {
  return { signal: opts.signal || undefined, t: opts.timeout };
}
