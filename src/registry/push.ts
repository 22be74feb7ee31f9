// docker push (dockerd's distribution/push_v2.go): the tags of one repository, each as its layers
// (concurrently, at most max-concurrent-uploads at once across the daemon), its config blob and
// a manifest put under the tag. Progress is dockerd's: "The push refers to repository [...]",
// per layer Preparing → Waiting → Pushing → Pushed / Layer already exists / Mounted from, then
// "<tag>: digest: <digest> size: <n>" and an aux {Tag, Digest, Size}. The pushed manifest is
// kept and the image gets the repo digest, as dockerd records it.
import { type Digest, isDigest, shortId } from '../lib/digest.ts';
import { invalidParameter, messageOf, WharfError } from '../lib/errors.ts';
import type { ImageService } from '../image/service.ts';
import type { LayerRow } from '../image/layers.ts';
import { type ImageConfig, type Manifest, MediaType } from '../image/types.ts';
import { tx } from '../store/db.ts';
import { familiarName, familiarString, fullName, parseNormalizedNamed, type Reference, withTag } from '../image/reference.ts';
import { type AuthConfig, connectRegistry, RegistryError, type RegistryClient, type RegistryHosts } from './client/index.ts';
import { type CompressOptions, DEFAULT_GZIP_LEVEL, type LayerCompression } from './compress.ts';
import { type LayerPushContext, pushLayer } from './push-layer.ts';
import { buildManifest, formatOfManifest, type ManifestFormat, type PushedBlob } from './push-manifest.ts';
import { BlobSources, splitRepository } from './push-sources.ts';
import { Limiter } from './push-limit.ts';
import { formatPlatform, parsePlatformSpec, type PlatformSpec } from './manifest-platform.ts';

export interface PushAux {
  Tag: string;
  Digest: string;
  Size: number;
}

/** What a push reports, in dockerd's JSON-progress terms. */
export interface PushEvents {
  status(text: string): void;
  layer(id: string, status: string, detail?: { current: number; total: number }): void;
  aux(aux: PushAux): void;
}

export interface PushRequest {
  /** The tag to push; none pushes every tag of the repository (--all-tags). */
  tag?: string | undefined;
  auth: AuthConfig;
  /** Only push images of this platform (docker push --platform; a single-platform image must match). */
  platform?: PlatformSpec | undefined;
  /** Compression of the blobs made for this push (gzip unless asked). */
  compression?: LayerCompression | undefined;
  signal: AbortSignal;
}

export interface PushServiceOptions {
  /** dockerd's max-concurrent-uploads (default 5). */
  maxConcurrentUploads?: number;
  compression?: LayerCompression;
  compressOptions?: CompressOptions;
  /** Blobs larger than this are uploaded in PATCH chunks of this size (default 8 MiB). */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 8 << 20;

export class PushService {
  private readonly svc: ImageService;
  private readonly hosts: RegistryHosts;
  private readonly limiter: Limiter;
  private readonly sources: BlobSources;
  private readonly opts: PushServiceOptions;

  constructor(svc: ImageService, hosts: RegistryHosts, opts: PushServiceOptions = {}) {
    this.svc = svc;
    this.hosts = hosts;
    this.opts = opts;
    this.limiter = new Limiter(Math.max(1, opts.maxConcurrentUploads ?? 5));
    this.sources = new BlobSources(svc.db);
  }

  /** The reference a push names; InvalidParameter (before any output) when it is malformed. */
  parse(name: string, tag: string | undefined): Reference {
    let ref: Reference;
    try {
      ref = parseNormalizedNamed(name);
      if (tag) ref = withTag(ref, tag);
    } catch (err) {
      throw invalidParameter(messageOf(err));
    }
    if (ref.digest !== undefined && !tag) throw invalidParameter('cannot push a digest reference');
    return ref;
  }

