// /containers/* and POST /commit: parse, call one containers-service method, serialize per
// API version. Streams (attach, logs, stats, wait) are framed here; what they carry comes
// from the service.
import { Writable } from 'node:stream';
import type { Duplex, Readable } from 'node:stream';
import { invalidParameter } from '../../lib/errors.ts';
import { parseTimeArg } from '../../lib/timestamp.ts';
import type { RequestContext, RouteTable } from '../context.ts';
import { type ArchiveBackend, registerArchiveRoutes } from './container-archive.ts';
import { createStdWriter, STDERR, STDOUT } from '../stream.ts';
import type { AttachOptions, AttachSession } from '../../runtime/runtime.ts';
import type { LogLine, LogsQuery } from '../../container/logs.ts';
import type {
  ContainerCreateBody,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerPruneResponse,
  ContainerSummary,
  ContainerTopResponse,
  ContainerWaitResponse,
  FilesystemChange,
  WaitCondition,
} from '../../container/types.ts';

export interface CommitQuery {
  repo: string;
  tag: string;
  comment: string;
  author: string;
  pause: boolean;
  changes: string[];
  /** The body: a ContainerConfig overriding the container's for the new image. */
  config: Record<string, unknown> | null;
}

/** What the container routes need (the containers service implements it). */
export interface ContainerBackend extends ArchiveBackend {
  list(opts: { all: boolean; limit: number | undefined; size: boolean; filters: Map<string, string[]> }): Promise<ContainerSummary[]>;
  create(body: ContainerCreateBody, opts: { name?: string; platform?: string; multipleNetworks?: boolean }): Promise<ContainerCreateResponse>;
  prune(filters: Map<string, string[]>): Promise<ContainerPruneResponse>;
  inspect(ref: string, opts: { size: boolean }): Promise<ContainerInspect>;
  top(ref: string, psArgs: string): Promise<ContainerTopResponse>;
  diff(ref: string): Promise<FilesystemChange[]>;
  export(ref: string): Promise<Readable>;
  /** Batches of lines, oldest first. */
  logs(ref: string, q: LogsQuery): AsyncGenerator<LogLine[]>;
  stats(ref: string, q: { stream: boolean; oneShot: boolean; signal: AbortSignal }): AsyncGenerator<object>;
  resize(ref: string, height: number, width: number): Promise<void>;
  start(ref: string): Promise<void>;
  stop(ref: string, opts: { signal?: string; timeout?: number }): Promise<void>;
  restart(ref: string, opts: { signal?: string; timeout?: number }): Promise<void>;
  kill(ref: string, signal: string | undefined): Promise<void>;
  update(ref: string, body: Record<string, unknown>): Promise<{ Warnings: string[] }>;
  rename(ref: string, name: string): Promise<void>;
  pause(ref: string): Promise<void>;
  unpause(ref: string): Promise<void>;
  /** Registers the waiter synchronously (throws NotFound at once) and resolves on the condition. */
  wait(ref: string, condition: WaitCondition): Promise<ContainerWaitResponse>;
  remove(ref: string, opts: { force: boolean; volumes: boolean; link: boolean }): Promise<void>;
  attach(ref: string, opts: AttachOptions): Promise<AttachSession>;
  /** Whether the container has a TTY (raw stream) — NotFound for an unknown container. */
  isTty(ref: string): boolean;
  commit(ref: string, q: CommitQuery): Promise<string>;
}

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

