// docker pull: resolve the reference to a manifest (through a manifest list for the wanted
// platform), fetch and check the config, then download the missing layers in parallel
// (bounded daemon-wide), each unpacked while it downloads (pull-layer.ts). Nothing becomes
// visible until every layer is verified: the image, its tag and its repo digest are written
// in one transaction at the end. A failure discards every staged layer; blobs already
// verified stay in the content store for a retry (or the next GC).
import { type AuthConfig, connectRegistry, RegistryClient, RegistryError, type RegistryHosts } from './client/index.ts';
import type { ImageService } from '../image/service.ts';
import { chainIds, type StagedLayer } from '../image/layers.ts';
import { discardUnused, parseConfig, registerImage, type StagedByDiffId } from '../image/register.ts';
import type { Descriptor, ImageConfig } from '../image/types.ts';
import {
  familiarName,
  familiarString,
  fullName,
  fullString,
  isValidDigest,
  parseNormalizedNamed,
  type Reference,
  repositoryOf,
  withDigest,
  withTag,
} from '../image/reference.ts';
import { type Digest, sha256 } from '../lib/digest.ts';
import { invalidParameter, messageOf, notFound, WharfError } from '../lib/errors.ts';
import { readBody } from './client/transport.ts';
import { log } from '../lib/log.ts';
import { type ImageManifest, parseManifest, selectPlatform } from './manifest.ts';
import { formatPlatform, type PlatformSpec, parsePlatformSpec } from './manifest-platform.ts';
import { fetchLayer, type ProgressSink } from './pull-layer.ts';
import { Limiter } from './limiter.ts';

export type { ProgressMessage, ProgressSink } from './pull-layer.ts';

const MAX_CONFIG_SIZE = 8 << 20;

export interface PullServiceDeps {
  images: ImageService;
  hosts: RegistryHosts;
  maxConcurrentDownloads: number;
}

export interface PullOptions {
  /** "--platform" as given ("linux/arm64"); empty for the host's. */
  platform?: string | undefined;
  auth?: AuthConfig;
  signal?: AbortSignal;
  progress: ProgressSink;
}

interface Resolved {
  topDigest: Digest;
  topBytes: Buffer;
  manifest: ImageManifest;
  fromIndex: boolean;
}

export class PullService {
  private readonly svc: ImageService;
  private readonly hosts: RegistryHosts;
  private readonly limiter: Limiter;

  constructor(deps: PullServiceDeps) {
    this.svc = deps.images;
    this.hosts = deps.hosts;
    this.limiter = new Limiter(deps.maxConcurrentDownloads);
  }

  /** Pulls a tag, a digest, or (a name only) every tag of the repository. */
  async pull(ref: Reference, opts: PullOptions): Promise<void> {
    const want = parsePlatformSpec(opts.platform);
    const signal = opts.signal ?? new AbortController().signal;
    const o = { ...opts, signal };
    let changed = false;
    await this.withClient(ref, o, async (client) => {
      if (ref.tag !== undefined || ref.digest !== undefined) {
        changed = await this.pullOne(client, ref, want, !!opts.platform, o);
        return;
      }
      const tags = await client.listTags(ref.path, signal).catch((err: unknown) => {
        throw translatePullError(err, ref);
      });
      if (tags.length === 0) throw notFound(`repository ${familiarName(ref)} has no tags`);
      for (const tag of tags) changed = (await this.pullOne(client, withTag(ref, tag), want, !!opts.platform, o)) || changed;
    });
    opts.progress({ status: `Status: ${changed ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarString(ref)}` });
    this.svc.events.publish({ Type: 'image', Action: 'pull', Actor: { ID: familiarString(ref), Attributes: { name: familiarString(ref) } } });
  }

  /** Mirrors first (any failure falls back, as dockerd does), then the registry itself. */
  private async withClient(ref: Reference, opts: PullOptions & { signal: AbortSignal }, fn: (c: RegistryClient) => Promise<void>): Promise<void> {
    for (const ep of await this.hosts.endpoints(ref.domain, 'pull')) {
      if (!ep.mirror) break;
      try {
        const client = new RegistryClient({ endpoint: ep });
        await client.ping(opts.signal);
        await fn(client);
        return;
      } catch (err) {
        opts.signal.throwIfAborted();
        log.info('pull from mirror failed, trying the next endpoint', { mirror: ep.url, error: messageOf(err) });
      }
    }
    const client = await connectRegistry(this.hosts, ref.domain, { ...(opts.auth ? { auth: opts.auth } : {}), signal: opts.signal, skipMirrors: true });
    await fn(client);
  }

