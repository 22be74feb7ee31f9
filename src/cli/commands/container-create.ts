// Creating a container as docker's `create` and `run` do: the --pull policy (pull first,
// pull when missing, never), the CID file, client-side warnings, the terminal size for a TTY,
// and the daemon's warnings printed after creation.
import { encodeRegistryAuth } from '../../client/auth.ts';
import { registryAuthFor } from '../credentials/store.ts';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { ApiError } from '../../client/errors.ts';
import type { ContainerCreateRequest } from '../../client/types.ts';
import { familiarName, familiarString, parseAnyReference, type Reference, tagNameOnly } from '../../image/reference.ts';
import { ttySize } from '../attach/tty.ts';
import type { CliContext } from '../command.ts';
import { displayJSONMessages } from '../progress/jsonmessage.ts';

export interface CreateOptions {
  name: string;
  platform: string;
  pull: string;
  quiet: boolean;
}

/** docker's validatePullOpt. */
export function validatePull(value: string): void {
  if (!['always', 'missing', 'never', ''].includes(value)) {
    throw new Error(`invalid pull option: '${value}': must be one of "always", "missing" or "never"`);
  }
}

/** containerd's platforms.Parse, as far as the query needs it: "os[/arch[/variant]]", normalized. */
export function normalizePlatform(spec: string): string {
  const parts = spec.toLowerCase().split('/');
  for (const p of parts) {
    if (!/^[A-Za-z0-9_.-]+$/.test(p)) {
      throw new Error(
        `error parsing specified platform: ${JSON.stringify(p)} is an invalid component of ${JSON.stringify(spec)}: platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument`,
      );
    }
  }
  const arch = (a: string) => ({ x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm' })[a] ?? a;
  const [first = '', second, third] = parts;
  const oses = ['linux', 'windows', 'darwin', 'freebsd'];
  if (second === undefined) return oses.includes(first) ? first : `linux/${arch(first)}`;
  return [first, arch(second), ...(third ? [third] : [])].join('/');
}

function warnings(ctx: CliContext, body: ContainerCreateRequest): void {
  const hc = body.HostConfig;
  if (hc?.OomKillDisable && !hc.Memory) {
    ctx.err.write("WARNING: Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.\n");
  }
  const local = (hc?.Dns ?? []).find((ip) => /^((127\.([0-9]{1,3}\.){2}[0-9]{1,3})|(::1))$/.test(ip));
  if (local) ctx.err.write(`WARNING: Localhost DNS setting (--dns=${local}) may fail in containers.\n`);
}

/** The named reference an image argument is, if it is not an ID (IDs are never pulled). */
function namedRef(image: string): Reference | undefined {
  try {
    const any = parseAnyReference(image);
    return any.kind === 'named' ? tagNameOnly(any.ref) : undefined;
  } catch {
    return undefined;
  }
}

async function pullImage(ctx: CliContext, ref: Reference, opts: CreateOptions): Promise<void> {
  const messages = await ctx.client().images.pull(familiarName(ref), {
    ...(ref.tag ? { tag: ref.tag } : ref.digest ? { tag: ref.digest } : {}),
    ...(opts.platform ? { platform: opts.platform } : {}),
    registryAuth: encodeRegistryAuth(await registryAuthFor(ctx.env, ref.domain)),
  });
  const sink = opts.quiet ? { write() {} } : ctx.err;
  await displayJSONMessages(messages, sink, { isTerminal: ctx.err.isTerminal, columns: ctx.err.columns });
}

/** Creates the container and returns its ID. */
export async function createContainer(ctx: CliContext, body: ContainerCreateRequest, opts: CreateOptions): Promise<string> {
  warnings(ctx, body);
  const cidFile = body.HostConfig?.ContainerIDFile ?? '';
  if (cidFile !== '' && existsSync(cidFile)) {
    throw new Error(`container ID file found, make sure the other container isn't running or delete ${cidFile}`);
  }
  const platform = opts.platform ? normalizePlatform(opts.platform) : '';
  const ref = namedRef(body.Image ?? '');
  const pullOpts = { ...opts, platform };
  if (opts.pull === 'always' && ref) await pullImage(ctx, ref, pullOpts);
  if (body.HostConfig) body.HostConfig.ConsoleSize = ttySize(ctx.out);

  const containers = ctx.client().containers;
  const query = { ...(opts.name ? { name: opts.name } : {}), ...(platform ? { platform } : {}) };
  let res: Awaited<ReturnType<typeof containers.create>>;
  try {
    res = await containers.create(body, query);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404 && ref && opts.pull === 'missing')) throw err;
    // The image is not here: pull it, then try once more.
    if (!opts.quiet) ctx.err.write(`Unable to find image '${familiarString(ref)}' locally\n`);
    await pullImage(ctx, ref, pullOpts);
    res = await containers.create(body, query);
  }
  for (const w of res.Warnings ?? []) ctx.err.write(`WARNING: ${w}\n`);
  if (cidFile !== '') {
    try {
      writeFileSync(cidFile, res.Id, { flag: 'wx' });
    } catch (err) {
      rmSync(cidFile, { force: true });
      throw new Error(`failed to write the container ID to the file: ${(err as Error).message}`);
    }
  }
  return res.Id;
}
