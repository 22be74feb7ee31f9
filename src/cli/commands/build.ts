// `build` / `image build`: docker's classic `docker build` (POST /build with the context tar),
// its flags, plus `--secret` carried in Wharf's X-Wharf-Build-Secrets header (docs/build.md).
// Output: build-output.ts; the context: build-context.ts.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { pipeline, Readable, Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { AuthConfig } from '../../client/auth.ts';
import { parseNormalizedNamed } from '../../image/reference.ts';
import type { Command, CliContext } from '../command.ts';
import { ConfigFile } from '../credentials/config-file.ts';
import { CredentialStore } from '../credentials/store.ts';
import type { FlagSpec, Flags } from '../flags.ts';
import { HumanSize } from '../format/units.ts';
import { parseExtraHost, parseMemBytes, parseUlimit, validateEnv, validateLabel } from '../runopts/values.ts';
import { contextFromDir, contextFromStdin, dockerfileOnly, isArchive, type LocalContext } from './build-context.ts';
import { BuildRenderer } from './build-output.ts';

const FLAGS: FlagSpec[] = [
  { name: 'add-host', kind: 'list', help: 'Add a custom host-to-IP mapping ("host:ip")', validate: (r) => void parseExtraHost(r) },
  { name: 'build-arg', kind: 'list', help: 'Set build-time variables' },
  { name: 'cache-from', kind: 'list', valueName: 'strings', help: 'Images to consider as cache sources' },
  { name: 'compress', kind: 'bool', help: 'Compress the build context using gzip' },
  { name: 'disable-content-trust', kind: 'bool', default: true, help: 'Skip image verification' },
  { name: 'file', short: 'f', kind: 'string', help: 'Name of the Dockerfile (Default is "PATH/Dockerfile")' },
  { name: 'force-rm', kind: 'bool', help: 'Always remove intermediate containers' },
  { name: 'iidfile', kind: 'string', help: 'Write the image ID to the file' },
  { name: 'label', kind: 'list', help: 'Set metadata for an image', validate: validateLabel },
  { name: 'network', kind: 'string', default: 'default', help: 'Set the networking mode for the RUN instructions during build' },
  { name: 'no-cache', kind: 'bool', help: 'Do not use cache when building the image' },
  { name: 'platform', kind: 'string', help: 'Set platform if server is multi-platform capable' },
  { name: 'pull', kind: 'bool', help: 'Always attempt to pull a newer version of the image' },
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress the build output and print image ID on success' },
  { name: 'rm', kind: 'bool', default: true, help: 'Remove intermediate containers after a successful build' },
  {
    name: 'secret',
    kind: 'list',
    valueName: 'stringArray',
    help: 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]" or "id=x,env=VAR")',
    validate: (r) => void parseSecretSpec(r),
  },
  { name: 'shm-size', kind: 'string', valueName: 'bytes', help: 'Size of "/dev/shm"', validate: (r) => void parseMemBytes(r) },
  {
    name: 'tag',
    short: 't',
    kind: 'list',
    help: 'Name and optionally a tag in the "name:tag" format',
    validate: (r) => void parseNormalizedNamed(r),
  },
  { name: 'target', kind: 'string', help: 'Set the target build stage to build.' },
  { name: 'ulimit', kind: 'list', valueName: 'ulimit', defaultText: '[]', help: 'Ulimit options', validate: (r) => void parseUlimit(r) },
];

function buildCommand(): Command {
  return {
    name: 'build',
    use: 'build [OPTIONS] PATH | URL | -',
    short: 'Build an image from a Dockerfile',
    aliasesLine: 'wharf image build, wharf build, wharf builder build',
    category: 'common',
    flags: FLAGS,
    args: { min: 1, max: 1 },
    run: runBuild,
  };
}

async function runBuild(ctx: CliContext, flags: Flags, args: string[]): Promise<number> {
  const quiet = flags.bool('quiet');
  const iidfile = flags.string('iidfile');
  // Never leave the ID of an earlier build behind if this one fails.
  if (iidfile) await rm(iidfile, { force: true });
  const local = await prepareContext(ctx, args[0]!, flags.string('file'));
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      if (!quiet) ctx.out.write(`Sending build context to Wharf daemon  ${HumanSize(sent)}\n`);
      cb();
    },
  });
  const tar = flags.bool('compress') ? pipeline(local.tar, createGzip(), counter, () => {}) : pipeline(local.tar, counter, () => {});

  const registry = await registryConfig(ctx.env);
  const messages = await ctx.client().build.run(tar, {
    tags: flags.list('tag'),
    dockerfile: local.dockerfile,
    buildArgs: keyValues(flags.list('build-arg').map((a) => validateEnv(a, ctx.env)), null),
    labels: keyValues(flags.list('label'), '') as Record<string, string>,
    target: flags.string('target'),
    noCache: flags.bool('no-cache'),
    pull: flags.bool('pull'),
    remove: flags.bool('rm'),
    forceRemove: flags.bool('force-rm'),
    quiet,
    networkMode: flags.string('network'),
    extraHosts: flags.list('add-host').map(parseExtraHost),
    ...(flags.string('shm-size') ? { shmSize: parseMemBytes(flags.string('shm-size')) } : {}),
    ulimits: flags.list('ulimit').map(parseUlimit),
    cacheFrom: flags.list('cache-from').flatMap((v) => v.split(',')).filter((v) => v !== ''),
    platform: flags.string('platform') || ctx.env['DOCKER_DEFAULT_PLATFORM'] || '',
    secrets: await readSecrets(flags.list('secret'), ctx.env),
    ...(registry ? { registryConfig: registry } : {}),
    signal: ctx.signal,
  });

  // -q: the daemon holds its output back; it is shown (on stderr) only if the build fails.
  const held: string[] = [];
  const sink = quiet ? { write: (t: string) => void held.push(t) } : ctx.out;
  const renderer = new BuildRenderer(sink, { terminal: ctx.out.isTerminal && !quiet, columns: ctx.out.columns });
  try {
    for await (const m of messages) renderer.message(m);
    renderer.end();
  } catch (err) {
    if (quiet) ctx.err.write(held.join(''));
    throw err;
  }
  const id = quiet ? held.join('').trim() : renderer.imageId;
  if (quiet) ctx.out.write(`${id}\n`);
  if (iidfile) {
    if (id === '') throw new Error(`Server did not provide an image ID. Cannot write ${iidfile}`);
    await writeFile(iidfile, id);
  }
  return 0;
}

