// Picks the endpoint of a registry that answers (moby tries each of LookupPullEndpoints in
// turn): a connection or TLS failure moves on to the next one (an insecure registry's plain
// HTTP after its TLS, Docker Hub after a mirror); any other answer settles it.
import type { AuthConfig } from './auth.ts';
import { RegistryClient } from './client.ts';
import type { RegistryHosts } from './endpoint.ts';
import { RegistryError } from './errors.ts';

export interface ConnectOptions {
  auth?: AuthConfig;
  /** "pull" uses mirrors; "push" asks tokens for pull and push. */
  purpose?: 'pull' | 'push';
  userAgent?: string;
  signal?: AbortSignal;
  /** Leave out Docker Hub mirrors (a caller that tried them itself). */
  skipMirrors?: boolean;
}

export async function connectRegistry(hosts: RegistryHosts, registry: string, opts: ConnectOptions = {}): Promise<RegistryClient> {
  const purpose = opts.purpose ?? 'pull';
  const endpoints = (await hosts.endpoints(registry, purpose)).filter((e) => !(opts.skipMirrors && e.mirror));
  let lastErr: unknown;
  for (const endpoint of endpoints) {
    const client = new RegistryClient({
      endpoint,
      actions: purpose === 'push' ? ['pull', 'push'] : ['pull'],
      ...(opts.auth ? { auth: opts.auth } : {}),
      ...(opts.userAgent ? { userAgent: opts.userAgent } : {}),
    });
    try {
      await client.ping(opts.signal);
      hosts.worked(endpoint);
      return client;
    } catch (err) {
      if (!(err instanceof RegistryError) || err.status !== 0) throw err;
      opts.signal?.throwIfAborted();
      lastErr = err;
    }
  }
  throw lastErr ?? new RegistryError('Unavailable', `no endpoint for registry ${registry}`, 0);
}
