// HTTP(S) to one registry endpoint over node:http/https with keep-alive agents. Follows
// redirects for GET and HEAD (blob storage often lives elsewhere), dropping credentials when
// the origin changes. Errors read like Go's net/http ones, which is what Docker prints:
//   Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused
import type { Agent as HttpAgent, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { http, https } from '../../lib/http.ts';
import { errnoCode, messageOf } from '../../lib/errors.ts';
import { RegistryError } from './errors.ts';

export interface TlsSettings {
  /** Extra CA certificates (PEM), trusted besides the system's. */
  ca?: Buffer[];
  cert?: Buffer;
  key?: Buffer;
  /** Insecure registries: TLS without verification (then plain HTTP as a fallback). */
  skipVerify?: boolean;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  url: string;
  body: IncomingMessage;
}

const MAX_REDIRECTS = 10;
/** A registry that stops sending for this long is treated as gone. */
const IDLE_TIMEOUT_MS = 120_000;
const CONNECT_TIMEOUT_MS = 30_000;

export class Transport {
  private readonly tls: TlsSettings;
  private readonly httpAgent: HttpAgent;
  private httpsAgent: HttpsAgent | undefined;
  /** For redirects to other hosts: no client certificate, normal verification. */
  private otherHttps: HttpsAgent | undefined;

  constructor(tls: TlsSettings = {}) {
    this.tls = tls;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  }

  private agentFor(isHttps: boolean, sameOrigin: boolean): HttpAgent | HttpsAgent {
    if (!isHttps) return this.httpAgent;
    if (!sameOrigin) {
      this.otherHttps ??= new https.Agent({ keepAlive: true, ca: trustedCas([]) });
      return this.otherHttps;
    }
    const t = this.tls;
    this.httpsAgent ??= new https.Agent({
      keepAlive: true,
      maxSockets: 32,
      ca: trustedCas(t.ca ?? []),
      ...(t.cert ? { cert: t.cert } : {}),
      ...(t.key ? { key: t.key } : {}),
      rejectUnauthorized: !t.skipVerify,
    });
    return this.httpsAgent;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    const origin = new URL(url).origin;
    let headers = { ...req.headers };
    for (let i = 0; ; i++) {
      const res = await this.once({ ...req, url, headers }, new URL(url).origin === origin);
      const loc = res.headers.location;
      const redirect = [301, 302, 303, 307, 308].includes(res.status) && loc && (req.method === 'GET' || req.method === 'HEAD');
      if (!redirect) return res;
      res.body.resume();
      if (i >= MAX_REDIRECTS) throw new RegistryError('System', `${goMethod(req.method)} "${url}": stopped after ${MAX_REDIRECTS} redirects`, 0);
      url = new URL(loc, url).toString();
      if (new URL(url).origin !== origin) {
        const { Authorization: _a, authorization: _b, ...rest } = headers;
        headers = rest;
      }
    }
  }

  private once(req: HttpRequest, sameOrigin: boolean): Promise<HttpResponse> {
    const u = new URL(req.url);
    const isHttps = u.protocol === 'https:';
    const agent = this.agentFor(isHttps, sameOrigin);
    const mod = isHttps ? https : http;
    const headers: Record<string, string> = { ...req.headers };
    if (Buffer.isBuffer(req.body)) headers['Content-Length'] = String(req.body.length);
    return new Promise<HttpResponse>((resolve, reject) => {
      const fail = (err: unknown) => reject(transportError(req.method, req.url, err));
      const r = mod.request(u, { method: req.method, headers, agent, timeout: CONNECT_TIMEOUT_MS, ...(req.signal ? { signal: req.signal } : {}) });
      r.on('error', fail);
      r.on('timeout', () => r.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })));
      r.on('response', (res) => {
        r.setTimeout(IDLE_TIMEOUT_MS);
        res.on('error', () => {}); // consumers attach their own; an unread body must not crash
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url: req.url, body: res });
      });
      if (req.body === undefined) r.end();
      else if (Buffer.isBuffer(req.body)) r.end(req.body);
      else {
        const body = req.body;
        body.on('error', (err) => r.destroy(err));
        body.pipe(r);
      }
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent?.destroy();
    this.otherHttps?.destroy();
  }
}

/** Reads at most `limit` bytes of a body (error bodies, JSON documents), then drops the rest. */
export async function readBody(body: Readable, limit: number, what = 'response'): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += (c as Buffer).length;
    if (n > limit) {
      body.destroy();
      throw new RegistryError('InvalidParameter', `${what} exceeds the ${limit} byte limit`, 0);
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** Drains what is left of a body so the socket can be reused (small bodies) or closes it. */
export function discard(res: HttpResponse): void {
  const len = Number(res.headers['content-length'] ?? 0);
  if (len > 64 << 10) res.body.destroy();
  else res.body.resume();
}

export function goMethod(m: string): string {
  return m[0] + m.slice(1).toLowerCase();
}

/** Go's wording for socket errors: `Get "url": dial tcp host:port: connect: connection refused`. */
export function transportError(method: string, url: string, err: unknown): RegistryError {
  if (err instanceof RegistryError) return err;
  const u = new URL(url);
  const hostPort = `${u.hostname.replace(/^\[|\]$/g, '')}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  const code = errnoCode(err);
  let reason: string;
  switch (code) {
    case 'ECONNREFUSED':
      reason = `dial tcp ${hostPort}: connect: connection refused`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      reason = `dial tcp: lookup ${u.hostname}: no such host`;
      break;
    case 'ETIMEDOUT':
      reason = `dial tcp ${hostPort}: i/o timeout`;
      break;
    case 'ECONNRESET':
      reason = `read tcp ${hostPort}: connection reset by peer`;
      break;
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      reason = 'http: server gave HTTP response to HTTPS client';
      break;
    case 'ABORT_ERR':
      reason = 'context canceled';
      break;
    default:
      reason = /wrong version number|packet length too long/i.test(messageOf(err))
        ? 'http: server gave HTTP response to HTTPS client'
        : /certificate|self.signed|unable to verify/i.test(messageOf(err))
          ? `tls: failed to verify certificate: ${messageOf(err)}`
          : messageOf(err);
  }
  return new RegistryError('Unavailable', `${goMethod(method)} "${url}": ${reason}`, 0, [], err);
}

/** Node's bundled CAs, the system's (/etc/ssl/certs), and the registry's own from certs.d. */
function trustedCas(extra: Buffer[]): string[] {
  const tls = process.getBuiltinModule('node:tls');
  const set = new Set([...tls.getCACertificates('bundled'), ...tls.getCACertificates('system')]);
  return [...set, ...extra.map((c) => c.toString('utf8'))];
}
