// One request's RequestContext (api/context.ts): query helpers with Docker's conventions,
// bounded JSON bodies, responses, JSON streams. Hijacking is delegated to hijack.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { invalidParameter, messageOf } from '../lib/errors.ts';
import type { JsonStream, RequestContext } from './context.ts';
import { ResponseJsonStream } from './stream.ts';
import { versionAtLeast } from './version.ts';

/** JSON bodies (container configs, exec configs...) are small; anything bigger is hostile. */
export const MAX_JSON_BODY = 10 * 1024 * 1024;

export interface ContextInit {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  apiVersion: string;
  /** The request body as a stream (the request itself, or bytes read ahead of an upgrade). */
  body: () => Readable;
  hijack: (contentType: string) => Duplex;
  /** Present on websocket upgrade requests only. */
  websocket?: ((binary: boolean) => Promise<Duplex>) | undefined;
}

export class Context implements RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly apiVersion: string;
  /** The JSON stream this request started, if any: the server reports late errors into it. */
  stream: ResponseJsonStream | undefined;
  /** Set once the connection was taken over; the server must not write to it afterwards. */
  hijacked = false;
  /** The raw stream handed out by hijack(), so the server can cut it if the handler fails. */
  hijackedStream: Duplex | undefined;
  private readonly init: ContextInit;
  private bodyTaken = false;

  constructor(init: ContextInit) {
    this.init = init;
    this.req = init.req;
    this.res = init.res;
    this.params = init.params;
    this.query = init.query;
    this.apiVersion = init.apiVersion;
  }

  versionAtLeast(v: string): boolean {
    return versionAtLeast(this.apiVersion, v);
  }

  async jsonBody(): Promise<unknown> {
    // dockerd's CheckForJSON: a declared Content-Type must be JSON. A missing one is let
    // through (old scripts post JSON without it); the body must still parse.
    const ct = this.req.headers['content-type'];
    if (ct !== undefined && ct !== '' && !isJsonMediaType(ct)) {
      throw invalidParameter(`Content-Type specified (${ct}) must be 'application/json'`);
    }
    const declared = Number(this.req.headers['content-length'] ?? Number.NaN);
    if (declared > MAX_JSON_BODY) {
      this.res.shouldKeepAlive = false;
      throw tooLarge();
    }
    const text = await this.readBounded(MAX_JSON_BODY);
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch (err) {
      throw invalidParameter(`invalid JSON: ${messageOf(err)}`);
    }
  }

  /**
   * Reads the whole body up to `limit` bytes. Past the limit it stops reading without
   * destroying the connection, so the client still gets its 400; the connection is not reused.
   */
  private readBounded(limit: number): Promise<string> {
    const body = this.bodyStream();
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const cleanup = () => {
        body.off('data', onData);
        body.off('end', onEnd);
        body.off('error', onError);
      };
      const onData = (chunk: Buffer | string) => {
        const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        size += b.length;
        if (size > limit) {
          cleanup();
          body.pause();
          this.res.shouldKeepAlive = false;
          reject(tooLarge());
          return;
        }
        chunks.push(b);
      };
      const onEnd = () => {
        cleanup();
        resolve(Buffer.concat(chunks).toString('utf8'));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      body.on('data', onData);
      body.once('end', onEnd);
      body.once('error', onError);
    });
  }

  private body: Readable | undefined;
  bodyStream(): Readable {
    if (!this.bodyTaken) {
      this.bodyTaken = true;
      this.body = this.init.body();
    }
    return this.body as Readable;
  }

  queryBool(name: string, fallback = false): boolean {
    const v = this.query.get(name);
    if (v === null) return fallback;
    // moby's httputils.BoolValue: everything but these means true.
    const s = v.trim().toLowerCase();
    return !(s === '' || s === '0' || s === 'no' || s === 'false' || s === 'none');
  }

  queryInt(name: string): number | undefined {
    const v = this.query.get(name);
    if (v === null || v.trim() === '') return undefined;
    if (!/^[-+]?\d+$/.test(v.trim())) throw invalidParameter(`invalid value for ${name}: ${JSON.stringify(v)}: not an integer`);
    const n = Number(v.trim());
    if (!Number.isSafeInteger(n)) throw invalidParameter(`invalid value for ${name}: ${JSON.stringify(v)}: out of range`);
    return n;
  }

  filters(): Map<string, string[]> {
    return parseFilters(this.query.get('filters'));
  }

  json(value: unknown, status = 200): void {
    // A trailing newline, as Go's json.Encoder writes.
    const body = `${JSON.stringify(value)}\n`;
    this.res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    this.res.end(body);
  }

  noContent(status = 204): void {
    this.res.writeHead(status);
    this.res.end();
  }

  jsonStream(contentType = 'application/json'): JsonStream {
    if (this.stream) return this.stream;
    this.stream = new ResponseJsonStream(this.res, contentType);
    return this.stream;
  }

  hijack(contentType: string): Duplex {
    if (this.hijacked) throw new Error('connection already hijacked');
    const duplex = this.init.hijack(contentType);
    this.hijacked = true;
    this.hijackedStream = duplex;
    return duplex;
  }

  async websocket(binary: boolean): Promise<Duplex> {
    if (this.hijacked) throw new Error('connection already hijacked');
    if (!this.init.websocket) throw invalidParameter('this endpoint needs a websocket upgrade (Connection: Upgrade, Upgrade: websocket)');
    this.hijacked = true;
    const duplex = await this.init.websocket(binary);
    this.hijackedStream = duplex;
    return duplex;
  }
}

function tooLarge() {
  return invalidParameter(`request body too large: JSON bodies are limited to ${MAX_JSON_BODY / 1024 / 1024} MiB`);
}

function isJsonMediaType(ct: string): boolean {
  const mediaType = ct.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

/**
 * Docker's `filters` query parameter: {"key": {"value": true}} (current) or
 * {"key": ["value"]} (legacy); both are accepted, as moby's filters.FromJSON does.
 */
export function parseFilters(raw: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (raw === null || raw.trim() === '') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalidParameter(`invalid filters: ${messageOf(err)}`);
  }
  if (parsed === null) return out;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidParameter('invalid filters: expected a JSON object of {"key": {"value": true}} or {"key": ["value"]}');
  }
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      out.set(key, [...new Set(value as string[])]);
    } else if (value !== null && typeof value === 'object' && Object.values(value).every((v) => typeof v === 'boolean')) {
      out.set(key, Object.keys(value));
    } else {
      throw invalidParameter(`invalid filters: the value of ${JSON.stringify(key)} must be a list of strings or a map of string to boolean`);
    }
  }
  return out;
}
