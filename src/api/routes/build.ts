// /build routes: the classic builder's POST /build (query parameters as dockerd's
// newImageBuildOptions reads them, the context tar as the body, the JSON stream as the answer)
// and POST /build/prune. The build itself is the backend's (build/service.ts).
import type { BuildBackend, BuildOptions, BuildProgress } from '../../build/types.ts';
import { fullString, parseNormalizedNamed, tagNameOnly } from '../../image/reference.ts';
import { invalidParameter } from '../../lib/errors.ts';
import type { RequestContext, RouteTable } from '../context.ts';
import { streamErrorLine } from '../errors.ts';

/** With `q`, output is held back (dockerd's notVerboseBuffer) and shown only on failure; bounded. */
const MAX_QUIET_BUFFER = 16 * 1024 * 1024;

export function registerBuildRoutes(routes: RouteTable, builder: BuildBackend): void {
  routes.add('POST', '/build', (ctx) => postBuild(ctx, builder));
  routes.add('POST', '/build/prune', async (ctx) => {
    for (const name of ['reserved-space', 'max-used-space', 'min-free-space', 'keep-storage']) {
      if ((ctx.queryInt(name) ?? 0) !== 0) throw invalidParameter(`${name} is not supported by Wharf's build cache: prune by filters or all`);
    }
    const filters = ctx.filters();
    for (const key of filters.keys()) if (!PRUNE_FILTERS.has(key)) throw invalidParameter(`invalid filter '${key}'`);
    const result = await builder.prune({ all: ctx.queryBool('all'), filters });
    ctx.json(ctx.versionAtLeast('1.39') ? result : { SpaceReclaimed: result.SpaceReclaimed });
  });
}

/** moby's cacheFields (plus "unused-for", the old name of "until"). */
const PRUNE_FILTERS = new Set(['until', 'unused-for', 'id', 'parent', 'type', 'description', 'inuse', 'shared', 'private']);

async function postBuild(ctx: RequestContext, builder: BuildBackend): Promise<void> {
  const opts = buildOptions(ctx);
  const quiet = opts.quiet;
  const wantAux = ctx.versionAtLeast('1.30');
  const stream = ctx.jsonStream();
  const abort = new AbortController();
  let done = false;
  stream.onClose(() => {
    if (!done) abort.abort(new Error('build canceled: the client went away'));
  });
  const held: unknown[] = [];
  let heldBytes = 0;
  let lastAux: unknown;
  const emit = (msg: unknown) => {
    if (!quiet) return stream.write(msg);
    heldBytes += JSON.stringify(msg).length;
    if (heldBytes <= MAX_QUIET_BUFFER) held.push(msg);
  };
  const out: BuildProgress = {
    stream: (text) => emit({ stream: text }),
    aux: (value) => {
      lastAux = value;
      if (wantAux) emit({ aux: value });
    },
  };
  let id: string;
  try {
    ({ id } = await builder.build(ctx.bodyStream(), { ...opts, signal: abort.signal }, out));
  } catch (err) {
    done = true;
    // Nothing sent yet (a bad Dockerfile, a missing one): a plain HTTP error, as dockerd answers.
    if (!isStarted(ctx, held)) throw err;
    for (const m of held) stream.write(m);
    stream.write(errorLine(err));
    stream.end();
    return;
  }
  done = true;
  if (quiet) {
    stream.write({ stream: `${id}\n` });
  } else if (wantAux && (lastAux as { ID?: unknown } | undefined)?.ID !== id) {
    // The final image's aux message is the build's result; the backend may have sent it already.
    stream.write({ aux: { ID: id } });
  }
  stream.end();
}

/**
 * The stream's error line; a failed RUN's exit code goes in errorDetail.code (dockerd's
 * JSONError), which the docker CLI exits with.
 */
function errorLine(err: unknown): { errorDetail: { code?: number; message: string }; error: string } {
  const line: { errorDetail: { code?: number; message: string }; error: string } = streamErrorLine(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && Number.isInteger(code) && code > 0) line.errorDetail = { code, message: line.errorDetail.message };
  return line;
}

/** True once the answer's headers went out (or, quiet, something was held back to show). */
function isStarted(ctx: RequestContext, held: unknown[]): boolean {
  return ctx.res.headersSent || held.length > 0;
}

