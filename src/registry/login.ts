// POST /auth: checks credentials against the registry they name (the daemon stores nothing).
// serveraddress is what `docker login` was given: empty or Docker Hub's index URL means
// Docker Hub; else a host[:port], possibly with a scheme and path (moby's ConvertToHostname).
import { type AuthConfig, connectRegistry, type RegistryHosts } from './client/index.ts';
import { DEFAULT_DOMAIN, LEGACY_DEFAULT_DOMAIN } from '../image/reference.ts';

export interface AuthResponse {
  Status: string;
  IdentityToken?: string;
}

export function registryOfServerAddress(addr: string | undefined): string {
  if (!addr) return DEFAULT_DOMAIN;
  const host = addr.replace(/^https?:\/\//, '').split('/')[0]!;
  if (host === '' || host === LEGACY_DEFAULT_DOMAIN || host === 'registry-1.docker.io' || host === DEFAULT_DOMAIN) return DEFAULT_DOMAIN;
  return host;
}

export async function login(hosts: RegistryHosts, auth: AuthConfig, signal?: AbortSignal): Promise<AuthResponse> {
  const registry = registryOfServerAddress(auth.serveraddress);
  const client = await connectRegistry(hosts, registry, { auth, skipMirrors: true, ...(signal ? { signal } : {}) });
  const r = await client.login(signal);
  return r.identityToken ? { Status: 'Login Succeeded', IdentityToken: r.identityToken } : { Status: 'Login Succeeded' };
}
