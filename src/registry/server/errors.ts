// The distribution spec's error vocabulary: a code from the spec's table, the status the spec
// gives it, and the {"errors":[{code,message,detail}]} body. Handlers throw RegistryError;
// the server turns it into the response in one place.

export type ErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  // distribution's code for a bad `n` (not in the spec's table; clients read it as UNKNOWN)
  | 'PAGINATION_NUMBER_INVALID'
  | 'UNKNOWN';

/** The messages of the spec's table (distribution uses the same words). */
const MESSAGES: Record<ErrorCode, string> = {
  BLOB_UNKNOWN: 'blob unknown to registry',
  BLOB_UPLOAD_INVALID: 'blob upload invalid',
  BLOB_UPLOAD_UNKNOWN: 'blob upload unknown to registry',
  DIGEST_INVALID: 'provided digest did not match uploaded content',
  MANIFEST_BLOB_UNKNOWN: 'blob unknown to registry',
  MANIFEST_INVALID: 'manifest invalid',
  MANIFEST_UNKNOWN: 'manifest unknown',
  NAME_INVALID: 'invalid repository name',
  NAME_UNKNOWN: 'repository name not known to registry',
  SIZE_INVALID: 'provided length did not match content length',
  UNAUTHORIZED: 'authentication required',
  DENIED: 'requested access to the resource is denied',
  UNSUPPORTED: 'The operation is unsupported.',
  TOOMANYREQUESTS: 'too many requests',
  PAGINATION_NUMBER_INVALID: 'invalid number of results requested',
  UNKNOWN: 'unknown error',
};

const STATUS: Record<ErrorCode, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  PAGINATION_NUMBER_INVALID: 400,
  UNKNOWN: 500,
};

export class RegistryError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: unknown;
  /** Extra response headers (WWW-Authenticate for 401s, Range for 416s). */
  readonly headers: Record<string, string>;
  constructor(
    code: ErrorCode,
    opts: { message?: string; detail?: unknown; status?: number; headers?: Record<string, string> } = {},
  ) {
    super(opts.message ?? MESSAGES[code]);
    this.name = 'RegistryError';
    this.code = code;
    this.status = opts.status ?? STATUS[code];
    this.detail = opts.detail;
    this.headers = opts.headers ?? {};
  }

  body(): { errors: Array<{ code: ErrorCode; message: string; detail?: unknown }> } {
    const e: { code: ErrorCode; message: string; detail?: unknown } = { code: this.code, message: this.message };
    if (this.detail !== undefined) e.detail = this.detail;
    return { errors: [e] };
  }
}

export function regError(code: ErrorCode, detail?: unknown, message?: string): RegistryError {
  return new RegistryError(code, { ...(detail !== undefined ? { detail } : {}), ...(message ? { message } : {}) });
}

/** 416 for an out-of-order chunk or an unsatisfiable Range, with the range the registry has. */
export function rangeError(haveRange: string | undefined, message: string): RegistryError {
  return new RegistryError('BLOB_UPLOAD_INVALID', {
    status: 416,
    message,
    ...(haveRange !== undefined ? { headers: { Range: haveRange } } : {}),
  });
}
