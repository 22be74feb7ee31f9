// The registry's operations on its storage, independent of HTTP: what the handlers call and
// what unit tests drive directly.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { regError } from './errors.ts';
import { parseManifest } from './manifest.ts';
import { algorithmOf, type Digest, parseReference } from './names.ts';
import { BlobStore } from './storage/blobs.ts';
import { KeyedLock } from './storage/lock.ts';
import { byCodePoint, type Descriptor, RepoStore, type StoredManifest } from './storage/repos.ts';
import { UploadStore } from './storage/uploads.ts';

/** Registries SHOULD accept manifests up to 4 MiB; larger ones are refused with 413. */
export const MAX_MANIFEST_BYTES = 4 << 20;

export interface Page<T> {
  items: T[];
  /** The `last` of the next page when there is one. */
  next?: string;
}

export class Registry {
  readonly root: string;
  readonly blobs: BlobStore;
  readonly repos: RepoStore;
  readonly uploads: UploadStore;
  private readonly repoLock = new KeyedLock();

  constructor(root: string) {
    this.root = root;
    this.blobs = new BlobStore(root);
    this.repos = new RepoStore(root, this.blobs);
    this.uploads = new UploadStore(this.repos, this.blobs);
  }

  async init(): Promise<void> {
    await mkdir(this.blobs.dir, { recursive: true });
    await mkdir(this.repos.dir, { recursive: true });
  }

  // --- manifests ---

  /** Resolves a tag or digest to a manifest of `name`: MANIFEST_UNKNOWN (or NAME_UNKNOWN) when absent. */
  async resolveManifest(name: string, ref: string): Promise<StoredManifest> {
    const r = parseReference(ref);
    const d = r.digest ?? (await this.repos.tag(name, r.tag));
    const m = d ? await this.repos.manifest(name, d) : undefined;
    if (m) return m;
    if (!(await this.repos.exists(name))) throw regError('NAME_UNKNOWN', { name });
    throw regError('MANIFEST_UNKNOWN', r.digest ? { digest: r.digest } : { tag: r.tag });
  }

  async readManifest(m: StoredManifest): Promise<Buffer> {
    return this.blobs.read(m.digest);
  }

  /** Validates and stores a manifest under a tag or its digest. */
  async putManifest(name: string, ref: string, body: Uint8Array, contentType: string | undefined) {
    const r = parseReference(ref);
    const parsed = parseManifest(body, contentType);
    const alg = r.digest ? algorithmOf(r.digest) : 'sha256';
    const digest: Digest = `${alg}:${createHash(alg).update(body).digest('hex')}`;
    if (r.digest && r.digest !== digest) throw regError('DIGEST_INVALID', { expected: r.digest, actual: digest });
    for (const b of parsed.blobs) {
      if (b.foreign) continue;
      const size = await this.repos.blobSize(name, b.digest);
      if (size === undefined) throw regError('MANIFEST_BLOB_UNKNOWN', { digest: b.digest });
      if (size !== b.size) {
        throw regError('MANIFEST_INVALID', { digest: b.digest, size: b.size, stored: size }, 'manifest invalid: blob size mismatch');
      }
    }
    for (const c of parsed.manifests) {
      if (!(await this.repos.manifest(name, c.digest))) throw regError('MANIFEST_BLOB_UNKNOWN', { digest: c.digest });
    }
    const stored: StoredManifest = { digest, mediaType: parsed.mediaType, size: body.length };
    let referrer: { subject: Digest; descriptor: Descriptor } | undefined;
    if (parsed.subject) {
      const descriptor: Descriptor = { mediaType: parsed.mediaType, digest, size: body.length };
      if (parsed.artifactType !== undefined) descriptor.artifactType = parsed.artifactType;
      if (parsed.annotations !== undefined) descriptor.annotations = parsed.annotations;
      referrer = { subject: parsed.subject.digest, descriptor };
    }
    await this.repoLock.run(name, () => this.repos.putManifest(name, stored, body, r.tag, referrer));
    return { digest, subject: parsed.subject?.digest };
  }

  /** DELETE by digest removes the manifest and its tags; by tag, only the tag. */
  async deleteManifest(name: string, ref: string): Promise<void> {
    const r = parseReference(ref);
    await this.repoLock.run(name, async () => {
      if (r.tag !== undefined) {
        if (await this.repos.deleteTag(name, r.tag)) return;
      } else {
        const m = await this.repos.manifest(name, r.digest);
        const subject = m ? subjectOf(await this.blobs.read(m.digest).catch(() => undefined)) : undefined;
        if (await this.repos.deleteManifest(name, r.digest, subject)) return;
      }
      if (!(await this.repos.exists(name))) throw regError('NAME_UNKNOWN', { name });
      throw regError('MANIFEST_UNKNOWN', r.tag !== undefined ? { tag: r.tag } : { digest: r.digest });
    });
  }

  // --- blobs ---

  /** The size of a blob `name` holds; BLOB_UNKNOWN otherwise. */
  async blobSize(name: string, d: Digest): Promise<number> {
    const size = await this.repos.blobSize(name, d);
    if (size === undefined) throw regError('BLOB_UNKNOWN', { digest: d });
    return size;
  }

  async deleteBlob(name: string, d: Digest): Promise<void> {
    if (!(await this.repos.unlinkBlob(name, d))) throw regError('BLOB_UNKNOWN', { digest: d });
  }

  /** Cross-repository mount: links a blob `from` holds into `name`. False when it cannot. */
  async mount(name: string, d: Digest, from: string): Promise<boolean> {
    if ((await this.repos.blobSize(from, d)) === undefined) return false;
    await this.repos.linkBlob(name, d);
    return true;
  }

  // --- discovery ---

  async tags(name: string, n: number | undefined, last: string | undefined): Promise<Page<string>> {
    if (!(await this.repos.exists(name))) throw regError('NAME_UNKNOWN', { name });
    return paginate(await this.repos.tags(name), n, last);
  }

  async catalog(n: number | undefined, last: string | undefined): Promise<Page<string>> {
    return paginate(await this.repos.catalog(), n, last);
  }

  async referrers(name: string, subject: Digest, artifactType: string | undefined): Promise<Descriptor[]> {
    const all = await this.repos.referrers(name, subject);
    const list = artifactType === undefined ? all : all.filter((d) => d.artifactType === artifactType);
    return list.sort((a, b) => byCodePoint(a.digest, b.digest));
  }
}

/** The digest of a manifest's subject, if it has one. */
export function subjectOf(body: Uint8Array | undefined): Digest | undefined {
  if (!body) return undefined;
  try {
    const s = (JSON.parse(Buffer.from(body).toString('utf8')) as { subject?: { digest?: unknown } }).subject?.digest;
    return typeof s === 'string' ? (s as Digest) : undefined;
  } catch {
    return undefined;
  }
}

/** `n` items after `last`, in order; `next` when more remain. n = 0 is an empty page with no next. */
export function paginate(sorted: string[], n: number | undefined, last: string | undefined): Page<string> {
  const from = last === undefined ? sorted : sorted.filter((s) => s > last);
  if (n === undefined || n >= from.length) return { items: from };
  const items = from.slice(0, n);
  return n === 0 ? { items } : { items, next: items[items.length - 1]! };
}

