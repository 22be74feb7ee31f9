// Who may do what: no auth, htpasswd Basic auth, or bearer tokens from our own token endpoint.
// A request names the access it needs (e.g. repository:foo:push); a refusal is a 401 whose
// WWW-Authenticate challenge tells the client how to get in.
import type { IncomingMessage } from 'node:http';
import { RegistryError } from '../errors.ts';
import type { Htpasswd } from './htpasswd.ts';
import { type Access, allows, formatScope, type TokenIssuer } from './token.ts';

export interface Principal {
  user?: string;
  can(type: string, name: string, action: string): boolean;
}

export interface Authorizer {
  /** The caller, when allowed everything in `need`; a 401 RegistryError otherwise. */
  authenticate(req: IncomingMessage, need: readonly Access[]): Promise<Principal>;
}

const EVERYTHING: Principal = { can: () => true };

export class OpenAccess implements Authorizer {
  async authenticate(): Promise<Principal> {
    return EVERYTHING;
  }
}

/** user and password of an "Authorization: Basic" header. */
export function basicCredentials(req: IncomingMessage): { user: string; password: string } | undefined {
  const h = req.headers.authorization;
  if (!h || !/^basic /i.test(h)) return undefined;
  const text = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return undefined;
  return { user: text.slice(0, i), password: text.slice(i + 1) };
}

export function unauthorized(challenge: string, message?: string): RegistryError {
  return new RegistryError('UNAUTHORIZED', {
    headers: { 'WWW-Authenticate': challenge },
    ...(message ? { message } : {}),
  });
}

/** Any user of the htpasswd file may do anything. */
export class BasicAuth implements Authorizer {
  private readonly htpasswd: Htpasswd;
  private readonly realm: string;
  constructor(htpasswd: Htpasswd, realm: string) {
    this.htpasswd = htpasswd;
    this.realm = realm;
  }

  async authenticate(req: IncomingMessage): Promise<Principal> {
    const creds = basicCredentials(req);
    const challenge = `Basic realm=${quote(this.realm)}`;
    if (!creds) throw unauthorized(challenge);
    if (!(await this.htpasswd.verify(creds.user, creds.password))) throw unauthorized(challenge, 'invalid username or password');
    return { user: creds.user, can: () => true };
  }
}

/** Tokens from our token endpoint; the realm is its URL as the client reached us. */
export class TokenAuth implements Authorizer {
  private readonly issuer: TokenIssuer;
  private readonly realm: (req: IncomingMessage) => string;
  constructor(issuer: TokenIssuer, realm: (req: IncomingMessage) => string) {
    this.issuer = issuer;
    this.realm = realm;
  }

  async authenticate(req: IncomingMessage, need: readonly Access[]): Promise<Principal> {
    const h = req.headers.authorization;
    const token = h && /^bearer /i.test(h) ? h.slice(7).trim() : undefined;
    const claims = token ? this.issuer.verify(token) : 'authentication required';
    if (typeof claims === 'string') throw unauthorized(this.challenge(req, need, token ? 'invalid_token' : undefined), claims);
    for (const a of need) {
      for (const action of a.actions) {
        if (!allows(claims.access, a.type, a.name, action)) {
          throw unauthorized(this.challenge(req, need, 'insufficient_scope'), `insufficient scope: ${formatScope(a)}`);
        }
      }
    }
    return { user: claims.sub, can: (type, name, action) => allows(claims.access, type, name, action) };
  }

  private challenge(req: IncomingMessage, need: readonly Access[], error: string | undefined): string {
    let c = `Bearer realm=${quote(this.realm(req))},service=${quote(this.issuer.service)}`;
    if (need.length > 0) c += `,scope=${quote(need.map(formatScope).join(' '))}`;
    if (error) c += `,error=${quote(error)}`;
    return c;
  }
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}