  /** One tag or digest; true when layers were downloaded or the reference moved. */
  private async pullOne(client: RegistryClient, ref: Reference, want: PlatformSpec, explicitPlatform: boolean, opts: PullOptions & { signal: AbortSignal }): Promise<boolean> {
    const svc = this.svc;
    const repo = ref.path;
    const tagOrDigest = ref.digest ?? ref.tag!;
    const t0 = performance.now();
    const resolved = await this.resolve(client, ref, want).catch((err: unknown) => {
      throw translatePullError(err, ref);
    });
    log.debug('pull: manifest resolved', { ref: familiarString(ref), digest: resolved.topDigest, ms: Math.round(performance.now() - t0) });
    opts.progress({ status: `Pulling from ${ref.path}`, id: tagOrDigest });
    const { manifest } = resolved;
    const release = svc.leases.acquire([resolved.topDigest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]);
    const staged: StagedByDiffId = new Map();
    try {
      const configBytes = await this.config(client, repo, manifest.config, opts.signal);
      const config = parseConfig(configBytes);
      if (explicitPlatform && !resolved.fromIndex) checkPlatform(config, want, ref);
      const diffIds = config.rootfs.diff_ids;
      if (diffIds.length !== manifest.layers.length) {
        throw invalidParameter(`layers from manifest don't match image configuration: ${manifest.layers.length} layers, ${diffIds.length} diff IDs`);
      }
      // An image we already have needs no layer (dockerd prints nothing for them then).
      const present = svc.records.get(manifest.config.digest) !== undefined;
      const downloaded = present ? [] : await this.layers(client, repo, manifest.layers, diffIds, staged, opts);

      const layersDone = performance.now();
      const id = sha256(configBytes);
      const refString = fullString(ref);
      const digestRef = `${fullName(ref)}@${resolved.topDigest}`;
      await svc.content.put(resolved.topBytes, { digest: resolved.topDigest });
      let moved = false;
      await svc.lock.run(async () => {
        opts.signal.throwIfAborted(); // the client went away: nothing becomes visible
        const prev = ref.digest ? svc.records.imageOfDigestRef(refString) : svc.records.imageOfTag(refString);
        moved = prev !== id;
        await registerImage(svc, configBytes, staged, { tags: ref.digest ? [] : [refString], digests: [[digestRef, resolved.topDigest]] });
        for (const d of downloaded) svc.layers.recordBlob(d.diffId, { digest: d.desc.digest, media_type: d.desc.mediaType, size: d.desc.size });
      });
      log.debug('pull: registered', { ref: refString, layers: downloaded.length, registerMs: Math.round(performance.now() - layersDone) });
      opts.progress({ status: `Digest: ${resolved.topDigest}` });
      return moved || downloaded.length > 0;
    } finally {
      release();
      await discardUnused(svc, staged);
    }
  }

  /** The image manifest for `ref` and the wanted platform, with the digest of what the tag names. */
  private async resolve(client: RegistryClient, ref: Reference, want: PlatformSpec): Promise<Resolved> {
    const name = familiarString(ref);
    const top = await client.getManifest(ref.path, ref.digest ?? ref.tag!);
    const parsed = parseManifest(top.bytes, top.mediaType, name);
    if (parsed.kind === 'manifest') return { topDigest: top.digest, topBytes: top.bytes, manifest: parsed, fromIndex: false };
    const desc = selectPlatform(parsed, want);
    const child = await client.getManifest(ref.path, desc.digest);
    const manifest = parseManifest(child.bytes, child.mediaType || desc.mediaType, name);
    if (manifest.kind !== 'manifest') throw invalidParameter(`${name}: manifest list entry ${desc.digest} is itself a manifest list`);
    return { topDigest: top.digest, topBytes: top.bytes, manifest, fromIndex: true };
  }

