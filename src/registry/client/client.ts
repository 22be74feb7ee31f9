// RegistryClient: the OCI distribution API of one registry endpoint, with auth handled
// inside (ping, challenges, token per scope, one retry on 401). Everything it returns is the
// registry's word; manifests are digest-checked here, blobs are streamed raw and verified by
// whoever stores them (pull hashes into the content store while unpacking).
import type { Readable } from 'node:stream';
import { type Digest, isDigest, sha256 } from '../../lib/digest.ts';
import { WHARF_VERSION } from '../../lib/version.ts';
import { type AuthConfig, Authorizer, repositoryScope } from './auth.ts';
import type { Endpoint } from './endpoint.ts';
import { errorFromResponse, RegistryError, statusText } from './errors.ts';
import { discard, goMethod, type HttpRequest, type HttpResponse, readBody } from './transport.ts';

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
] as const;

/** Manifests and indexes larger than this are refused (containerd and the spec's 4 MiB). */
export const MAX_MANIFEST_SIZE = 4 << 20;
const MAX_ERROR_BODY = 64 << 10;

export interface RegistryClientOptions {
  endpoint: Endpoint;
  auth?: AuthConfig;
  /** Actions every token asks for: ["pull"] (default), or ["pull", "push"] for a push. */
  actions?: readonly string[];
  userAgent?: string;
}

export interface ManifestResult {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

export interface ManifestHead {
  digest: Digest | undefined;
  mediaType: string;
  size: number;
}

export interface BlobStream {
  /** Bytes the registry will send (Content-Length), if it said. */
  size: number | undefined;
  /** Raw, unverified bytes: hash them before trusting them. */
  body: Readable;
}

/** An open blob upload: where to send the next request and how much the registry holds. */
export interface UploadSession {
  repo: string;
  location: string;
  offset: number;
}

export interface PutBlobOptions {
  /** Upload in PATCH chunks of this many bytes; else one monolithic PUT. */
  chunkSize?: number;
  signal?: AbortSignal;
}

interface Call {
  method: HttpRequest['method'];
  /** A path under /v2/ or an absolute URL (upload locations). */
  url: string;
  repo: string | undefined;
  push?: boolean;
  extraScopes?: string[];
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  signal?: AbortSignal | undefined;
}

export class RegistryClient {
  readonly endpoint: Endpoint;
  private readonly authz: Authorizer;
  private readonly actions: readonly string[];
  private readonly userAgent: string;

  constructor(opts: RegistryClientOptions) {
    this.endpoint = opts.endpoint;
    this.actions = opts.actions ?? ['pull'];
    this.userAgent = opts.userAgent ?? `wharf/${WHARF_VERSION}`;
    this.authz = new Authorizer(opts.auth ?? {}, this.userAgent);
  }

  /** GET /v2/ without credentials: learns how the registry wants us to authenticate. */
  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.endpoint.transport.request({
      method: 'GET',
      url: this.url('/v2/'),
      headers: { 'User-Agent': this.userAgent },
      ...(signal ? { signal } : {}),
    });
    discard(res);
    this.authz.learn(res.status === 401 ? res.headers : {});
  }

  /**
   * Checks the credentials (POST /auth): 200 from /v2/ with them. Returns the refresh token
   * a token server gave for them, which the CLI stores as the identity token.
   */
  async login(signal?: AbortSignal): Promise<{ identityToken?: string }> {
    await this.ping(signal);
    const v2 = this.url('/v2/');
    let identityToken: string | undefined;
    let authorization: string | undefined;
    try {
      const bearer = this.authz.bearerChallenge();
      if (bearer) {
        const t = await this.authz.token(this.endpoint.transport, bearer, [], true);
        authorization = `Bearer ${t.token}`;
        identityToken = t.refreshToken;
      } else {
        authorization = await this.authz.header(this.endpoint.transport, []);
      }
    } catch (err) {
      if (err instanceof RegistryError) throw new RegistryError(err.kind, `Get "${v2}": ${err.message}`, err.status, err.errors, err);
      throw err;
    }
    const headers: Record<string, string> = { 'User-Agent': this.userAgent };
    if (authorization) headers.Authorization = authorization;
    const res = await this.endpoint.transport.request({ method: 'GET', url: v2, headers, ...(signal ? { signal } : {}) });
    discard(res);
    if (res.status === 200) return identityToken ? { identityToken } : {};
    throw new RegistryError(
      res.status === 401 ? 'Unauthorized' : 'System',
      `login attempt to ${v2} failed with status: ${res.status} ${statusText(res.status)}`,
      res.status,
    );
  }

