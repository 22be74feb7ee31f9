// A small in-memory registry for push's unit tests: the blob upload and manifest endpoints of the
// distribution spec (monolithic and chunked uploads, cross-repository mount, HEAD checks),
// digest-checked like a real one, with a request log and ways to misbehave (basic auth, dying
// mid-upload, lying about a manifest's digest).
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoggedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  bodyLength: number;
}

export interface TestRegistryOptions {
  /** Require Basic auth with this user:password. */
  basicAuth?: string;
  /** Cut the connection once this many upload bytes (PATCH and PUT bodies) arrived in total. */
  dieAfterUploadBytes?: number;
  /** Answer manifest HEADs with this digest instead of the real one. */
  lieAboutManifestDigest?: string;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export class TestRegistry {
  readonly blobs = new Map<string, Buffer>();
  /** Repository → digests linked into it. */
  readonly repos = new Map<string, Set<string>>();
  /** "repo:tag" and "repo@digest" → manifest. */
  readonly manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  readonly log: LoggedRequest[] = [];
  opts: TestRegistryOptions;
  private readonly uploads = new Map<string, { repo: string; data: Buffer[] }>();
  private uploaded = 0;
  private server: Server | undefined;
  port = 0;

  constructor(opts: TestRegistryOptions = {}) {
    this.opts = opts;
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  has(repo: string, digest: string): boolean {
    return this.repos.get(repo)?.has(digest) ?? false;
  }

  requests(method: string, pattern: RegExp): LoggedRequest[] {
    return this.log.filter((r) => r.method === method && pattern.test(r.path));
  }

  private link(repo: string, digest: string): void {
    const set = this.repos.get(repo) ?? new Set<string>();
    set.add(digest);
    this.repos.set(repo, set);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const upload = req.method === 'PATCH' || req.method === 'PUT';
    const chunks: Buffer[] = [];
    for await (const c of req) {
      chunks.push(c as Buffer);
      if (upload && this.opts.dieAfterUploadBytes !== undefined) {
        this.uploaded += (c as Buffer).length;
        if (this.uploaded >= this.opts.dieAfterUploadBytes) {
          req.socket.destroy();
          return;
        }
      }
    }
    const body = Buffer.concat(chunks);
    this.log.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, bodyLength: body.length });
    const send = (status: number, headers: Record<string, string> = {}, out = '') => {
      res.writeHead(status, headers);
      res.end(out);
    };
    if (this.opts.basicAuth && req.headers.authorization !== `Basic ${Buffer.from(this.opts.basicAuth).toString('base64')}`) {
      const error = JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] });
      send(401, { 'WWW-Authenticate': 'Basic realm="test"', 'Content-Type': 'application/json' }, error);
      return;
    }
    const p = url.pathname;
    if (p === '/v2/') return send(200, {}, '{}');
    let m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(p);
    if (m) {
      const [, repo, id] = m as unknown as [string, string, string];
      if (req.method === 'POST') {
        const mount = url.searchParams.get('mount');
        const from = url.searchParams.get('from');
        if (mount && from && this.has(from, mount)) {
          this.link(repo, mount);
          return send(201, { Location: `/v2/${repo}/blobs/${mount}`, 'Docker-Content-Digest': mount });
        }
        const uuid = randomUUID();
        this.uploads.set(uuid, { repo, data: [] });
        return send(202, { Location: `/v2/${repo}/blobs/uploads/${uuid}`, Range: '0-0', 'Docker-Upload-UUID': uuid });
      }
      const up = this.uploads.get(id);
      if (!up) return send(404, { 'Content-Type': 'application/json' }, JSON.stringify({ errors: [{ code: 'BLOB_UPLOAD_UNKNOWN', message: 'blob upload unknown to registry' }] }));
      const have = up.data.reduce((n, b) => n + b.length, 0);
      if (req.method === 'PATCH') {
        const range = req.headers['content-range'];
        if (range !== undefined && Number(String(range).split('-')[0]) !== have) return send(416, { Range: `0-${have - 1}` });
        up.data.push(body);
        return send(202, { Location: `/v2/${repo}/blobs/uploads/${id}`, Range: `0-${have + body.length - 1}` });
      }
      if (req.method === 'PUT') {
        up.data.push(body);
        const all = Buffer.concat(up.data);
        const digest = url.searchParams.get('digest');
        if (sha(all) !== digest) return send(400, { 'Content-Type': 'application/json' }, JSON.stringify({ errors: [{ code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' }] }));
        this.uploads.delete(id);
        this.blobs.set(digest, all);
        this.link(repo, digest);
        return send(201, { Location: `/v2/${repo}/blobs/${digest}`, 'Docker-Content-Digest': digest });
      }
      if (req.method === 'DELETE') {
        this.uploads.delete(id);
        return send(204);
      }
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(p);
    if (m && (req.method === 'HEAD' || req.method === 'GET')) {
      const [, repo, digest] = m as unknown as [string, string, string];
      const blob = this.has(repo, digest) ? this.blobs.get(digest) : undefined;
      if (!blob) return send(404);
      res.writeHead(200, { 'Content-Length': String(blob.length), 'Docker-Content-Digest': digest });
      res.end(req.method === 'GET' ? blob : undefined);
      return;
    }
    m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(p);
    if (m) {
      const [, repo, ref] = m as unknown as [string, string, string];
      const key = ref.startsWith('sha256:') ? `${repo}@${ref}` : `${repo}:${ref}`;
      if (req.method === 'PUT') {
        const doc = JSON.parse(body.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
        for (const d of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
          if (!this.has(repo, d)) return send(400, { 'Content-Type': 'application/json' }, JSON.stringify({ errors: [{ code: 'MANIFEST_BLOB_UNKNOWN', message: `blob unknown to registry: ${d}` }] }));
        }
        const entry = { bytes: body, mediaType: String(req.headers['content-type']) };
        this.manifests.set(key, entry);
        this.manifests.set(`${repo}@${sha(body)}`, entry);
        return send(201, { 'Docker-Content-Digest': sha(body), Location: `/v2/${repo}/manifests/${sha(body)}` });
      }
      const entry = this.manifests.get(key);
      if (!entry) return send(404);
      res.writeHead(200, {
        'Content-Type': entry.mediaType,
        'Content-Length': String(entry.bytes.length),
        'Docker-Content-Digest': this.opts.lieAboutManifestDigest ?? sha(entry.bytes),
      });
      res.end(req.method === 'GET' ? entry.bytes : undefined);
      return;
    }
    send(404);
  }
}