/** BuildOptions from the query string and headers (dockerd's newImageBuildOptions). */
export function buildOptions(ctx: RequestContext): Omit<BuildOptions, 'signal'> {
  const q = ctx.query;
  if (q.get('remote')) throw invalidParameter('remote build contexts are not supported: send the context as the request body (a tar)');
  const version = q.get('version') ?? '';
  if (version === '2') throw invalidParameter('BuildKit (version=2) is not supported: Wharf speaks the classic builder protocol (version=1)');
  if (version !== '' && version !== '1') throw invalidParameter(`invalid version "${version}"`);
  if (q.getAll('securityopt').length > 0) throw invalidParameter('The daemon on this platform does not support setting security options on build');
  if (ctx.queryBool('squash')) throw invalidParameter('squash is only supported with experimental mode');
  const isolation = q.get('isolation') ?? '';
  if (isolation !== '' && isolation.toLowerCase() !== 'default') throw invalidParameter(`unsupported isolation: "${isolation}"`);
  for (const name of ['memory', 'memswap', 'cpushares', 'cpuperiod', 'cpuquota']) {
    if ((ctx.queryInt(name) ?? 0) !== 0) throw invalidParameter(`${name}: resource limits for build containers are not supported`);
  }
  for (const name of ['cpusetcpus', 'cpusetmems', 'cgroupparent']) {
    if (q.get(name)) throw invalidParameter(`${name}: resource limits for build containers are not supported`);
  }
  const outputs = jsonParam<unknown[]>(q.get('outputs'), 'outputs', isArray);
  if (outputs && outputs.length > 0) throw invalidParameter('outputs are only supported with BuildKit');

  const opts: Omit<BuildOptions, 'signal'> = {
    dockerfile: q.get('dockerfile') || 'Dockerfile',
    tags: sanitizeTags(q.getAll('t')),
    buildArgs: jsonParam(q.get('buildargs'), 'build args', isStringOrNullMap) ?? {},
    labels: jsonParam(q.get('labels'), 'labels', isStringMap) ?? {},
    noCache: ctx.queryBool('nocache'),
    pull: ctx.queryBool('pull'),
    // rm defaults to true; forcerm implies it.
    remove: ctx.queryBool('forcerm') || q.get('rm') === null || q.get('rm') === '' || ctx.queryBool('rm'),
    forceRemove: ctx.queryBool('forcerm'),
    quiet: ctx.queryBool('q'),
    extraHosts: q.getAll('extrahosts').filter((h) => h !== ''),
    ulimits: jsonParam(q.get('ulimits'), 'ulimit settings', isUlimits) ?? [],
    cacheFrom: jsonParam(q.get('cachefrom'), 'cache-from', isStringArray) ?? [],
    secrets: parseSecretsHeader(header(ctx, SECRETS_HEADER)),
  };
  const target = q.get('target');
  if (target) opts.target = target;
  const network = q.get('networkmode');
  if (network) opts.networkMode = network;
  const shm = q.get('shmsize');
  if (shm) opts.shmSize = parseInt64(shm);
  const platform = q.get('platform');
  if (platform && ctx.versionAtLeast('1.32')) opts.platform = platform;
  const registryConfig = header(ctx, 'x-registry-config');
  if (registryConfig) opts.registryConfig = registryConfig;
  return opts;
}

/** sanitizeRepoAndTags: normalized, "latest" added, no digests, duplicates dropped. */
function sanitizeTags(names: string[]): string[] {
  const out = new Set<string>();
  for (const name of names) {
    if (name === '') continue;
    const ref = parseNormalizedNamed(name);
    if (ref.digest !== undefined) throw invalidParameter('build tag cannot contain a digest');
    out.add(fullString(tagNameOnly(ref)));
  }
  return [...out];
}

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** A JSON query parameter; "null" (what Go clients send for nil) and absence are undefined. */
function jsonParam<T>(raw: string | null, what: string, valid: (v: unknown) => v is T): T | undefined {
  if (raw === null || raw === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw invalidParameter(`error reading ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (v === null) return undefined;
  if (!valid(v)) throw invalidParameter(`error reading ${what}: unexpected JSON ${JSON.stringify(v).slice(0, 100)}`);
  return v;
}

function parseInt64(raw: string): number {
  if (!/^[+-]?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw invalidParameter(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
  }
  return Number(raw);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isStringMap = (v: unknown): v is Record<string, string> => isObject(v) && Object.values(v).every((s) => typeof s === 'string');
const isStringOrNullMap = (v: unknown): v is Record<string, string | null> =>
  isObject(v) && Object.values(v).every((s) => s === null || typeof s === 'string');
const isUlimits = (v: unknown): v is BuildOptions['ulimits'] =>
  Array.isArray(v) &&
  v.every((u) => isObject(u) && typeof u['Name'] === 'string' && Number.isInteger(u['Soft']) && Number.isInteger(u['Hard']));

/**
 * Wharf's extension of the classic request for `RUN --mount=type=secret` (docs/build.md): the
 * base64 of a JSON object mapping each secret's id to the base64 of its value.
 */
export const SECRETS_HEADER = 'X-Wharf-Build-Secrets';

export function parseSecretsHeader(raw: string | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (raw === undefined || raw.trim() === '') return out;
  const bad = (why: string) => invalidParameter(`invalid ${SECRETS_HEADER} header: ${why}`);
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw.trim(), 'base64').toString('utf8'));
  } catch {
    throw bad('not the base64 of a JSON object');
  }
  if (!isObject(v)) throw bad('not the base64 of a JSON object');
  for (const [id, value] of Object.entries(v)) {
    if (id === '') throw bad('a secret has an empty id');
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw bad(`the value of secret ${JSON.stringify(id)} is not a base64 string`);
    out.set(id, Buffer.from(value, 'base64'));
  }
  return out;
}
