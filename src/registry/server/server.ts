// Wharf's registry server: an OCI Distribution Spec v1.1 registry over HTTP or HTTPS, storing on
// the filesystem. A component of its own: it imports no daemon or CLI code, and
// `wharf registry serve` only starts it.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { errnoCode, messageOf } from '../../lib/errors.ts';
import { writeFileAtomic } from '../../lib/fsutil.ts';
import { http, https } from '../../lib/http.ts';
import { deleteBlob, getBlob } from './api/blobs.ts';
import { catalog, listTags, referrers } from './api/discovery.ts';
import { type Ctx, send, sendJson } from './api/http.ts';
import { deleteManifest, getManifest, putManifest } from './api/manifests.ts';
import { METHODS, matchRoute, neededAccess, type Route } from './api/routes.ts';
import { cancelUpload, patchUpload, putUpload, startUpload, uploadStatus } from './api/uploads.ts';
import { type Authorizer, BasicAuth, OpenAccess, TokenAuth } from './auth/authorizer.ts';
import { TokenEndpoint } from './auth/endpoint.ts';
import { Htpasswd } from './auth/htpasswd.ts';
import { TokenIssuer } from './auth/token.ts';
import { RegistryError, regError } from './errors.ts';
import { Registry } from './registry.ts';

export interface TokenAuthOptions {
  /** The `iss` of issued tokens. */
  issuer: string;
  /** The `service` of challenges and the `aud` of tokens (default: the issuer). */
  service?: string;
  /** The token endpoint's URL in challenges (default: <scheme>://<Host header>/token). */
  realm?: string;
  /** HMAC key; default: <root>/token.key, created on first start. */
  key?: Buffer;
  ttlSeconds?: number;
}

export interface RegistryServerOptions {
  root: string;
  /** DELETE of manifests, tags and blobs (default on); off answers 405 UNSUPPORTED. */
  deleteEnabled?: boolean;
  /** An htpasswd file: Basic auth, or the credentials the token endpoint checks. */
  htpasswd?: string;
  /** The realm of Basic challenges. */
  realm?: string;
  /** Bearer tokens from our own /token endpoint (needs htpasswd). */
  token?: TokenAuthOptions;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** One line per request ("GET /v2/ 200 1ms"), and errors. */
  log?: (line: string) => void;
}

export class RegistryServer {
  readonly registry: Registry;
  readonly server: Server;
  private readonly opts: RegistryServerOptions;
  private readonly auth: Authorizer;
  private readonly tokens: TokenEndpoint | undefined;

  private constructor(opts: RegistryServerOptions, registry: Registry, auth: Authorizer, tokens: TokenEndpoint | undefined) {
    this.opts = opts;
    this.registry = registry;
    this.auth = auth;
    this.tokens = tokens;
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    // No whole-request timeout: a big layer on a slow link takes what it takes.
    const common = { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 65_000 };
    this.server = opts.tls
      ? https.createServer({ ...common, cert: opts.tls.cert, key: opts.tls.key }, handler)
      : http.createServer(common, handler);
  }

  static async create(opts: RegistryServerOptions): Promise<RegistryServer> {
    // Fail at start, not with a 500 on every request.
    if (opts.htpasswd) await readFile(opts.htpasswd, 'utf8');
    const registry = new Registry(opts.root);
    await registry.init();
    const realm = opts.realm ?? 'Wharf Registry';
    let auth: Authorizer = new OpenAccess();
    let tokens: TokenEndpoint | undefined;
    if (opts.token) {
      if (!opts.htpasswd) throw new Error('token auth needs an htpasswd file for the token endpoint');
      const issuer = new TokenIssuer({
        issuer: opts.token.issuer,
        service: opts.token.service ?? opts.token.issuer,
        secret: opts.token.key ?? (await tokenKey(opts.root)),
        ...(opts.token.ttlSeconds !== undefined ? { ttlSeconds: opts.token.ttlSeconds } : {}),
      });
      const scheme = opts.tls ? 'https' : 'http';
      const fixed = opts.token.realm;
      auth = new TokenAuth(issuer, (req) => fixed ?? `${scheme}://${req.headers.host ?? 'localhost'}/token`);
      tokens = new TokenEndpoint(new Htpasswd(opts.htpasswd), issuer, realm);
    } else if (opts.htpasswd) {
      auth = new BasicAuth(new Htpasswd(opts.htpasswd), realm);
    }
    return new RegistryServer(opts, registry, auth, tokens);
  }

