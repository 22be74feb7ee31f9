// Bearer tokens the registry issues itself: JWTs (HS256, node:crypto's HMAC) carrying the
// access claim of Docker's token spec, [{type, name, actions}], checked on every /v2 request.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export interface Claims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: Access[];
}

/** "repository:library/busybox:pull,push" -> Access; undefined when malformed. */
export function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  // "repository(plugin)" is a repository too.
  const type = scope.slice(0, first).replace(/\(.*\)$/, '');
  const name = scope.slice(first + 1, last);
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter((a) => a !== '');
  if (name === '') return undefined;
  return { type, name, actions };
}

export function formatScope(a: Access): string {
  return `${a.type}:${a.name}:${a.actions.join(',')}`;
}

/** Whether `granted` allows `action` on type/name; "*" stands for every action. */
export function allows(granted: readonly Access[], type: string, name: string, action: string): boolean {
  return granted.some(
    (g) => g.type === type && g.name === name && (g.actions.includes(action) || g.actions.includes('*')),
  );
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

export interface TokenOptions {
  issuer: string;
  service: string;
  /** HMAC key: at least 32 random bytes. */
  secret: Buffer;
  ttlSeconds?: number;
}

export class TokenIssuer {
  readonly issuer: string;
  readonly service: string;
  readonly ttlSeconds: number;
  private readonly secret: Buffer;

  constructor(opts: TokenOptions) {
    if (opts.secret.length < 32) throw new Error('token key must be at least 32 bytes');
    this.issuer = opts.issuer;
    this.service = opts.service;
    this.secret = opts.secret;
    this.ttlSeconds = opts.ttlSeconds ?? 300;
  }

  issue(subject: string, access: Access[], now = Date.now()) {
    const iat = Math.floor(now / 1000);
    const claims: Claims = {
      iss: this.issuer,
      sub: subject,
      aud: this.service,
      exp: iat + this.ttlSeconds,
      nbf: iat - 1,
      iat,
      jti: randomBytes(12).toString('hex'),
      access,
    };
    const head = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
    const token = `${head}.${this.sign(head)}`;
    return { token, access_token: token, expires_in: this.ttlSeconds, issued_at: new Date(iat * 1000).toISOString() };
  }

  /** The token's claims when its signature, issuer, audience and times are good; else the reason. */
  verify(token: string, now = Date.now()): Claims | string {
    const parts = token.split('.');
    if (parts.length !== 3) return 'malformed token';
    const [h, c, s] = parts as [string, string, string];
    const want = Buffer.from(this.sign(`${h}.${c}`));
    const got = Buffer.from(s);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'invalid token signature';
    let header: { alg?: unknown };
    let claims: Claims;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    } catch {
      return 'malformed token';
    }
    if (header.alg !== 'HS256') return 'unexpected token algorithm';
    const t = Math.floor(now / 1000);
    if (claims.iss !== this.issuer) return 'token issuer does not match';
    if (claims.aud !== this.service) return 'token audience does not match';
    if (typeof claims.exp !== 'number' || claims.exp < t) return 'token expired';
    if (typeof claims.nbf === 'number' && claims.nbf > t + 60) return 'token not yet valid';
    if (!Array.isArray(claims.access)) claims.access = [];
    return claims;
  }

  private sign(data: string): string {
    return createHmac('sha256', this.secret).update(data).digest('base64url');
  }
}
