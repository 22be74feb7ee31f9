// Registry errors as the distribution spec returns them ({"errors":[{code,message,detail}]})
// and as Docker prints them: "<code in lower case, spaces>: <message>", e.g.
// "manifest unknown: manifest unknown".
import { WharfError, type ErrorKind } from '../../lib/errors.ts';

export interface RegistryErrorEntry {
  code: string;
  message: string;
  detail?: unknown;
}

export class RegistryError extends WharfError {
  /** HTTP status of the registry's answer (0 when the request never got one). */
  readonly status: number;
  readonly errors: RegistryErrorEntry[];
  constructor(kind: ErrorKind, message: string, status: number, errors: RegistryErrorEntry[] = [], cause?: unknown) {
    super(kind, message, { cause });
    this.status = status;
    this.errors = errors;
  }

  /** The first error code the registry gave ("MANIFEST_UNKNOWN"), if any. */
  get code(): string | undefined {
    return this.errors[0]?.code;
  }
}

/** errcode.Error.Error(): "name unknown: repository name not known to registry". */
export function formatEntry(e: RegistryErrorEntry): string {
  const code = e.code.toLowerCase().replace(/_/g, ' ');
  return e.message ? `${code}: ${e.message}` : code;
}

export function kindOfStatus(status: number): ErrorKind {
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 400 || status === 405 || status === 416) return 'InvalidParameter';
  if (status === 503 || status === 429) return 'Unavailable';
  return 'System';
}

/** Go's http.StatusText for the codes a registry answers with. */
export function statusText(status: number): string {
  const t: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    416: 'Requested Range Not Satisfiable',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return t[status] ?? `status ${status}`;
}

/**
 * The error for a non-success answer. `body` is at most a few KiB of the response. Without a
 * parseable error body Docker says "unexpected status code 500 Internal Server Error".
 */
export function errorFromResponse(status: number, body: Buffer, what: string): RegistryError {
  const entries = parseErrors(body);
  const kind = kindOfStatus(status);
  if (entries.length > 0) return new RegistryError(kind, entries.map(formatEntry).join(', '), status, entries);
  if (status === 401) {
    return new RegistryError(kind, 'unauthorized: authentication required', status, [{ code: 'UNAUTHORIZED', message: 'authentication required' }]);
  }
  if (status === 404) return new RegistryError(kind, `${what}: not found`, status);
  return new RegistryError(kind, `${what}: unexpected status code ${status} ${statusText(status)}`, status);
}

function parseErrors(body: Buffer): RegistryErrorEntry[] {
  if (body.length === 0) return [];
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: unknown; details?: unknown };
    if (!doc || !Array.isArray(doc.errors)) return [];
    const out: RegistryErrorEntry[] = [];
    for (const e of doc.errors.slice(0, 16)) {
      if (!e || typeof e !== 'object') continue;
      const { code, message, detail } = e as Record<string, unknown>;
      if (typeof code !== 'string') continue;
      out.push({ code: code.slice(0, 100), message: typeof message === 'string' ? message.slice(0, 1000) : '', ...(detail !== undefined ? { detail } : {}) });
    }
    return out;
  } catch {
    return [];
  }
}
