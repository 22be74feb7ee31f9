// What every handler needs: its request context and small response helpers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/authorizer.ts';
import { RegistryError, regError } from '../errors.ts';
import type { Registry } from '../registry.ts';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  registry: Registry;
  principal: Principal;
  deleteEnabled: boolean;
}

export function send(res: ServerResponse, status: number, headers: Record<string, string | number> = {}, body?: Buffer | string): void {
  const buf = body === undefined ? undefined : Buffer.from(body);
  res.writeHead(status, { ...headers, 'Content-Length': buf ? buf.length : 0 });
  res.end(buf);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string | number> = {}): void {
  send(res, status, { 'Content-Type': 'application/json', ...headers }, `${JSON.stringify(value)}\n`);
}

/** Whether the request carries a body (a length above 0, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  if (len !== undefined) return Number(len) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** Reads a small body whole; 413 past `max` bytes. */
export async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw tooLarge(max);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw tooLarge(max);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(max: number): RegistryError {
  return new RegistryError('MANIFEST_INVALID', { status: 413, message: `manifest larger than ${max} bytes`, detail: { max } });
}

/** A non-negative page size from `n`, or undefined when absent. */
export function pageSize(query: URLSearchParams): number | undefined {
  const n = query.get('n');
  if (n === null || n === '') return undefined;
  if (!/^\d+$/.test(n)) throw regError('PAGINATION_NUMBER_INVALID', { n });
  return Number(n);
}

/** The RFC 5988 Link header of a next page. */
export function nextLink(path: string, n: number, last: string): string {
  return `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`;
}

export function deletionAllowed(ctx: Ctx): void {
  if (!ctx.deleteEnabled) throw regError('UNSUPPORTED', undefined, 'deletion is disabled on this registry');
}
