// The token endpoint (Docker's token auth spec): GET /token?service=&scope=... with Basic
// credentials, or POST /token with an OAuth2 password grant. Every htpasswd user is granted
// what it asks for among pull, push and delete.
import type { IncomingMessage } from 'node:http';
import { regError } from '../errors.ts';
import { isName } from '../names.ts';
import { basicCredentials, unauthorized } from './authorizer.ts';
import type { Htpasswd } from './htpasswd.ts';
import { type Access, parseScope, type TokenIssuer } from './token.ts';

const REPO_ACTIONS = new Set(['pull', 'push', 'delete', '*']);

/** What a user gets for the scopes it asked for: known actions on valid names, nothing else. */
export function grant(scopes: readonly string[]): Access[] {
  const out: Access[] = [];
  for (const s of scopes) {
    const a = parseScope(s);
    if (!a) continue;
    if (a.type === 'repository' && isName(a.name)) {
      const actions = a.actions.filter((x) => REPO_ACTIONS.has(x));
      if (actions.length > 0) out.push({ type: 'repository', name: a.name, actions });
    } else if (a.type === 'registry' && a.name === 'catalog') {
      out.push({ type: 'registry', name: 'catalog', actions: ['*'] });
    }
  }
  return out;
}

export interface TokenResponse {
  token?: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
  scope?: string;
}

export class TokenEndpoint {
  private readonly htpasswd: Htpasswd;
  private readonly issuer: TokenIssuer;
  private readonly realm: string;
  constructor(htpasswd: Htpasswd, issuer: TokenIssuer, realm: string) {
    this.htpasswd = htpasswd;
    this.issuer = issuer;
    this.realm = realm;
  }

  /** GET: credentials in the Authorization header; scopes in repeated `scope` parameters. */
  async get(req: IncomingMessage, query: URLSearchParams): Promise<TokenResponse> {
    const creds = basicCredentials(req);
    if (!creds || !(await this.htpasswd.verify(creds.user, creds.password))) {
      throw unauthorized(`Basic realm="${this.realm}"`, creds ? 'invalid username or password' : undefined);
    }
    this.checkService(query.get('service'));
    const scopes = query.getAll('scope').flatMap((s) => s.split(' '));
    return this.issuer.issue(creds.user, grant(scopes));
  }

  /** POST: an x-www-form-urlencoded OAuth2 password grant (scopes space-separated). */
  async post(form: URLSearchParams): Promise<TokenResponse> {
    if (form.get('grant_type') !== 'password') {
      throw regError('UNSUPPORTED', { grant_type: form.get('grant_type') }, 'only the password grant is supported');
    }
    const user = form.get('username') ?? '';
    if (!(await this.htpasswd.verify(user, form.get('password') ?? ''))) {
      throw unauthorized(`Basic realm="${this.realm}"`, 'invalid username or password');
    }
    this.checkService(form.get('service'));
    const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s !== '');
    const t = this.issuer.issue(user, grant(scopes));
    return { access_token: t.access_token, expires_in: t.expires_in, issued_at: t.issued_at, scope: scopes.join(' ') };
  }

  private checkService(service: string | null): void {
    if (service !== null && service !== this.issuer.service) {
      throw regError('DENIED', { service }, `unknown service ${JSON.stringify(service)}`);
    }
  }
}
