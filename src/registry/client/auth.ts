// Registry authentication (the distribution token spec and RFC 7235): the registry answers 401
// with WWW-Authenticate challenges; Basic gets the user's credentials on every request, Bearer
// sends us to a token server (realm, service, scope) whose tokens we cache per scope set until
// they expire. Credentials come from the client (X-Registry-Auth); the daemon keeps none.
import { invalidParameter, messageOf } from '../../lib/errors.ts';
import { errorFromResponse, RegistryError } from './errors.ts';
import { readBody, type Transport } from './transport.ts';

/** types.AuthConfig as the docker CLI sends it (base64url JSON in X-Registry-Auth). */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64("user:password"), as config.json stores it. */
  auth?: string;
  email?: string;
  serveraddress?: string;
  /** An OAuth refresh token from an earlier login. */
  identitytoken?: string;
  /** A bearer token to send as is. */
  registrytoken?: string;
}

export interface Challenge {
  scheme: string; // lower case: "basic", "bearer"
  params: Record<string, string>;
}

/** Decodes X-Registry-Auth (base64url or standard base64 of the JSON); empty means anonymous. */
export function decodeRegistryAuth(header: string | undefined | null): AuthConfig {
  if (!header) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch (err) {
    throw invalidParameter(`invalid X-Registry-Auth header: ${messageOf(err)}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return {};
  const out: AuthConfig = {};
  for (const k of ['username', 'password', 'auth', 'email', 'serveraddress', 'identitytoken', 'registrytoken'] as const) {
    const v = (doc as Record<string, unknown>)[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  return out;
}

/** The user name and password, from the fields or from `auth`. */
export function credentialsOf(a: AuthConfig): { username: string; password: string } | undefined {
  if (a.username !== undefined || a.password !== undefined) return { username: a.username ?? '', password: a.password ?? '' };
  if (a.auth) {
    const plain = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) return { username: plain.slice(0, i), password: plain.slice(i + 1) };
  }
  return undefined;
}

/** Parses WWW-Authenticate values: `Bearer realm="https://auth",service="reg",scope="a b"`. */
export function parseChallenges(values: string | string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  for (const v of Array.isArray(values) ? values : values ? [values] : []) {
    const re = /\s*([A-Za-z][\w-]*)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?\s*,?/gy;
    let cur: Challenge | undefined;
    for (let m = re.exec(v); m && m[0] !== ''; m = re.exec(v)) {
      const [, name, quoted, token] = m;
      if (quoted === undefined && token === undefined) {
        cur = { scheme: name!.toLowerCase(), params: {} };
        out.push(cur);
      } else if (cur) {
        cur.params[name!.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : token!;
      }
    }
  }
  return out;
}

/** "repository:library/busybox:pull,push". */
export function repositoryScope(repo: string, actions: readonly string[]): string {
  return `repository:${repo}:${actions.join(',')}`;
}

interface CachedToken {
  token: string;
  expires: number;
}

export interface TokenResult {
  token: string;
  /** The refresh token when one was asked for (login), returned as IdentityToken. */
  refreshToken?: string;
}

const MIN_TOKEN_LIFETIME_S = 60;
const MAX_TOKEN_RESPONSE = 1 << 20;

export class Authorizer {
  private readonly auth: AuthConfig;
  private readonly userAgent: string;
  private challenges: Challenge[] | undefined;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(auth: AuthConfig, userAgent: string) {
    this.auth = auth;
    this.userAgent = userAgent;
  }

  get known(): boolean {
    return this.challenges !== undefined;
  }

  /** Records the registry's challenges (from the /v2/ ping or a 401). */
  learn(headers: { 'www-authenticate'?: string | string[] | undefined }): void {
    this.challenges = parseChallenges(headers['www-authenticate']);
    this.tokens.clear();
  }

  bearerChallenge(): Challenge | undefined {
    return this.challenges?.find((c) => c.scheme === 'bearer');
  }

  hasCredentials(): boolean {
    return credentialsOf(this.auth) !== undefined || !!this.auth.identitytoken || !!this.auth.registrytoken;
  }

  /**
   * The Authorization header for a request needing `scopes`, or undefined (anonymous). Throws
   * "no basic auth credentials" when the registry wants Basic and we have none, as Docker does.
   */
  async header(transport: Transport, scopes: readonly string[], offline = false): Promise<string | undefined> {
    const ch = this.challenges ?? [];
    const bearer = ch.find((c) => c.scheme === 'bearer');
    if (bearer) {
      if (this.auth.registrytoken) return `Bearer ${this.auth.registrytoken}`;
      return `Bearer ${(await this.token(transport, bearer, scopes, offline)).token}`;
    }
    if (ch.some((c) => c.scheme === 'basic')) {
      const cred = credentialsOf(this.auth);
      if (!cred) throw new RegistryError('Unauthorized', 'no basic auth credentials', 401);
      return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
    }
    return undefined;
  }

  /** A bearer token for `scopes`, from the cache or the token server. */
  async token(transport: Transport, bearer: Challenge, scopes: readonly string[], offline = false): Promise<TokenResult> {
    const wanted = [...new Set([...scopes, ...(bearer.params.scope ? bearer.params.scope.split(' ') : [])])].sort();
    const key = `${bearer.params.realm}|${bearer.params.service}|${wanted.join(' ')}`;
    const cached = this.tokens.get(key);
    if (!offline && cached && cached.expires > Date.now()) return { token: cached.token };
    const res = await this.fetchToken(transport, bearer, wanted, offline);
    const lifetime = Math.max(MIN_TOKEN_LIFETIME_S, res.expiresIn ?? 0);
    this.tokens.set(key, { token: res.token, expires: Date.now() + (lifetime - 5) * 1000 });
    return res.refreshToken ? { token: res.token, refreshToken: res.refreshToken } : { token: res.token };
  }

  private async fetchToken(
    transport: Transport,
    bearer: Challenge,
    scopes: string[],
    offline: boolean,
  ): Promise<{ token: string; refreshToken?: string; expiresIn?: number }> {
    const realm = bearer.params.realm;
    if (!realm || !/^https?:\/\//.test(realm)) throw new RegistryError('System', `invalid token auth challenge realm: ${JSON.stringify(realm ?? '')}`, 0);
    const service = bearer.params.service ?? '';
    const cred = credentialsOf(this.auth);
    const headers: Record<string, string> = { 'User-Agent': this.userAgent, Accept: 'application/json' };

    if (this.auth.identitytoken) {
      // OAuth2 refresh-token grant; servers without it answer 404 and get the GET form below.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.auth.identitytoken, service, client_id: 'docker' });
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      if (offline) form.set('access_type', 'offline');
      const res = await transport.request({
        method: 'POST',
        url: realm,
        headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
      });
      const body = await readBody(res.body, MAX_TOKEN_RESPONSE, 'token response');
      if (res.status === 200) return parseTokenResponse(body, this.auth.identitytoken);
      if (res.status !== 404) throw errorFromResponse(res.status, body, `POST ${realm}`);
    }

    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    for (const s of scopes) url.searchParams.append('scope', s);
    if (cred?.username) url.searchParams.set('account', cred.username);
    if (offline && cred) {
      url.searchParams.set('offline_token', 'true');
      url.searchParams.set('client_id', 'docker');
    }
    if (cred) headers.Authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
    const res = await transport.request({ method: 'GET', url: url.toString(), headers });
    const body = await readBody(res.body, MAX_TOKEN_RESPONSE, 'token response');
    if (res.status !== 200) throw errorFromResponse(res.status, body, `GET ${realm}`);
    return parseTokenResponse(body, undefined);
  }
}

function parseTokenResponse(body: Buffer, fallbackRefresh: string | undefined): { token: string; refreshToken?: string; expiresIn?: number } {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new RegistryError('System', 'unable to decode token response: not JSON', 0);
  }
  const token = typeof doc.access_token === 'string' && doc.access_token ? doc.access_token : doc.token;
  if (typeof token !== 'string' || token === '') throw new RegistryError('System', 'authorization server did not include a token in the response', 0);
  const refresh = typeof doc.refresh_token === 'string' && doc.refresh_token ? doc.refresh_token : fallbackRefresh;
  const expiresIn = typeof doc.expires_in === 'number' ? doc.expires_in : undefined;
  return { token, ...(refresh ? { refreshToken: refresh } : {}), ...(expiresIn !== undefined ? { expiresIn } : {}) };
}
