// FROM of an image that is not here (or --pull): the distribution service pulls it, with the
// credentials the client sent for its registry in X-Registry-Config (base64 JSON of
// AuthConfig by registry address, as the docker CLI sends it for builds).
import { invalidParameter, messageOf } from '../lib/errors.ts';
import { fullString, parseNormalizedNamed, tagNameOnly } from '../image/reference.ts';
import type { ImageService } from '../image/service.ts';
import type { AuthConfig } from '../registry/client/index.ts';
import { decodeRegistryAuth } from '../registry/client/auth.ts';
import type { DistributionService } from '../registry/service.ts';

export function basePuller(distribution: DistributionService, images: ImageService) {
  return async (ref: string, opts: { platform?: string; registryConfig?: string }): Promise<string> => {
    const named = tagNameOnly(parseNormalizedNamed(ref));
    const auth = authFor(opts.registryConfig, named.domain);
    await distribution.pull(named, { ...(opts.platform ? { platform: opts.platform } : {}), ...(auth ? { auth } : {}), progress: () => {} });
    return images.resolve(fullString(named)).id;
  };
}

/** The entry of X-Registry-Config for `domain` (Docker Hub's is keyed by its v1 index URL). */
function authFor(header: string | undefined, domain: string): AuthConfig | undefined {
  if (!header) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch (err) {
    throw invalidParameter(`invalid X-Registry-Config header: ${messageOf(err)}`);
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const hub = domain === 'docker.io';
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (host === domain || (hub && (host === 'index.docker.io' || host === 'registry-1.docker.io'))) {
      return decodeRegistryAuth(Buffer.from(JSON.stringify(value)).toString('base64'));
    }
  }
  return undefined;
}
