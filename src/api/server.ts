// wharfd's HTTP server: one handler for every listener (unix sockets, TLS TCP), standard
// headers, version negotiation, routing, errors → status codes, hijacking, graceful close.
import type { IncomingMessage, Server as HttpServer, ServerOptions, ServerResponse } from 'node:http';
import { http, https } from '../lib/http.ts';
import type { Socket } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { invalidParameter, messageOf, systemError } from '../lib/errors.ts';
import { log } from '../lib/log.ts';
import { pageNotFound, statusOf, writeError } from './errors.ts';
import { hijackPlain, hijackUpgraded, readUpgradeBody, upgradeResponse } from './hijack.ts';
import { isWebSocketUpgrade, upgradeWebSocket } from './websocket.ts';
import { formatHost, parseHost, plainTcpRefusal } from './hosts.ts';
import { listenTcp, listenUnix, loadTls, resolveGroup, type TlsMaterial } from './listen.ts';
import { Context, type ContextInit, MAX_JSON_BODY } from './request.ts';
import { type Router, splitVersion } from './router.ts';
import { CURRENT_API_VERSION, negotiateVersion } from './version.ts';

/** The part of the daemon's configuration the API server needs (DaemonConfig fits it). */
export interface ApiServerConfig {
  /** Canonical host addresses: unix:///run/wharf.sock, tcp://0.0.0.0:2376. */
  readonly hosts: readonly string[];
  readonly tls: boolean;
  readonly tlsVerify: boolean;
  readonly tlsCaCert?: string | undefined;
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
  /** Wharf's own switch: plain TCP is refused unless this is set. */
  readonly insecureTcp: boolean;
  readonly group?: string | undefined;
}

export interface ApiServerOptions {
  /** The daemon's version, for the Server header ("Wharf/0.1.0 (linux)"). */
  serverVersion: string;
}

/** How long close() lets running requests and streams finish before cutting them. */
export const DEFAULT_CLOSE_GRACE_MS = 5000;

const HTTP_OPTIONS: ServerOptions = {
  // Registry auth headers (X-Registry-Config on build) can be large; Go's default is 1 MiB.
  maxHeaderSize: 1024 * 1024,
  // Uploads (image load, build contexts) may legitimately take longer than node's 300 s.
  requestTimeout: 0,
};

interface RequestIo {
  body: ContextInit['body'];
  hijack: ContextInit['hijack'];
  websocket?: ContextInit['websocket'];
}

export class ApiServer {
  private readonly router: Router;
  private readonly serverHeader: string;
  private readonly servers: HttpServer[] = [];
  private readonly listening: string[] = [];
  private readonly upgraded = new Set<Socket>();
  private inflight = 0;
  private drainWaiters: (() => void)[] = [];
  private closing: Promise<void> | undefined;

  constructor(router: Router, opts: ApiServerOptions) {
    this.router = router;
    this.serverHeader = `Wharf/${opts.serverVersion} (linux)`;
  }

  /** The addresses actually listened on, canonical form. */
  get addresses(): readonly string[] {
    return this.listening;
  }