  /** The config blob, from the content store when an image already has it, else the registry. */
  private async config(client: RegistryClient, repo: string, desc: Descriptor, signal: AbortSignal): Promise<Buffer> {
    if (desc.size > MAX_CONFIG_SIZE) throw invalidParameter(`image config ${desc.digest} is too large (${desc.size} bytes)`);
    if (await this.svc.content.has(desc.digest)) return this.svc.content.read(desc.digest, MAX_CONFIG_SIZE);
    const blob = await client.getBlob(repo, desc.digest, { signal });
    const bytes = await readBody(blob.body, Math.min(desc.size, MAX_CONFIG_SIZE), `image config ${desc.digest}`).catch((err: unknown) => {
      throw new RegistryError('System', `error pulling image configuration: ${messageOf(err)}`, 0, [], err);
    });
    if (sha256(bytes) !== desc.digest || bytes.length !== desc.size) {
      throw invalidParameter(`error pulling image configuration: image config verification failed for digest ${desc.digest}`);
    }
    return bytes;
  }

  /** Stages every layer the store lacks; all of them or none (a failure cancels the others). */
  private async layers(
    client: RegistryClient,
    repo: string,
    layers: Descriptor[],
    diffIds: Digest[],
    staged: StagedByDiffId,
    opts: PullOptions & { signal: AbortSignal },
  ): Promise<{ desc: Descriptor; diffId: Digest }[]> {
    const chain = chainIds(diffIds);
    const todo: { desc: Descriptor; diffId: Digest }[] = [];
    const seen = new Set<Digest>();
    layers.forEach((desc, i) => {
      const id = desc.digest.slice(7, 19);
      if (this.svc.layers.get(chain[i]!)) opts.progress({ status: 'Already exists', progressDetail: {}, id });
      else if (!seen.has(diffIds[i]!)) {
        seen.add(diffIds[i]!);
        todo.push({ desc, diffId: diffIds[i]! });
        opts.progress({ status: 'Pulling fs layer', progressDetail: {}, id });
      }
    });
    const abort = new AbortController();
    const onAbort = () => abort.abort(opts.signal.reason);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const ctx = { svc: this.svc, client, repo, limiter: this.limiter, signal: abort.signal, progress: opts.progress };
    try {
      const results = await Promise.allSettled(
        todo.map(async (t) => {
          try {
            const layer: StagedLayer = await fetchLayer(ctx, t.desc, t.diffId);
            staged.set(t.diffId, layer);
          } catch (err) {
            abort.abort(err);
            throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        opts.signal.throwIfAborted();
        // The first failure is the cause; the others are its cancellations.
        throw abort.signal.reason instanceof Error ? abort.signal.reason : failed.reason;
      }
      return todo;
    } finally {
      opts.signal.removeEventListener('abort', onAbort);
    }
  }
}

function checkPlatform(config: ImageConfig, want: PlatformSpec, ref: Reference): void {
  const actual = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
  const a = parsePlatformSpec(formatPlatform(actual));
  if (a.os !== want.os || a.architecture !== want.architecture || (want.variant && a.variant !== want.variant)) {
    throw notFound(
      `image with reference ${familiarString(ref)} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${formatPlatform(a)}`,
    );
  }
}

/** moby's translatePullError: what a missing or forbidden repository looks like to the user. */
export function translatePullError(err: unknown, ref: Reference): unknown {
  if (!(err instanceof RegistryError)) return err;
  switch (err.code) {
    case 'DENIED':
      return new WharfError('NotFound', `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${err.message}`, { cause: err });
    case 'MANIFEST_UNKNOWN':
      return new WharfError('NotFound', `manifest for ${familiarString(ref)} not found: ${err.message}`, { cause: err });
    case 'NAME_UNKNOWN':
      return new WharfError('NotFound', `repository ${familiarName(ref)} not found: ${err.message}`, { cause: err });
  }
  // dockerd answers other registry refusals (no credentials, bad ones) with a 500, so the
  // docker CLI prints them instead of prompting for a login.
  if (err.kind === 'Unauthorized' || err.kind === 'Forbidden') return new WharfError('System', err.message, { cause: err });
  return err;
}

/**
 * The reference a POST /images/create?fromImage=&tag= asks for (dockerd's PullImage): `tag`
 * may be a digest; a name with neither tag nor digest means every tag (`docker pull -a`).
 */
export function pullReference(fromImage: string, tag: string | null): Reference {
  let ref = parseNormalizedNamed(fromImage.replace(/:$/, ''));
  if (tag) ref = isValidDigest(tag) ? withDigest(repositoryOf(ref), tag) : withTag(ref, tag);
  return ref;
}