/**
 * X-Registry-Config: every registry's credentials the config file knows (GetAllCredentials:
 * `auths` entries and `credHelpers` registries), base64url of the JSON object, as the docker
 * CLI sends them for FROM pulls. A registry whose credentials cannot be read is left out.
 */
async function registryConfig(env: Record<string, string | undefined>): Promise<string | undefined> {
  const file = await ConfigFile.load(env).catch(() => undefined);
  if (!file) return undefined;
  const store = new CredentialStore(file, env);
  const servers = new Set([...Object.keys(file.data.auths ?? {}), ...Object.keys(file.data.credHelpers ?? {})]);
  const all: Record<string, AuthConfig> = {};
  for (const server of servers) {
    const auth = await store.get(server).catch(() => undefined);
    if (auth && (auth.username || auth.password || auth.identitytoken || auth.registrytoken)) all[server] = auth;
  }
  if (Object.keys(all).length === 0) return undefined;
  // Go's base64.URLEncoding: the URL alphabet, with padding.
  return Buffer.from(JSON.stringify(all)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The context from PATH, URL or "-" (docker's runBuild). */
async function prepareContext(ctx: CliContext, spec: string, file: string): Promise<LocalContext> {
  if (spec === '-') {
    if (file === '-') throw new Error("invalid argument: can't use stdin for both build context and dockerfile");
    const c = await contextFromStdin(ctx.in.stream);
    return file ? { ...c, dockerfile: file } : c;
  }
  if (/^https?:\/\//.test(spec)) return contextFromUrl(spec, file);
  if (/^(git:\/\/|git@|github\.com\/)/.test(spec)) throw new Error(`unable to prepare context: git contexts are not supported: ${spec}`);
  const stdinDockerfile = file === '-' ? await readAll(ctx.in.stream) : undefined;
  return contextFromDir(spec, file, stdinDockerfile);
}

/** GetContextFromURL: a downloaded tar is the context; a text file is the Dockerfile. */
async function contextFromUrl(url: string, file: string): Promise<LocalContext> {
  const res = await fetch(url).catch((err: unknown) => {
    throw new Error(`unable to prepare context: unable to download remote context ${url}: ${err instanceof Error ? err.message : String(err)}`);
  });
  if (!res.ok) throw new Error(`unable to prepare context: unable to download remote context ${url}: ${res.status} ${res.statusText}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (isArchive(body.subarray(0, 512))) return { tar: Readable.from([body]), dockerfile: file || 'Dockerfile' };
  return dockerfileOnly(body);
}

async function readAll(input: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** "K=V" → K: V; "K" alone → K: `bare` (null for build args: not set in the environment). */
function keyValues<T extends string | null>(entries: string[], bare: T): Record<string, string | T> {
  const out: Record<string, string | T> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq < 0) out[e] = bare;
    else out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}

interface SecretSpec {
  id: string;
  src?: string;
  env?: string;
}

/** buildx's parseSecret: id=, src=/source=, env=, type=file|env, comma-separated. */
export function parseSecretSpec(raw: string): SecretSpec {
  const spec: SecretSpec = { id: '' };
  let type = '';
  for (const field of raw.split(',')) {
    const eq = field.indexOf('=');
    if (eq < 0) throw new Error(`invalid field '${field}' must be a key=value pair`);
    const key = field.slice(0, eq).toLowerCase();
    const value = field.slice(eq + 1);
    if (key === 'type') {
      if (value !== 'file' && value !== 'env') throw new Error(`unsupported secret type "${value}"`);
      type = value;
    } else if (key === 'id') spec.id = value;
    else if (key === 'src' || key === 'source') spec.src = value;
    else if (key === 'env') spec.env = value;
    else throw new Error(`unexpected key '${key}' in '${field}'`);
  }
  if (type === 'env' && spec.env === undefined) {
    spec.env = spec.src ?? spec.id;
    delete spec.src;
  }
  if (spec.id === '') throw new Error('secret missing ID');
  return spec;
}

/** The secrets' values: a file's content, or an environment variable (named by env=, else by the id). */
async function readSecrets(specs: string[], env: Record<string, string | undefined>): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const raw of specs) {
    const s = parseSecretSpec(raw);
    if (s.src !== undefined) {
      out.set(s.id, await readFile(s.src).catch((err: unknown) => {
        throw new Error(`failed to read secret ${s.id}: ${err instanceof Error ? err.message : String(err)}`);
      }));
      continue;
    }
    const name = s.env ?? s.id;
    const value = env[name];
    if (value === undefined) throw new Error(`secret ${s.id}: environment variable ${name} is not set (give src=FILE or env=VAR)`);
    out.set(s.id, Buffer.from(value));
  }
  return out;
}

export const buildTopCommand = buildCommand();
export const imageBuildCommand = buildCommand();
export const builderBuildCommand = buildCommand();