  /** Creates a server (TLS when material is given) wired to this handler; not yet listening. */
  createServer(tls?: TlsMaterial): HttpServer {
    const server = tls
      ? new https.Server({
          ...HTTP_OPTIONS,
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca ? { ca: tls.ca } : {}),
          requestCert: tls.verify,
          rejectUnauthorized: tls.verify,
          minVersion: 'TLSv1.2',
        })
      : new http.Server(HTTP_OPTIONS);
    server.on('request', (req, res) => void this.dispatch(req, res, { body: () => req, hijack: (ct) => hijackPlain(req, res, ct) }));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket as Socket, head));
    server.on('tlsClientError', (err: Error) => log.debug('TLS handshake failed', { error: err.message }));
    this.servers.push(server);
    return server;
  }

  /** Listens on every configured host. Plain TCP without --insecure-tcp is refused. */
  async listen(config: ApiServerConfig): Promise<void> {
    const tlsWanted = config.tls || config.tlsVerify;
    let tls: TlsMaterial | undefined;
    let gid: number | undefined;
    for (const raw of config.hosts) {
      const host = parseHost(raw, tlsWanted);
      if (host.proto === 'unix') {
        if (gid === undefined && config.group !== undefined && config.group !== '') gid = await resolveGroup(config.group);
        await listenUnix(this.createServer(), host.path, gid);
      } else {
        if (!tlsWanted && !config.insecureTcp) throw systemError(plainTcpRefusal(formatHost(host)));
        if (tlsWanted && !tls) tls = await loadTls(tlsFiles(config));
        const server = this.createServer(tlsWanted ? tls : undefined);
        await listenTcp(server, host.host, host.port);
        const bound = server.address();
        if (bound !== null && typeof bound === 'object') host.port = bound.port; // port 0: the one picked
        if (!tlsWanted) log.warn(`API listening on ${formatHost(host)} without TLS: anyone who can reach it is root on this host`);
      }
      this.listening.push(formatHost(host));
      log.info('API listen on', { address: formatHost(host) });
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
    socket.on('error', (err) => log.debug('hijacked connection error', { error: err.message }));
    if (isWebSocketUpgrade(req)) {
      // A websocket request has no body; the route completes the handshake when it is ready.
      const res = upgradeResponse(req, socket);
      const io: RequestIo = {
        body: () => Readable.from([], { objectMode: false }),
        hijack: (ct) => hijackUpgraded(res, socket, ct),
        websocket: (binary) => upgradeWebSocket(req, socket, head, binary),
      };
      void this.dispatch(req, res, io);
      return;
    }
    readUpgradeBody(req, socket, head, MAX_JSON_BODY).then(
      (body) => {
        const res = upgradeResponse(req, socket);
        const io: RequestIo = {
          body: () => Readable.from(body.length > 0 ? [body] : [], { objectMode: false }),
          hijack: (ct) => hijackUpgraded(res, socket, ct),
        };
        void this.dispatch(req, res, io);
      },
      (err: unknown) => {
        if (socket.destroyed) return;
        const res = upgradeResponse(req, socket);
        this.setStandardHeaders(res);
        writeError(res, err);
      },
    );
  }

  private setStandardHeaders(res: ServerResponse): void {
    res.setHeader('Api-Version', CURRENT_API_VERSION);
    res.setHeader('Docker-Experimental', 'false');
    res.setHeader('Ostype', 'linux');
    res.setHeader('Server', this.serverHeader);
  }

  /** Runs one request to completion; never rejects. */
  private async dispatch(req: IncomingMessage, res: ServerResponse, io: RequestIo): Promise<void> {
    this.inflight++;
    this.setStandardHeaders(res);
    if (this.closing) {
      // Shutting down: answer this one, then let the connection go.
      res.shouldKeepAlive = false;
    }
    const method = req.method ?? 'GET';
    let path = '';
    let pathVersion: string | undefined;
    let ctx: Context | undefined;
    try {
      const url = splitUrl(req.url ?? '/');
      path = url.path;
      const split = splitVersion(url.path);
      pathVersion = split.version;
      const match = this.router.match(method, split.path);
      if (!match) throw pageNotFound();
      const apiVersion = negotiateVersion(split.version);
      log.debug(`Calling ${method} ${path}`);
      ctx = new Context({ req, res, params: match.params, query: url.query, apiVersion, ...io });
      await match.handler(ctx);
      this.complete(ctx, method, path);
    } catch (err) {
      this.fail(res, ctx, err, method, path, pathVersion);
    } finally {
      this.inflight--;
      if (this.inflight === 0) for (const fn of this.drainWaiters.splice(0)) fn();
    }
  }

  /** A handler resolved: end what it left open. */
  private complete(ctx: Context, method: string, path: string): void {
    if (ctx.hijacked) return;
    if (ctx.stream) {
      ctx.stream.end();
      return;
    }
    if (ctx.res.writableEnded) return;
    if (ctx.res.headersSent) {
      ctx.res.end();
      return;
    }
    log.error(`Handler for ${method} ${path} returned without a response`);
    writeError(ctx.res, systemError('internal error: the handler sent no response'));
  }

  private fail(res: ServerResponse, ctx: Context | undefined, err: unknown, method: string, path: string, pathVersion: string | undefined): void {
    const status = statusOf(err);
    if (status >= 500) log.error(`Handler for ${method} ${path} returned error: ${messageOf(err)}`);
    else log.debug(`Handler for ${method} ${path} returned error: ${messageOf(err)}`);
    if (ctx?.hijacked) {
      // The raw stream belongs to the handler; after a failure nobody can use it.
      ctx.hijackedStream?.destroy();
      return;
    }
    if (ctx?.stream?.isStarted) {
      ctx.stream.fail(err);
      return;
    }
    if (res.headersSent) {
      // Half a body already went out: cutting the connection is the only honest signal.
      res.destroy();
      return;
    }
    writeError(res, err, pathVersion);
  }

  /**
   * Graceful close: stop accepting, drop idle keep-alive connections, let running requests
   * and streams finish for `graceMs`, then cut whatever is left (hijacked streams included).
   * Endless streams (/events) end sooner when the event bus is closed first.
   */
  close(graceMs = DEFAULT_CLOSE_GRACE_MS): Promise<void> {
    this.closing ??= this.doClose(graceMs);
    return this.closing;
  }

  private async doClose(graceMs: number): Promise<void> {
    const closed = Promise.all(
      this.servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))),
    );
    for (const s of this.servers) s.closeIdleConnections();
    const drained = new Promise<void>((resolve) => {
      if (this.inflight === 0) resolve();
      else this.drainWaiters.push(resolve);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const first = await Promise.race([drained.then(() => 'drained' as const), timeout]);
    if (first === 'drained') {
      // Responses that just finished leave keep-alive connections idle: drop them too.
      await new Promise((r) => setImmediate(r));
      for (const s of this.servers) s.closeIdleConnections();
    }
    const rest = await Promise.race([closed.then(() => 'closed' as const), timeout]);
    if (rest === 'timeout' || this.upgraded.size > 0) {
      for (const s of this.servers) s.closeAllConnections();
      for (const sock of this.upgraded) sock.destroy();
    }
    clearTimeout(timer);
    await closed;
  }
}

function tlsFiles(config: ApiServerConfig) {
  if (!config.tlsCert || !config.tlsKey) throw systemError('TLS needs a certificate and a key (--tlscert, --tlskey)');
  return { caFile: config.tlsCaCert, certFile: config.tlsCert, keyFile: config.tlsKey, verify: config.tlsVerify };
}


/** Splits a request target into a decoded path (as Go's URL.Path) and its query. */
function splitUrl(target: string): { path: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
  try {
    return { path: decodeURIComponent(rawPath), query };
  } catch {
    throw invalidParameter(`invalid URL path: ${rawPath}`);
  }
}

/**
 * Starts the API on every configured host. On failure, whatever already listens is closed
 * again and the error is thrown (the daemon then exits with its message).
 */
export async function startApiServer(config: ApiServerConfig, routes: Router, opts: ApiServerOptions): Promise<ApiServer> {
  const server = new ApiServer(routes, opts);
  try {
    await server.listen(config);
  } catch (err) {
    await server.close(0);
    throw err;
  }
  return server;
}
