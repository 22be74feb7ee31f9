// POST /auth (SystemAuth), and the X-Registry-Auth encoding pull and push send: base64url of
// the AuthConfig JSON, as the docker CLI's registry.EncodeAuthConfig writes it.
import type { Client } from './client.ts';

/** registry.AuthConfig. */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** registry.AuthenticateOKBody. */
export interface AuthenticateOKBody {
  Status: string;
  IdentityToken?: string;
}

/** Go's base64.URLEncoding: the URL alphabet with '=' padding (dockerd's decoder wants it). */
export function encodeRegistryAuth(a: AuthConfig): string {
  return Buffer.from(JSON.stringify(a)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

export class AuthApi {
  private readonly c: Client;
  constructor(client: Client) {
    this.c = client;
  }

  /** Checks credentials against a registry through the daemon. */
  login(auth: AuthConfig): Promise<AuthenticateOKBody> {
    return this.c.json<AuthenticateOKBody>({ method: 'POST', path: '/auth', body: auth });
  }
}