export function registerContainerRoutes(routes: RouteTable, c: ContainerBackend): void {
  routes.add('GET', '/containers/json', async (ctx) => {
    const list = await c.list({ all: ctx.queryBool('all'), limit: ctx.queryInt('limit'), size: ctx.queryBool('size'), filters: legacyListFilters(ctx) });
    ctx.json(list.map((s) => summaryForVersion(ctx, s)));
  });

  routes.add('POST', '/containers/create', async (ctx) => {
    const body = (await ctx.jsonBody()) as ContainerCreateBody | undefined;
    if (!body || typeof body !== 'object') throw invalidParameter('config cannot be empty in order to create a container');
    const name = ctx.query.get('name') ?? '';
    const platform = ctx.versionAtLeast('1.41') ? (ctx.query.get('platform') ?? '') : '';
    // Several networks at create came with API 1.44.
    ctx.json(await c.create(body, { ...(name ? { name } : {}), ...(platform ? { platform } : {}), multipleNetworks: ctx.versionAtLeast('1.44') }), 201);
  });

  routes.add('POST', '/containers/prune', async (ctx) => ctx.json(await c.prune(ctx.filters())));

  routes.add('GET', '/containers/{id}/json', async (ctx) => {
    ctx.json(inspectForVersion(ctx, await c.inspect(ctx.params.id!, { size: ctx.queryBool('size') })));
  });

  routes.add('GET', '/containers/{id}/top', async (ctx) => ctx.json(await c.top(ctx.params.id!, ctx.query.get('ps_args') || '-ef')));
  routes.add('GET', '/containers/{id}/changes', async (ctx) => ctx.json(await c.diff(ctx.params.id!)));

  routes.add('GET', '/containers/{id}/export', async (ctx) => {
    const tar = await c.export(ctx.params.id!);
    await pipeBody(ctx, tar, 'application/x-tar');
  });

  registerArchiveRoutes(routes, c);

  routes.add('GET', '/containers/{id}/logs', (ctx) => streamLogs(ctx, c));
  routes.add('GET', '/containers/{id}/stats', (ctx) => streamStats(ctx, c));

  routes.add('POST', '/containers/{id}/resize', async (ctx) => {
    const { h, w } = size(ctx);
    await c.resize(ctx.params.id!, h, w);
    ctx.noContent(200);
  });

  routes.add('POST', '/containers/{id}/start', async (ctx) => {
    await c.start(ctx.params.id!);
    ctx.noContent();
  });

  routes.add('POST', '/containers/{id}/stop', async (ctx) => {
    await c.stop(ctx.params.id!, stopOptions(ctx));
    ctx.noContent();
  });

  routes.add('POST', '/containers/{id}/restart', async (ctx) => {
    await c.restart(ctx.params.id!, stopOptions(ctx));
    ctx.noContent();
  });

  routes.add('POST', '/containers/{id}/kill', async (ctx) => {
    await c.kill(ctx.params.id!, ctx.query.get('signal') ?? undefined);
    ctx.noContent();
  });

  routes.add('POST', '/containers/{id}/update', async (ctx) => {
    const body = ((await ctx.jsonBody()) ?? {}) as Record<string, unknown>;
    ctx.json(await c.update(ctx.params.id!, body));
  });

  routes.add('POST', '/containers/{id}/rename', async (ctx) => {
    await c.rename(ctx.params.id!, ctx.query.get('name') ?? '');
    ctx.noContent();
  });

  routes.add('POST', '/containers/{id}/pause', async (ctx) => {
    await c.pause(ctx.params.id!);
    ctx.noContent();
  });

  routes.add('POST', '/containers/{id}/unpause', async (ctx) => {
    await c.unpause(ctx.params.id!);
    ctx.noContent();
  });

  routes.add('POST', '/containers/{id}/wait', async (ctx) => {
    const condition = (ctx.query.get('condition') || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw invalidParameter(`invalid condition: "${condition}"`);
    const result = c.wait(ctx.params.id!, condition);
    // Headers go out at once: the docker CLI starts the container only after they arrive.
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    ctx.res.flushHeaders();
    const r = await result;
    const body = ctx.versionAtLeast('1.30') ? r : { StatusCode: r.StatusCode };
    ctx.res.end(`${JSON.stringify(body)}\n`);
  });

  routes.add('DELETE', '/containers/{id}', async (ctx) => {
    await c.remove(ctx.params.id!, { force: ctx.queryBool('force'), volumes: ctx.queryBool('v'), link: ctx.queryBool('link') });
    ctx.noContent();
  });

  routes.add('POST', '/containers/{id}/attach', (ctx) => attach(ctx, c));
  routes.add('GET', '/containers/{id}/attach/ws', (ctx) => attachWebSocket(ctx, c));

  routes.add('POST', '/commit', async (ctx) => {
    const container = ctx.query.get('container') ?? '';
    const body = ((await ctx.jsonBody()) ?? null) as Record<string, unknown> | null;
    const id = await c.commit(container, {
      repo: ctx.query.get('repo') ?? '',
      tag: ctx.query.get('tag') ?? '',
      comment: ctx.query.get('comment') ?? '',
      author: ctx.query.get('author') ?? '',
      pause: ctx.query.has('pause') ? ctx.queryBool('pause') : true,
      changes: ctx.query.getAll('changes'),
      config: body,
    });
    ctx.json({ Id: id }, 201);
  });
}

function size(ctx: RequestContext): { h: number; w: number } {
  const h = ctx.queryInt('h');
  const w = ctx.queryInt('w');
  if (h === undefined || w === undefined || h < 0 || w < 0) throw invalidParameter('invalid resize parameters: h and w must be non-negative integers');
  return { h, w };
}

function stopOptions(ctx: RequestContext): { signal?: string; timeout?: number } {
  const out: { signal?: string; timeout?: number } = {};
  const t = ctx.queryInt('t');
  if (t !== undefined) out.timeout = t;
  const signal = ctx.versionAtLeast('1.42') ? ctx.query.get('signal') : null;
  if (signal) out.signal = signal;
  return out;
}

/** Clients before 1.41 could not use the `filters` names `is-task` etc.; nothing to adapt but the key. */
function legacyListFilters(ctx: RequestContext): Map<string, string[]> {
  return ctx.filters();
}

async function pipeBody(ctx: RequestContext, body: Readable, contentType: string): Promise<void> {
  ctx.res.statusCode = 200;
  ctx.res.setHeader('Content-Type', contentType);
  body.on('error', () => ctx.res.destroy()); // a broken stream must not look complete
  ctx.res.once('close', () => body.destroy());
  body.pipe(ctx.res);
  await new Promise<void>((resolve) => ctx.res.once('close', resolve));
}

/** A Writable onto the hijacked stream that never ends it (stdout and stderr share it). */
export function rawWriter(out: Duplex): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (out.destroyed || out.writableEnded) return cb();
      if (out.write(chunk)) return cb();
      const done = () => {
        out.off('drain', done);
        out.off('close', done);
        cb();
      };
      out.once('drain', done);
      out.once('close', done);
    },
  });
}

