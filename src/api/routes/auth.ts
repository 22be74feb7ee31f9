// POST /auth: checks registry credentials (registry/login.ts). Docker's AuthConfig body; the
// answer is {Status, IdentityToken}; bad credentials are a 401 with the registry's reason.
import type { RouteTable } from '../context.ts';
import { invalidParameter } from '../../lib/errors.ts';
import type { AuthConfig } from '../../registry/client/auth.ts';
import type { AuthResponse } from '../../registry/login.ts';

export interface AuthBackend {
  login(auth: AuthConfig, signal: AbortSignal): Promise<AuthResponse>;
}

const FIELDS = ['username', 'password', 'auth', 'email', 'serveraddress', 'identitytoken', 'registrytoken'] as const;

export function registerAuthRoutes(routes: RouteTable, backend: AuthBackend): void {
  routes.add('POST', '/auth', async (ctx) => {
    const body = await ctx.jsonBody();
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidParameter('invalid auth configuration: expected a JSON object');
    const auth: AuthConfig = {};
    for (const k of FIELDS) {
      const v = (body as Record<string, unknown>)[k];
      if (v === undefined || v === null || v === '') continue;
      if (typeof v !== 'string') throw invalidParameter(`invalid auth configuration: ${k} must be a string`);
      auth[k] = v;
    }
    const abort = new AbortController();
    ctx.res.once('close', () => abort.abort());
    ctx.json(await backend.login(auth, abort.signal));
  });
}
