// What a route handler receives. Handlers are thin: parse and validate, call one service
// method, serialize (design rule 3). The server (api/server.ts) builds the context.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Path parameters, e.g. {name} in /images/{name}/json (names may contain slashes). */
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  /** The API version of this request: from the /vX.Y prefix, else the server's current one. */
  readonly apiVersion: string;
  /** True when the request's version is at least `v` ("1.44"). */
  versionAtLeast(v: string): boolean;

  /** The parsed JSON body (bounded size); `undefined` for an empty body. InvalidParameter on bad JSON. */
  jsonBody(): Promise<unknown>;
  /** The raw request body, for uploads (tar streams). */
  bodyStream(): Readable;

  /** Query helpers following Docker's conventions ("1"/"true" are true; filters is JSON). */
  queryBool(name: string, fallback?: boolean): boolean;
  queryInt(name: string): number | undefined;
  /** Parsed `filters` query parameter: {"label": ["a=b"], ...}; both Docker encodings accepted. */
  filters(): Map<string, string[]>;

  /** Sends a JSON body with a status (default 200). */
  json(value: unknown, status?: number): void;
  /** Sends an empty response (204 by default). */
  noContent(status?: number): void;
  /**
   * Starts a streamed JSON-lines response (progress, events). Each write is one JSON object
   * followed by "\n". Headers are sent on the first write or on flush().
   */
  jsonStream(contentType?: string): JsonStream;
  /**
   * Hijacks the connection for attach/exec (HTTP upgrade to `tcp` when asked, else the raw
   * socket after a 200). Returns the raw duplex.
   */
  hijack(contentType: string): Duplex;
  /**
   * Completes a websocket upgrade (attach/ws) and returns the connection as a Duplex: writes
   * become binary (or text) messages, received messages are read. InvalidParameter without one.
   */
  websocket(binary: boolean): Promise<Duplex>;
}

export interface JsonStream {
  write(obj: unknown): void;
  flush(): void;
  end(): void;
  /** True once the client went away; long streams should stop. */
  readonly closed: boolean;
  onClose(fn: () => void): void;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** Routes register with this; patterns use {param} and {param*} (matches slashes, for image names). */
export interface RouteTable {
  add(method: Method, pattern: string, handler: Handler): void;
}
