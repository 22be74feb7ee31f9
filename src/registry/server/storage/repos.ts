// Per-repository metadata: which blobs and manifests a repository holds, its tags and its
// referrers index. Links are small files written atomically; content lives in the BlobStore.
//
//   repositories/<name>/_layers/<alg>/<hex>                  blob link (content: the digest)
//   repositories/<name>/_manifests/revisions/<alg>/<hex>     manifest link (content: {"mediaType"})
//   repositories/<name>/_manifests/tags/<tag>                tag (content: the manifest digest)
//   repositories/<name>/_referrers/<alg>/<hex>/<alg>/<hex>   a manifest whose subject is <alg>:<hex>
//   repositories/<name>/_uploads/<uuid>/                     upload sessions (uploads.ts)
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../../lib/errors.ts';
import { writeFileAtomic } from '../../../lib/fsutil.ts';
import { algorithmOf, type Digest, hexOf, isDigest } from '../names.ts';
import { type BlobStore, names } from './blobs.ts';

/** An OCI descriptor, as the referrers index lists them. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface StoredManifest {
  digest: Digest;
  mediaType: string;
  size: number;
}

export class RepoStore {
  readonly dir: string;
  private readonly blobs: BlobStore;
  constructor(root: string, blobs: BlobStore) {
    this.dir = join(root, 'repositories');
    this.blobs = blobs;
  }

  repoDir(name: string): string {
    return join(this.dir, ...name.split('/'));
  }

  private digestPath(name: string, kind: '_layers' | '_manifests/revisions', d: Digest): string {
    return join(this.repoDir(name), kind, algorithmOf(d), hexOf(d));
  }

  /** A repository exists once something was pushed to it. */
  async exists(name: string): Promise<boolean> {
    for (const sub of ['_manifests', '_layers']) {
      if (await exists(join(this.repoDir(name), sub))) return true;
    }
    return false;
  }

  // --- blobs ---

  async linkBlob(name: string, d: Digest): Promise<void> {
    const p = this.digestPath(name, '_layers', d);
    if (!(await exists(p))) await writeFileAtomic(p, d);
  }

  /** The blob's size when this repository links it and the content is present. */
  async blobSize(name: string, d: Digest): Promise<number | undefined> {
    if (!(await exists(this.digestPath(name, '_layers', d)))) return undefined;
    return (await this.blobs.stat(d))?.size;
  }

  async unlinkBlob(name: string, d: Digest): Promise<boolean> {
    const p = this.digestPath(name, '_layers', d);
    if (!(await exists(p))) return false;
    await rm(p, { force: true });
    return true;
  }

  async blobLinks(name: string): Promise<Digest[]> {
    return digestsUnder(join(this.repoDir(name), '_layers'));
  }

  // --- manifests ---

  async putManifest(
    name: string,
    m: StoredManifest,
    body: Uint8Array,
    tag: string | undefined,
    referrer?: { subject: Digest; descriptor: Descriptor },
  ): Promise<void> {
    await this.blobs.putBytes(m.digest, body);
    // The referrers entry first: a manifest is never visible without it.
    if (referrer) await writeFileAtomic(this.referrerPath(name, referrer.subject, m.digest), JSON.stringify(referrer.descriptor));
    await writeFileAtomic(this.digestPath(name, '_manifests/revisions', m.digest), JSON.stringify({ mediaType: m.mediaType }));
    if (tag !== undefined) await writeFileAtomic(this.tagPath(name, tag), m.digest);
  }

  /** A manifest this repository holds, or undefined. */
  async manifest(name: string, d: Digest): Promise<StoredManifest | undefined> {
    let link: string;
    try {
      link = await readFile(this.digestPath(name, '_manifests/revisions', d), 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
    const info = await this.blobs.stat(d);
    if (!info) return undefined;
    const { mediaType } = JSON.parse(link) as { mediaType: string };
    return { digest: d, mediaType, size: info.size };
  }

  async manifestDigests(name: string): Promise<Digest[]> {
    return digestsUnder(join(this.repoDir(name), '_manifests', 'revisions'));
  }

  /** Removes a manifest, every tag that points at it and its referrers entry. */
  async deleteManifest(name: string, d: Digest, subject: Digest | undefined): Promise<boolean> {
    const p = this.digestPath(name, '_manifests/revisions', d);
    if (!(await exists(p))) return false;
    for (const tag of await this.tags(name)) {
      if ((await this.tag(name, tag)) === d) await rm(this.tagPath(name, tag), { force: true });
    }
    await rm(p, { force: true });
    if (subject) await rm(this.referrerPath(name, subject, d), { force: true });
    return true;
  }

  // --- tags ---

  private tagPath(name: string, tag: string): string {
    return join(this.repoDir(name), '_manifests', 'tags', tag);
  }

  async tag(name: string, tag: string): Promise<Digest | undefined> {
    try {
      const d = (await readFile(this.tagPath(name, tag), 'utf8')).trim();
      return isDigest(d) ? d : undefined;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  /** Tags in lexical (code point) order. */
  async tags(name: string): Promise<string[]> {
    return (await names(join(this.repoDir(name), '_manifests', 'tags'))).sort(byCodePoint);
  }

  async deleteTag(name: string, tag: string): Promise<boolean> {
    const p = this.tagPath(name, tag);
    if (!(await exists(p))) return false;
    await rm(p, { force: true });
    return true;
  }

  // --- referrers ---

  private referrerPath(name: string, subject: Digest, d: Digest): string {
    return join(this.repoDir(name), '_referrers', algorithmOf(subject), hexOf(subject), algorithmOf(d), hexOf(d));
  }

  async referrers(name: string, subject: Digest): Promise<Descriptor[]> {
    const dir = join(this.repoDir(name), '_referrers', algorithmOf(subject), hexOf(subject));
    const out: Descriptor[] = [];
    for (const d of await digestsUnder(dir)) {
      // Only manifests still present: the link is removed with the manifest, but be sure.
      if (!(await this.manifest(name, d))) continue;
      const text = await readFile(join(dir, algorithmOf(d), hexOf(d)), 'utf8').catch(() => undefined);
      if (text) out.push(JSON.parse(text) as Descriptor);
    }
    return out;
  }

  // --- catalog ---

  /** Every repository name, sorted. */
  async catalog(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      const entries = await names(dir);
      if (entries.includes('_manifests')) out.push(prefix);
      for (const e of entries) {
        if (e.startsWith('_')) continue;
        await walk(join(dir, e), prefix ? `${prefix}/${e}` : e);
      }
    };
    await walk(this.dir, '');
    return out.filter((n) => n !== '').sort(byCodePoint);
  }
}

export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw err;
  }
}

/** The digests of an <alg>/<hex> tree of link files. */
async function digestsUnder(dir: string): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const alg of await names(dir)) {
    for (const hex of await names(join(dir, alg))) {
      const d = `${alg}:${hex}`;
      if (isDigest(d)) out.push(d);
    }
  }
  return out;
}
