// Manifest validation on push: the JSON shapes of the OCI image manifest and index and their
// Docker schema2 twins, and what a manifest references (blobs, child manifests, its subject).
import { regError } from './errors.ts';
import { type Digest, INDEX_TYPES, isDigest, MANIFEST_TYPES, MEDIA } from './names.ts';

export interface RefDescriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  /** Foreign layers (nondistributable) live elsewhere: the registry need not hold them. */
  foreign: boolean;
}

export interface ParsedManifest {
  mediaType: string;
  /** config and layers of an image manifest */
  blobs: RefDescriptor[];
  /** children of an index */
  manifests: RefDescriptor[];
  subject?: RefDescriptor;
  /** What the referrers API reports: artifactType, else the config's media type. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** Media types without parameters, lower-cased ("application/json; charset=utf-8" -> "application/json"). */
export function bareType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function parseManifest(body: Uint8Array, contentType: string | undefined): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (err) {
    throw regError('MANIFEST_INVALID', { reason: `invalid JSON: ${(err as Error).message}` });
  }
  if (!isObject(doc)) throw invalid('manifest is not a JSON object');
  if (doc['schemaVersion'] !== 2) throw invalid('schemaVersion must be 2 (schema 1 manifests are not supported)');
  const declared = doc['mediaType'];
  if (declared !== undefined && typeof declared !== 'string') throw invalid('mediaType must be a string');
  const header = bareType(contentType);
  let mediaType: string;
  if (MANIFEST_TYPES.includes(header)) {
    if (declared !== undefined && declared !== header) {
      throw invalid(`mediaType ${JSON.stringify(declared)} does not match Content-Type ${JSON.stringify(header)}`);
    }
    mediaType = header;
  } else if (declared !== undefined) {
    mediaType = declared;
  } else {
    mediaType = 'manifests' in doc ? MEDIA.ociIndex : MEDIA.ociManifest;
  }
  if (!MANIFEST_TYPES.includes(mediaType)) throw invalid(`unsupported manifest media type ${JSON.stringify(mediaType)}`);

  const out: ParsedManifest = { mediaType, blobs: [], manifests: [] };
  if (INDEX_TYPES.includes(mediaType)) {
    const list = doc['manifests'];
    if (!Array.isArray(list)) throw invalid('manifests must be an array');
    out.manifests = list.map((d, i) => descriptor(d, `manifests[${i}]`));
  } else {
    out.blobs.push(descriptor(doc['config'], 'config'));
    const layers = doc['layers'];
    if (!Array.isArray(layers)) throw invalid('layers must be an array');
    for (const [i, d] of layers.entries()) out.blobs.push(descriptor(d, `layers[${i}]`));
  }
  if (doc['subject'] !== undefined) out.subject = descriptor(doc['subject'], 'subject');
  const artifactType = doc['artifactType'];
  if (artifactType !== undefined && typeof artifactType !== 'string') throw invalid('artifactType must be a string');
  const fromConfig = out.blobs[0]?.mediaType;
  if (artifactType !== undefined) out.artifactType = artifactType;
  else if (fromConfig !== undefined) out.artifactType = fromConfig;
  const ann = doc['annotations'];
  if (ann !== undefined) out.annotations = annotations(ann, 'annotations');
  return out;
}

function descriptor(v: unknown, where: string): RefDescriptor {
  if (!isObject(v)) throw invalid(`${where} must be a descriptor object`);
  const { mediaType, digest, size, urls } = v;
  if (typeof mediaType !== 'string' || mediaType === '') throw invalid(`${where}.mediaType must be a string`);
  if (typeof digest !== 'string' || !isDigest(digest)) throw invalid(`${where}.digest is not a valid digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`${where}.size must be a non-negative integer`);
  const d: RefDescriptor = { mediaType, digest, size, foreign: Array.isArray(urls) && urls.length > 0 };
  if (typeof v['artifactType'] === 'string') d.artifactType = v['artifactType'];
  if (v['annotations'] !== undefined) d.annotations = annotations(v['annotations'], `${where}.annotations`);
  return d;
}

function annotations(v: unknown, where: string): Record<string, string> {
  if (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string')) throw invalid(`${where} must map strings to strings`);
  return v as Record<string, string>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(reason: string) {
  return regError('MANIFEST_INVALID', { reason }, `manifest invalid: ${reason}`);
}