  async push(name: string, req: PushRequest, events: PushEvents): Promise<void> {
    const ref = this.parse(name, req.tag);
    const repo = fullName(ref);
    const inRepo = this.svc.records.allTags().filter((t) => t.ref.slice(0, t.ref.lastIndexOf(':')) === repo);
    const targets = inRepo
      .map((t) => ({ tag: t.ref.slice(t.ref.lastIndexOf(':') + 1), id: t.image_id }))
      .filter((t) => ref.tag === undefined || t.tag === ref.tag)
      .sort((a, b) => (a.tag < b.tag ? -1 : 1));
    // Like dockerd, a platform that does not match is refused before the progress stream starts.
    if (req.platform) for (const t of targets) await this.checkPlatform(t, ref, req.platform);
    events.status(`The push refers to repository [${repo}]`);
    if (inRepo.length === 0) throw new WharfError('NotFound', `An image does not exist locally with the tag: ${familiarName(ref)}`);
    if (targets.length === 0) throw new WharfError('NotFound', `tag does not exist: ${familiarString(ref)}`);
    let client: RegistryClient;
    try {
      client = await connectRegistry(this.hosts, ref.domain, { auth: req.auth, purpose: 'push', signal: req.signal });
    } catch (err) {
      throw dockerError(err);
    }
    // Layers already pushed in this session, by diff ID (dockerd's pushState.remoteLayers).
    const pushed = new Map<Digest, Promise<PushedBlob>>();
    for (const t of targets) {
      try {
        await this.pushTag(client, repo, t.tag, t.id, req, events, pushed);
      } catch (err) {
        throw dockerError(err);
      }
    }
  }

  private async pushTag(
    client: RegistryClient,
    repo: string,
    tag: string,
    id: Digest,
    req: PushRequest,
    events: PushEvents,
    pushed: Map<Digest, Promise<PushedBlob>>,
  ): Promise<void> {
    const svc = this.svc;
    const img = svc.records.get(id);
    if (!img) throw new WharfError('NotFound', `tag does not exist: ${repo}:${tag}`);
    const configBytes = await svc.content.read(id);
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    const layers = svc.layers.chain(img.top_layer);
    const prior = await this.priorManifests(id);
    const compression = req.compression ?? this.opts.compression ?? 'gzip';
    const format: ManifestFormat = compression === 'zstd' || prior.oci ? 'oci' : 'docker';
    const release = svc.leases.acquire([id, ...layers.map((l) => l.chain_id), ...layers.flatMap((l) => svc.layers.blobsFor(l.diff_id).map((b) => b.digest))]);
    const abort = new AbortController();
    const onAbort = () => abort.abort(req.signal.reason);
    req.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const ctx: LayerPushContext = {
        svc,
        client,
        sources: this.sources,
        target: repo,
        format,
        compression,
        compressOptions: this.opts.compressOptions ?? (compression === 'gzip' ? { level: DEFAULT_GZIP_LEVEL } : {}),
        chunkSize: this.opts.chunkSize ?? DEFAULT_CHUNK,
        implied: prior.sources,
        signal: abort.signal,
      };
      const blobs = await this.pushLayers(ctx, layers, config, events, pushed, abort);
      const [, repoPath] = splitRepository(repo);
      if (!(await client.headBlob(repoPath, id, abort.signal))) await client.putBlob(repoPath, id, configBytes.length, configBytes, { signal: abort.signal });
      const manifest = buildManifest(format, { digest: id, size: configBytes.length }, blobs);
      await client.putManifest(repoPath, tag, manifest.bytes, manifest.mediaType, abort.signal);
      // Docker checks the registry's Docker-Content-Digest against its own: ask what the tag now names.
      const head = await client.headManifest(repoPath, tag, { accept: [manifest.mediaType], signal: abort.signal });
      if (head?.digest && head.digest !== manifest.digest) {
        throw new RegistryError('System', `the registry stored manifest ${head.digest} for ${tag}, expected ${manifest.digest}`, 0);
      }
      await this.recordDigest(repo, id, manifest.digest);
      events.status(`${tag}: digest: ${manifest.digest} size: ${manifest.bytes.length}`);
      events.aux({ Tag: tag, Digest: manifest.digest, Size: manifest.bytes.length });
    } finally {
      req.signal.removeEventListener('abort', onAbort);
      release();
    }
  }