  async getManifest(repo: string, reference: string, opts: { accept?: readonly string[]; signal?: AbortSignal } = {}): Promise<ManifestResult> {
    const path = `/v2/${repo}/manifests/${reference}`;
    const res = await this.call({
      method: 'GET',
      url: path,
      repo,
      headers: { Accept: (opts.accept ?? MANIFEST_MEDIA_TYPES).join(', ') },
      signal: opts.signal,
    });
    await this.check(res, 'GET', path, [200]);
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > MAX_MANIFEST_SIZE) {
      res.body.destroy();
      throw new RegistryError('InvalidParameter', `manifest ${reference} is too large (${declared} bytes, limit ${MAX_MANIFEST_SIZE})`, 0);
    }
    const bytes = await readBody(res.body, MAX_MANIFEST_SIZE, `manifest ${reference}`);
    const digest = sha256(bytes);
    const expected = isDigest(reference) ? reference : headerDigest(res);
    if (expected && expected !== digest) {
      throw new RegistryError('InvalidParameter', `manifest verification failed for digest ${expected}: the registry sent content with digest ${digest}`, 0);
    }
    return { digest, mediaType: mediaTypeOf(bytes, res), bytes };
  }

  /** HEAD of a manifest: its digest without the body; undefined when the registry has none. */
  async headManifest(repo: string, reference: string, opts: { accept?: readonly string[]; signal?: AbortSignal } = {}): Promise<ManifestHead | undefined> {
    const path = `/v2/${repo}/manifests/${reference}`;
    const res = await this.call({ method: 'HEAD', url: path, repo, headers: { Accept: (opts.accept ?? MANIFEST_MEDIA_TYPES).join(', ') }, signal: opts.signal });
    if (res.status === 404) return discardUndefined(res);
    await this.check(res, 'HEAD', path, [200]);
    discard(res);
    return {
      digest: headerDigest(res) ?? (isDigest(reference) ? reference : undefined),
      mediaType: String(res.headers['content-type'] ?? '').split(';')[0]!.trim(),
      size: Number(res.headers['content-length'] ?? 0),
    };
  }

  /** HEAD of a blob: its size, or undefined when this repository does not have it. */
  async headBlob(repo: string, digest: Digest, signal?: AbortSignal): Promise<{ size: number } | undefined> {
    const path = `/v2/${repo}/blobs/${digest}`;
    const res = await this.call({ method: 'HEAD', url: path, repo, signal });
    if (res.status === 404) return discardUndefined(res);
    await this.check(res, 'HEAD', path, [200]);
    discard(res);
    return { size: Number(res.headers['content-length'] ?? 0) };
  }

  /** GET of a blob (from `offset` with a Range request, for resuming). The bytes are unverified. */
  async getBlob(repo: string, digest: Digest, opts: { offset?: number; signal?: AbortSignal } = {}): Promise<BlobStream> {
    const path = `/v2/${repo}/blobs/${digest}`;
    const headers: Record<string, string> = {};
    if (opts.offset) headers.Range = `bytes=${opts.offset}-`;
    const res = await this.call({ method: 'GET', url: path, repo, headers, signal: opts.signal });
    await this.check(res, 'GET', path, opts.offset ? [206] : [200]);
    const len = res.headers['content-length'];
    return { size: len === undefined ? undefined : Number(len), body: res.body };
  }

  /**
   * POST /v2/<repo>/blobs/uploads/: opens an upload session, or with `mount` asks the registry
   * to link a blob it already has in another repository (201: mounted, nothing to upload).
   */
  async startUpload(repo: string, opts: { mount?: { digest: Digest; from: string }; signal?: AbortSignal } = {}): Promise<UploadSession | { mounted: Digest }> {
    let path = `/v2/${repo}/blobs/uploads/`;
    if (opts.mount) path += `?mount=${encodeURIComponent(opts.mount.digest)}&from=${encodeURIComponent(opts.mount.from)}`;
    const extraScopes = opts.mount ? [repositoryScope(opts.mount.from, ['pull'])] : [];
    const res = await this.call({ method: 'POST', url: path, repo, push: true, extraScopes, headers: { 'Content-Length': '0' }, body: Buffer.alloc(0), signal: opts.signal });
    await this.check(res, 'POST', path, [201, 202]);
    discard(res);
    if (res.status === 201 && opts.mount) return { mounted: opts.mount.digest };
    return { repo, location: this.locationOf(res, path), offset: 0 };
  }

  /** Cross-repository mount: true when the registry linked the blob; else the upload it opened instead. */
  async mountBlob(repo: string, digest: Digest, from: string, signal?: AbortSignal): Promise<true | UploadSession> {
    const r = await this.startUpload(repo, { mount: { digest, from }, ...(signal ? { signal } : {}) });
    return 'mounted' in r ? true : r;
  }

  /** PATCH of one chunk at the session's offset; returns the session to continue with. */
  async uploadChunk(session: UploadSession, data: Buffer | Readable, size: number, signal?: AbortSignal): Promise<UploadSession> {
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) };
    if (size > 0) headers['Content-Range'] = `${session.offset}-${session.offset + size - 1}`;
    const res = await this.call({ method: 'PATCH', url: session.location, repo: session.repo, push: true, headers, body: data, signal });
    await this.check(res, 'PATCH', session.location, [202, 204]);
    discard(res);
    return { repo: session.repo, location: this.locationOf(res, session.location), offset: session.offset + size };
  }

  /** PUT ?digest= closing the session, with the last (or only) bytes if given. */
  async finishUpload(session: UploadSession, digest: Digest, data?: Buffer | Readable, size?: number, signal?: AbortSignal): Promise<Digest> {
    const u = new URL(this.url(session.location));
    u.searchParams.set('digest', digest);
    const len = data === undefined ? 0 : Buffer.isBuffer(data) ? data.length : size;
    if (len === undefined) throw new RegistryError('InvalidParameter', 'finishUpload: the size of a streamed body is required', 0);
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(len) };
    const res = await this.call({ method: 'PUT', url: u.toString(), repo: session.repo, push: true, headers, body: data ?? Buffer.alloc(0), signal });
    await this.check(res, 'PUT', u.toString(), [201, 204]);
    discard(res);
    const got = headerDigest(res);
    if (got && got !== digest) throw new RegistryError('System', `the registry stored blob ${got}, expected ${digest}`, 0);
    return digest;
  }

  async cancelUpload(session: UploadSession): Promise<void> {
    const res = await this.call({ method: 'DELETE', url: session.location, repo: session.repo, push: true });
    discard(res);
  }

  /**
   * Uploads a whole blob: one PUT (monolithic) or PATCH chunks then PUT. `data` is a buffer or
   * a function opening the bytes at an offset (a stream cannot be replayed after a 401).
   */
  async putBlob(repo: string, digest: Digest, size: number, data: Buffer | ((offset: number, length: number) => Readable), opts: PutBlobOptions = {}): Promise<void> {
    let s = await this.startUpload(repo, opts.signal ? { signal: opts.signal } : {});
    if ('mounted' in s) return;
    const slice = (off: number, len: number): Buffer | Readable => (Buffer.isBuffer(data) ? data.subarray(off, off + len) : data(off, len));
    try {
      if (opts.chunkSize && opts.chunkSize > 0 && size > opts.chunkSize) {
        while (s.offset < size) {
          const len = Math.min(opts.chunkSize, size - s.offset);
          s = await this.uploadChunk(s, slice(s.offset, len), len, opts.signal);
        }
        await this.finishUpload(s, digest, undefined, undefined, opts.signal);
      } else {
        await this.finishUpload(s, digest, slice(0, size), size, opts.signal);
      }
    } catch (err) {
      await this.cancelUpload(s).catch(() => {});
      throw err;
    }
  }

  /** PUT of a manifest under a tag or digest; returns its digest. */
  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string, signal?: AbortSignal): Promise<Digest> {
    const path = `/v2/${repo}/manifests/${reference}`;
    const res = await this.call({ method: 'PUT', url: path, repo, push: true, headers: { 'Content-Type': mediaType }, body: bytes, signal });
    await this.check(res, 'PUT', path, [201, 200, 202]);
    discard(res);
    return sha256(bytes);
  }

  /** Every tag of a repository, following the Link header's pages. */
  async listTags(repo: string, signal?: AbortSignal): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = `/v2/${repo}/tags/list`;
    for (let page = 0; next && page < 10_000; page++) {
      const res = await this.call({ method: 'GET', url: next, repo, signal });
      await this.check(res, 'GET', next, [200]);
      const body = await readBody(res.body, MAX_MANIFEST_SIZE, 'tag list');
      let doc: { tags?: unknown };
      try {
        doc = JSON.parse(body.toString('utf8')) as { tags?: unknown };
      } catch {
        throw new RegistryError('System', `invalid tag list from ${this.endpoint.registry}: not JSON`, 0);
      }
      if (Array.isArray(doc.tags)) for (const t of doc.tags) if (typeof t === 'string') tags.push(t);
      next = linkNext(res.headers.link);
    }
    return tags;
  }

  // --- plumbing ---

  private url(pathOrUrl: string): string {
    return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.endpoint.url}${pathOrUrl}`;
  }

  private scopes(c: Call): string[] {
    if (c.repo === undefined) return c.extraScopes ?? [];
    const actions = c.push ? [...new Set([...this.actions, 'pull', 'push'])] : this.actions;
    return [repositoryScope(c.repo, actions), ...(c.extraScopes ?? [])];
  }

  /** One request with auth; a 401 re-learns the challenge and retries once when the body allows. */
  private async call(c: Call): Promise<HttpResponse> {
    if (!this.authz.known) await this.ping(c.signal);
    const url = this.url(c.url);
    const scopes = this.scopes(c);
    const replayable = c.body === undefined || Buffer.isBuffer(c.body);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { 'User-Agent': this.userAgent, ...c.headers };
      let authorization: string | undefined;
      try {
        authorization = await this.authz.header(this.endpoint.transport, scopes);
      } catch (err) {
        if (err instanceof RegistryError) throw new RegistryError(err.kind, `${goMethod(c.method)} "${url}": ${err.message}`, err.status, err.errors, err);
        throw err;
      }
      if (authorization) headers.Authorization = authorization;
      const res = await this.endpoint.transport.request({
        method: c.method,
        url,
        headers,
        ...(c.body !== undefined ? { body: c.body } : {}),
        ...(c.signal ? { signal: c.signal } : {}),
      });
      if (res.status !== 401 || attempt > 0 || !replayable || !res.headers['www-authenticate']) return res;
      discard(res);
      this.authz.learn(res.headers);
    }
  }

  private async check(res: HttpResponse, method: string, pathOrUrl: string, ok: number[]): Promise<void> {
    if (ok.includes(res.status)) return;
    const body = method === 'HEAD' ? Buffer.alloc(0) : await readBody(res.body, MAX_ERROR_BODY).catch(() => Buffer.alloc(0));
    if (method === 'HEAD') discard(res);
    throw errorFromResponse(res.status, body, `${goMethod(method)} "${this.url(pathOrUrl)}"`);
  }

  private locationOf(res: HttpResponse, requested: string): string {
    const loc = res.headers.location;
    if (!loc) throw new RegistryError('System', `${this.endpoint.registry} answered an upload request without a Location`, 0);
    return new URL(loc, this.url(requested)).toString();
  }
}

function headerDigest(res: HttpResponse): Digest | undefined {
  const d = res.headers['docker-content-digest'];
  return typeof d === 'string' && isDigest(d) ? d : undefined;
}

/** The manifest's own mediaType field wins over Content-Type (registries often send a generic one). */
function mediaTypeOf(bytes: Buffer, res: HttpResponse): string {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
    if (typeof doc.mediaType === 'string' && doc.mediaType) return doc.mediaType;
  } catch {
    // not JSON: the caller refuses it with its own words
  }
  return String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
}

function discardUndefined(res: HttpResponse): undefined {
  discard(res);
  return undefined;
}

/** `<...?last=x&n=100>; rel="next"`. */
function linkNext(link: string | string[] | undefined): string | undefined {
  for (const l of Array.isArray(link) ? link : link ? [link] : []) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(l);
    if (m) return m[1];
  }
  return undefined;
}
