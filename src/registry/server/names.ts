// What the spec says names, tags, digests and manifest media types look like.
import { regError } from './errors.ts';

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** The spec's grammar for any digest: a well-formed one with an algorithm we do not know is UNSUPPORTED, not invalid. */
const ANY_DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export type Algorithm = 'sha256' | 'sha512';
export type Digest = `${Algorithm}:${string}`;

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export const MANIFEST_TYPES: readonly string[] = Object.values(MEDIA);
export const INDEX_TYPES: readonly string[] = [MEDIA.ociIndex, MEDIA.dockerList];

/** Repository names: path components of the spec's regular expression, under 256 characters in all. */
export function isName(name: string): boolean {
  return name.length < 256 && NAME_RE.test(name);
}

export function checkName(name: string): string {
  if (!isName(name)) throw regError('NAME_INVALID', { name });
  return name;
}

export function isTag(s: string): boolean {
  return TAG_RE.test(s);
}

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

/** A digest from a URL or query: DIGEST_INVALID when malformed or of an algorithm we cannot verify. */
export function parseDigest(s: string | null | undefined): Digest {
  if (s && isDigest(s)) return s;
  const why = s && ANY_DIGEST_RE.test(s) ? 'unsupported digest algorithm' : 'invalid digest';
  throw regError('DIGEST_INVALID', { digest: s ?? '' }, why);
}

export function algorithmOf(d: Digest): Algorithm {
  return d.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function hexOf(d: Digest): string {
  return d.slice(d.indexOf(':') + 1);
}

/** A manifest reference is a tag or a digest; anything else is refused before storage is touched. */
export type Reference = { tag: string; digest?: undefined } | { digest: Digest; tag?: undefined };

export function parseReference(ref: string): Reference {
  if (ref.includes(':')) return { digest: parseDigest(ref) };
  if (!isTag(ref)) throw regError('MANIFEST_INVALID', { tag: ref }, 'invalid tag');
  return { tag: ref };
}