async function attach(ctx: RequestContext, c: ContainerBackend): Promise<void> {
  const id = ctx.params.id!;
  const tty = c.isTty(id); // also: 404 before the connection is taken over
  const wantStdin = ctx.queryBool('stdin');
  const wantStdout = ctx.queryBool('stdout');
  const wantStderr = ctx.queryBool('stderr');
  const logs = ctx.queryBool('logs');
  const stream = ctx.queryBool('stream');
  const detachKeys = ctx.query.get('detachKeys');
  const conn = ctx.hijack(tty ? RAW_STREAM : MULTIPLEXED_STREAM);
  const stdout = tty ? rawWriter(conn) : createStdWriter(conn, STDOUT);
  const stderr = tty ? rawWriter(conn) : createStdWriter(conn, STDERR);
  if (logs) {
    for await (const batch of c.logs(id, { stdout: wantStdout, stderr: wantStderr, follow: false, timestamps: false })) {
      for (const l of batch) (l.stream === 'stderr' ? stderr : stdout).write(l.data);
    }
  }
  if (!stream) {
    conn.end();
    return;
  }
  const session = await c.attach(id, {
    ...(wantStdin ? { stdin: conn } : {}),
    ...(wantStdout ? { stdout } : {}),
    ...(wantStderr ? { stderr } : {}),
    ...(detachKeys !== null ? { detachKeys } : {}),
  });
  conn.once('close', () => session.close());
  await session.done;
  // Let the last frames reach the socket before ending it.
  await new Promise<void>((r) => setImmediate(r));
  if (!conn.destroyed) conn.end();
}

/**
 * The websocket attach: raw bytes both ways, whatever the TTY setting (no stdcopy frames).
 * Before API 1.42 the stream flags were ignored and every stream attached, as dockerd does.
 */
async function attachWebSocket(ctx: RequestContext, c: ContainerBackend): Promise<void> {
  const id = ctx.params.id!;
  c.isTty(id); // 404 before the handshake
  const honourFlags = ctx.versionAtLeast('1.42');
  const want = (name: string) => !honourFlags || ctx.queryBool(name);
  const logs = ctx.queryBool('logs');
  const stream = ctx.queryBool('stream');
  const detachKeys = ctx.query.get('detachKeys');
  const ws = await ctx.websocket(ctx.versionAtLeast('1.28'));
  const out = rawWriter(ws);
  if (logs) {
    for await (const batch of c.logs(id, { stdout: want('stdout'), stderr: want('stderr'), follow: false, timestamps: false })) {
      for (const l of batch) out.write(l.data);
    }
  }
  if (!stream) {
    ws.end();
    return;
  }
  const session = await c.attach(id, {
    ...(want('stdin') ? { stdin: ws } : {}),
    ...(want('stdout') ? { stdout: out } : {}),
    ...(want('stderr') ? { stderr: out } : {}),
    ...(detachKeys !== null ? { detachKeys } : {}),
  });
  ws.once('close', () => session.close());
  await session.done;
  if (!ws.destroyed) ws.end();
}

