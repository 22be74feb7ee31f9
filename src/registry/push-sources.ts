// What we know about where a layer's compressed blobs live (dockerd's v2 metadata service):
// layer_blobs says which blobs hold a diff ID, blob_sources which repositories hold a blob.
// Push reads it to skip uploads ("Layer already exists") and to mount from a sibling
// repository of the same registry ("Mounted from"); push and pull write it.
import type { Db } from '../store/db.ts';
import type { Digest } from '../lib/digest.ts';
import { MediaType } from '../image/types.ts';
import type { LayerBlob } from '../image/layers.ts';

export interface BlobSource {
  digest: Digest;
  /** Full repository name: "127.0.0.1:5000/library/busybox". */
  repository: string;
}

/** Compressed layer media types and the compression they mean. */
const GZIP_TYPES = new Set<string>([MediaType.dockerLayerGzip, MediaType.ociLayerGzip]);
const ZSTD_TYPES = new Set<string>([MediaType.ociLayerZstd]);

export function compressionOf(mediaType: string): 'gzip' | 'zstd' | undefined {
  if (GZIP_TYPES.has(mediaType)) return 'gzip';
  if (ZSTD_TYPES.has(mediaType)) return 'zstd';
  return undefined;
}

/** "127.0.0.1:5000/library/busybox" → ["127.0.0.1:5000", "library/busybox"]. */
export function splitRepository(full: string): [domain: string, path: string] {
  const i = full.indexOf('/');
  return [full.slice(0, i), full.slice(i + 1)];
}

export class BlobSources {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Remembers that `repository` holds `digest` (after a push, a mount, an existence check or a pull). */
  add(digest: Digest, repository: string, now = new Date().toISOString()): void {
    this.db
      .prepare('INSERT INTO blob_sources (digest, repository, seen_at) VALUES (?, ?, ?) ON CONFLICT(digest, repository) DO UPDATE SET seen_at = excluded.seen_at')
      .run(digest, repository, now);
  }

  /** Forgets a source the registry denied having (a 404, a failed mount). */
  remove(digest: Digest, repository: string): void {
    this.db.prepare('DELETE FROM blob_sources WHERE digest = ? AND repository = ?').run(digest, repository);
  }

  /** Repositories known to hold `digest`, newest first. */
  of(digest: Digest): string[] {
    return this.db
      .prepare('SELECT repository FROM blob_sources WHERE digest = ? ORDER BY seen_at DESC, repository')
      .all(digest)
      .map((r) => r.repository as string);
  }
}

/** A blob we may reuse for a layer, with the repositories known to hold it. */
export interface Candidate extends LayerBlob {
  sources: string[];
}

/**
 * The blobs known for a diff ID that this push can name (`accept`: gzip, and zstd only in an OCI
 * manifest or when asked), each with its sources (recorded ones and those `implied` by the
 * image's repo digests). Ordered as dockerd's sortV2MetadataByLikenessAndAge roughly does:
 * blobs the target repository holds first, then those on the same registry, then the rest.
 */
export function candidatesFor(
  blobs: LayerBlob[],
  sources: BlobSources,
  target: string,
  accept: readonly string[],
  implied: ReadonlyMap<Digest, string[]> = new Map(),
): Candidate[] {
  const [domain] = splitRepository(target);
  const out: Candidate[] = [];
  for (const b of blobs) {
    const c = compressionOf(b.media_type);
    if (c === undefined || !accept.includes(c)) continue;
    out.push({ ...b, sources: [...new Set([...sources.of(b.digest), ...(implied.get(b.digest) ?? [])])] });
  }
  const rank = (c: Candidate) =>
    c.sources.includes(target) ? 0 : c.sources.some((s) => splitRepository(s)[0] === domain) ? 1 : c.sources.length > 0 ? 2 : 3;
  return out.sort((a, b) => rank(a) - rank(b));
}

/** Mount candidates: other repositories of the target's registry known to hold a candidate blob. */
export function mountCandidates(cands: Candidate[], target: string, max: number): BlobSource[] {
  const [domain] = splitRepository(target);
  const out: BlobSource[] = [];
  for (const c of cands) {
    for (const s of c.sources) {
      if (s === target || splitRepository(s)[0] !== domain) continue;
      out.push({ digest: c.digest, repository: s });
      if (out.length >= max) return out;
    }
  }
  return out;
}
