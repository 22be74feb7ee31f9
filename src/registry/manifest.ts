// Manifests from a registry, validated before anything acts on them: Docker schema 2 and OCI
// image manifests, Docker manifest lists and OCI indexes (with platform selection). Schema 1
// is refused with Docker's deprecation notice.
import { type Digest, isDigest } from '../lib/digest.ts';
import { invalidParameter, notFound } from '../lib/errors.ts';
import { type Descriptor, MediaType } from '../image/types.ts';
import { formatPlatform, type PlatformSpec, platformRank } from './manifest-platform.ts';

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

export type ParsedManifest = ImageManifest | ImageIndex;

const INDEX_TYPES: readonly string[] = [MediaType.ociIndex, MediaType.dockerManifestList];
const MANIFEST_TYPES: readonly string[] = [MediaType.ociManifest, MediaType.dockerManifest];
const CONFIG_TYPES: readonly string[] = [MediaType.dockerConfig, MediaType.ociConfig];
const LAYER_TYPES: readonly string[] = [MediaType.dockerLayerGzip, MediaType.dockerLayer, MediaType.ociLayer, MediaType.ociLayerGzip, MediaType.ociLayerZstd];
const FOREIGN_LAYER_TYPES: readonly string[] = [
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
];
const MAX_LAYERS = 1000;
const MAX_INDEX_ENTRIES = 10_000;

export function schema1Notice(name: string): string {
  return (
    '[DEPRECATION NOTICE] Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. ' +
    `Suggest the author of ${name} to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2. ` +
    'More information at https://docs.docker.com/go/deprecated-image-specs/'
  );
}

/** Parses and validates a manifest or index; `mediaType` is what the registry said it is. */
export function parseManifest(bytes: Buffer, mediaType: string, name: string): ParsedManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalidParameter(`invalid manifest for ${name}: not JSON`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalidParameter(`invalid manifest for ${name}: not an object`);
  if (doc.schemaVersion === 1 || mediaType.startsWith('application/vnd.docker.distribution.manifest.v1')) throw invalidParameter(schema1Notice(name));
  if (doc.schemaVersion !== 2) throw invalidParameter(`unsupported manifest schema version ${JSON.stringify(doc.schemaVersion)} for ${name}`);
  const type = typeof doc.mediaType === 'string' && doc.mediaType ? doc.mediaType : mediaType;
  if (INDEX_TYPES.includes(type) || (!type && Array.isArray(doc.manifests))) {
    if (!Array.isArray(doc.manifests) || doc.manifests.length > MAX_INDEX_ENTRIES) throw invalidParameter(`invalid manifest list for ${name}`);
    return { kind: 'index', mediaType: type, manifests: doc.manifests.map((d) => descriptor(d, name)) };
  }
  if (MANIFEST_TYPES.includes(type) || (!type && doc.config)) {
    const config = descriptor(doc.config, name);
    if (!CONFIG_TYPES.includes(config.mediaType)) {
      throw invalidParameter(`${name} is not a container image: its config has media type ${JSON.stringify(config.mediaType)}`);
    }
    if (!Array.isArray(doc.layers) || doc.layers.length > MAX_LAYERS) throw invalidParameter(`invalid manifest for ${name}: bad layer list`);
    const layers = doc.layers.map((d) => descriptor(d, name));
    for (const l of layers) {
      if (FOREIGN_LAYER_TYPES.includes(l.mediaType)) throw invalidParameter(`${name} has a foreign (non-distributable) layer ${l.digest}: not supported on Linux`);
      if (!LAYER_TYPES.includes(l.mediaType)) throw invalidParameter(`${name} has a layer of unsupported media type ${JSON.stringify(l.mediaType)}`);
    }
    return { kind: 'manifest', mediaType: type, config, layers };
  }
  throw invalidParameter(`unsupported manifest media type ${JSON.stringify(type)} for ${name}`);
}

function descriptor(d: unknown, name: string): Descriptor {
  if (!d || typeof d !== 'object') throw invalidParameter(`invalid manifest for ${name}: bad descriptor`);
  const { mediaType, digest, size, platform, annotations } = d as Record<string, unknown>;
  if (typeof digest !== 'string' || !isDigest(digest)) throw invalidParameter(`invalid manifest for ${name}: bad digest ${JSON.stringify(digest)}`);
  if (!digest.startsWith('sha256:')) throw invalidParameter(`unsupported digest algorithm in ${digest}`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalidParameter(`invalid manifest for ${name}: bad size for ${digest}`);
  const out: Descriptor = { mediaType: typeof mediaType === 'string' ? mediaType : '', digest: digest as Digest, size };
  if (platform && typeof platform === 'object') {
    const p = platform as Record<string, unknown>;
    if (typeof p.os === 'string' && typeof p.architecture === 'string') {
      out.platform = { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' && p.variant ? { variant: p.variant } : {}) };
    }
  }
  if (annotations && typeof annotations === 'object') out.annotations = annotations as Record<string, string>;
  return out;
}

/** The index entry for `want`: the best-ranked image manifest; Docker's error when none runs here. */
export function selectPlatform(index: ImageIndex, want: PlatformSpec): Descriptor {
  let best: Descriptor | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const m of index.manifests) {
    if (!m.platform) continue; // attestations and other artifacts carry none (or unknown/unknown)
    if (m.mediaType && !MANIFEST_TYPES.includes(m.mediaType) && !INDEX_TYPES.includes(m.mediaType)) continue;
    const r = platformRank(want, m.platform);
    if (r !== undefined && r < bestRank) {
      best = m;
      bestRank = r;
    }
  }
  if (!best) throw notFound(`no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
  return best;
}