async function streamLogs(ctx: RequestContext, c: ContainerBackend): Promise<void> {
  const id = ctx.params.id!;
  const stdoutWanted = ctx.queryBool('stdout');
  const stderrWanted = ctx.queryBool('stderr');
  if (!stdoutWanted && !stderrWanted) throw invalidParameter('Bad parameters: you must choose at least one stream');
  const now = BigInt(Date.now()) * 1_000_000n;
  const since = parseTimeArg(ctx.query.get('since'), 'since', now);
  const until = parseTimeArg(ctx.query.get('until'), 'until', now);
  const tailRaw = ctx.query.get('tail') ?? 'all';
  const tail = tailRaw === 'all' || tailRaw === '' ? undefined : Number.parseInt(tailRaw, 10);
  const tty = c.isTty(id);
  const iter = c.logs(id, {
    stdout: stdoutWanted,
    stderr: stderrWanted,
    follow: ctx.queryBool('follow'),
    timestamps: ctx.queryBool('timestamps'),
    ...(since !== undefined && since > 0n ? { since: new Date(Number(since / 1_000_000n)) } : {}),
    ...(until !== undefined && until > 0n ? { until: new Date(Number(until / 1_000_000n)) } : {}),
    ...(tail !== undefined && Number.isFinite(tail) && tail >= 0 ? { tail } : {}),
    signal: abortOnClose(ctx),
  });
  const res = ctx.res;
  const first = await iter.next(); // errors (no such container, driver "none") become statuses
  res.writeHead(200, { 'Content-Type': tty ? RAW_STREAM : MULTIPLEXED_STREAM });
  res.flushHeaders();
  const out = tty ? rawWriter(res as unknown as Duplex) : undefined;
  const so = tty ? out! : createStdWriter(res, STDOUT);
  const se = tty ? out! : createStdWriter(res, STDERR);
  // One await per batch: the last write's callback comes once the writer took everything.
  const write = (batch: LogLine[]) =>
    new Promise<void>((r) => {
      if (batch.length === 0) return r();
      batch.forEach((l, i) => {
        (l.stream === 'stderr' ? se : so).write(l.data, i === batch.length - 1 ? () => r() : undefined);
      });
    });
  try {
    if (!first.done) await write(first.value);
    for (let n = await iter.next(); !n.done; n = await iter.next()) await write(n.value);
  } catch {
    // the client went away or the log ended badly: nothing more can be said in-band
  }
  res.end();
}

function abortOnClose(ctx: RequestContext): AbortSignal {
  const ac = new AbortController();
  ctx.res.once('close', () => ac.abort());
  return ac.signal;
}

async function streamStats(ctx: RequestContext, c: ContainerBackend): Promise<void> {
  const id = ctx.params.id!;
  const stream = ctx.query.has('stream') ? ctx.queryBool('stream') : true;
  const oneShot = ctx.queryBool('one-shot');
  const iter = c.stats(id, { stream: stream && !oneShot, oneShot, signal: abortOnClose(ctx) });
  const first = await iter.next();
  if (!stream || oneShot) {
    ctx.json(first.done ? {} : first.value);
    return;
  }
  const out = ctx.jsonStream();
  if (!first.done) out.write(first.value);
  for (let n = await iter.next(); !n.done && !out.closed; n = await iter.next()) out.write(n.value);
  out.end();
}

// Version differences (docs/api-versions.md) that clients read.

function summaryForVersion(_ctx: RequestContext, s: ContainerSummary): ContainerSummary {
  return s;
}

function inspectForVersion(ctx: RequestContext, i: ContainerInspect): ContainerInspect {
  if (!ctx.versionAtLeast('1.52')) return i;
  // API 1.52 dropped the top-level endpoint fields of NetworkSettings, deprecated since 1.21.
  const { Bridge: _b, SandboxID, SandboxKey, Ports, Networks } = i.NetworkSettings;
  return { ...i, NetworkSettings: { SandboxID, SandboxKey, Ports, Networks } as ContainerInspect['NetworkSettings'] };
}