  private async checkPlatform(t: { tag: string; id: Digest }, ref: Reference, want: PlatformSpec): Promise<void> {
    const c = await this.svc.config(t.id);
    const actual = parsePlatformSpec(formatPlatform({ os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) }));
    if (actual.os !== want.os || actual.architecture !== want.architecture || (want.variant && actual.variant !== want.variant)) {
      throw new WharfError(
        'NotFound',
        `image with reference ${familiarName(ref)}:${t.tag} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${formatPlatform(actual)}`,
      );
    }
  }

  /**
   * Every layer, top first as dockerd lists them; a diff ID seen before in this push (or twice in
   * the image) is pushed once. The first failure cancels the others.
   */
  private async pushLayers(
    ctx: LayerPushContext,
    layers: LayerRow[],
    config: ImageConfig,
    events: PushEvents,
    pushed: Map<Digest, Promise<PushedBlob>>,
    abort: AbortController,
  ): Promise<PushedBlob[]> {
    if (config.rootfs.diff_ids.length !== layers.length) throw new WharfError('System', 'image config and layer chain disagree on the number of layers');
    const top = [...layers].reverse();
    const unique = top.filter((l, i) => top.findIndex((x) => x.diff_id === l.diff_id) === i);
    for (const l of unique) events.layer(shortId(l.diff_id), 'Preparing');
    const mine: Digest[] = [];
    for (const l of unique) {
      const id = shortId(l.diff_id);
      const progress = (status: string, detail?: { current: number; total: number }) => events.layer(id, status, detail);
      const before = pushed.get(l.diff_id);
      if (before) {
        // Pushed for an earlier tag of this push: dockerd says so without asking the registry.
        before.then(() => progress('Layer already exists')).catch(() => {});
        continue;
      }
      const p = this.limiter.run(
        () => progress('Waiting'),
        () => pushLayer(ctx, l, progress),
      );
      p.catch((err: unknown) => abort.abort(err));
      pushed.set(l.diff_id, p);
      mine.push(l.diff_id);
    }
    const results = await Promise.allSettled(layers.map((l) => pushed.get(l.diff_id)!));
    if (results.some((r) => r.status === 'rejected')) {
      for (const d of mine) pushed.delete(d);
      // The first real failure, not the cancellations it caused.
      throw abort.signal.reason ?? (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
    }
    return results.map((r) => (r as PromiseFulfilledResult<PushedBlob>).value);
  }

  /**
   * What the manifests the image came with tell (pull keeps them under its repo digests; push
   * does not): their blobs are in that repository (mount sources), and an OCI one means the
   * image came as OCI and goes out as OCI.
   */
  private async priorManifests(id: Digest): Promise<{ oci: boolean; sources: Map<Digest, string[]> }> {
    const sources = new Map<Digest, string[]>();
    let oci = false;
    for (const r of this.svc.records.allDigestRefs()) {
      if (r.image_id !== id || !isDigest(r.manifest_digest) || !(await this.svc.content.has(r.manifest_digest))) continue;
      let m: Manifest;
      try {
        m = JSON.parse((await this.svc.content.read(r.manifest_digest, 4 << 20)).toString('utf8')) as Manifest;
      } catch {
        continue;
      }
      if (formatOfManifest(m.mediaType) === 'oci' || m.mediaType === MediaType.ociIndex) oci = true;
      const repo = r.ref.slice(0, r.ref.indexOf('@'));
      for (const l of Array.isArray(m.layers) ? m.layers : []) {
        if (!isDigest(l.digest)) continue;
        sources.set(l.digest, [...(sources.get(l.digest) ?? []), repo]);
      }
    }
    return { oci, sources };
  }

  /**
   * Gives the image the repo digest (if it still exists), as dockerd does. The manifest itself is
   * not kept: stored manifests are the ones an image came with (pull), which decide its format.
   */
  private async recordDigest(repo: string, id: Digest, digest: Digest): Promise<void> {
    const svc = this.svc;
    await svc.lock.run(async () => {
      if (!svc.records.get(id)) return;
      tx(svc.db, () => svc.records.setDigestRef(`${repo}@${digest}`, id, digest));
    });
  }
}

/** Errors as dockerd words them (retryOnError unwraps the credential errors of Go's url.Error). */
function dockerError(err: unknown): unknown {
  if (err instanceof RegistryError && err.cause instanceof RegistryError && err.cause.message === 'no basic auth credentials') return err.cause;
  return err;
}