  /** Listens on host:port (port 0 picks a free one); resolves to the base URL. */
  listen(host: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const a = this.server.address() as AddressInfo;
        const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        resolve(`${this.opts.tls ? 'https' : 'http'}://${h}:${a.port}`);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://registry');
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    const log = this.opts.log;
    if (log) res.once('close', () => log(`${method} ${url.pathname}${url.search} ${res.statusCode} ${Date.now() - started}ms`));
    try {
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        throw regError('NAME_INVALID', { path: url.pathname }, 'malformed path');
      }
      if (path === '/token' && this.tokens) await this.token(req, res, url.searchParams);
      else {
        const route = matchRoute(path);
        if (!route) {
          sendJson(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'page not found' }] });
          return;
        }
        if (!METHODS[route.kind].includes(method)) throw regError('UNSUPPORTED', { method }, `method ${method} not allowed`);
        const principal = await this.auth.authenticate(req, neededAccess(route, method));
        const ctx: Ctx = {
          req,
          res,
          query: url.searchParams,
          registry: this.registry,
          principal,
          deleteEnabled: this.opts.deleteEnabled ?? true,
        };
        await dispatch(ctx, route, method);
      }
    } catch (err) {
      this.fail(res, method, err);
    }
  }

  private async token(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const tokens = this.tokens!;
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
      sendJson(res, 200, await tokens.post(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    } else if (req.method === 'GET') {
      sendJson(res, 200, await tokens.get(req, query));
    } else {
      throw regError('UNSUPPORTED', { method: req.method });
    }
  }

  private fail(res: ServerResponse, method: string, err: unknown): void {
    const e = err instanceof RegistryError ? err : new RegistryError('UNKNOWN', { message: messageOf(err) });
    if (!(err instanceof RegistryError)) {
      if (errnoCode(err) === 'ERR_STREAM_PREMATURE_CLOSE' || errnoCode(err) === 'ECONNRESET') {
        res.destroy();
        return;
      }
      this.opts.log?.(`error: ${messageOf(err)}`);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = method === 'HEAD' ? undefined : `${JSON.stringify(e.body())}\n`;
    send(res, e.status, { 'Content-Type': 'application/json', ...e.headers }, body);
  }
}

function dispatch(ctx: Ctx, route: Route, method: string): Promise<void> {
  switch (route.kind) {
    case 'base':
      sendJson(ctx.res, 200, {});
      return Promise.resolve();
    case 'catalog':
      return catalog(ctx);
    case 'tags':
      return listTags(ctx, route.name);
    case 'referrers':
      return referrers(ctx, route.name, route.digest);
    case 'manifest':
      if (method === 'PUT') return putManifest(ctx, route.name, route.ref);
      if (method === 'DELETE') return deleteManifest(ctx, route.name, route.ref);
      return getManifest(ctx, route.name, route.ref, method === 'HEAD');
    case 'blob':
      if (method === 'DELETE') return deleteBlob(ctx, route.name, route.digest);
      return getBlob(ctx, route.name, route.digest, method === 'HEAD');
    case 'uploads':
      return startUpload(ctx, route.name);
    case 'upload':
      if (method === 'PATCH') return patchUpload(ctx, route.name, route.id);
      if (method === 'PUT') return putUpload(ctx, route.name, route.id);
      if (method === 'DELETE') return cancelUpload(ctx, route.name, route.id);
      return uploadStatus(ctx, route.name, route.id);
  }
}

/** The HMAC key of <root>/token.key, made on first use: tokens outlive a restart. */
async function tokenKey(root: string): Promise<Buffer> {
  const path = join(root, 'token.key');
  try {
    return Buffer.from((await readFile(path, 'utf8')).trim(), 'hex');
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  const key = randomBytes(32);
  await writeFileAtomic(path, `${key.toString('hex')}\n`, 0o600);
  return key;
}
