// Garbage collection: mark every blob a manifest of any repository references (config, layers,
// the manifest itself), sweep the rest. Optionally first drop untagged manifests that nothing
// tagged needs (as an index child or a referrer of a kept manifest). Blobs younger than
// `minAgeMs` are kept, so a push in progress on a live server (layers first, manifest last)
// does not lose its layers; abandoned upload sessions older than `uploadMaxAgeMs` go too.
import { join } from 'node:path';
import { bareType } from './manifest.ts';
import { type Digest, INDEX_TYPES, isDigest } from './names.ts';
import { Registry, subjectOf } from './registry.ts';
import { names } from './storage/blobs.ts';

export interface GcOptions {
  dryRun?: boolean;
  deleteUntagged?: boolean;
  minAgeMs?: number;
  uploadMaxAgeMs?: number;
  now?: number;
  log?: (line: string) => void;
}

export interface GcResult {
  manifestsDeleted: Array<{ repository: string; digest: Digest }>;
  blobsDeleted: Digest[];
  bytesFreed: number;
  blobsKept: number;
  /** unreferenced, but younger than minAgeMs */
  recentKept: number;
  uploadsRemoved: number;
}

interface Refs {
  blobs: Digest[];
  children: Digest[];
  subject?: Digest;
}

function refsOf(body: Buffer): Refs {
  const out: Refs = { blobs: [], children: [] };
  const doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  const digestOf = (d: unknown): Digest | undefined => {
    const v = (d as { digest?: unknown; urls?: unknown } | null)?.digest;
    return typeof v === 'string' && isDigest(v) ? v : undefined;
  };
  const mt = typeof doc['mediaType'] === 'string' ? bareType(doc['mediaType']) : '';
  if (Array.isArray(doc['manifests']) || INDEX_TYPES.includes(mt)) {
    for (const m of (doc['manifests'] as unknown[]) ?? []) {
      const d = digestOf(m);
      if (d) out.children.push(d);
    }
  } else {
    for (const b of [doc['config'], ...((doc['layers'] as unknown[]) ?? [])]) {
      const d = digestOf(b);
      if (d) out.blobs.push(d);
    }
  }
  const s = subjectOf(body);
  if (s) out.subject = s;
  return out;
}

/** Every repository directory: any path under repositories/ holding _manifests, _layers or _uploads. */
async function allRepos(reg: Registry): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = await names(dir);
    if (prefix && entries.some((e) => e === '_manifests' || e === '_layers' || e === '_uploads')) out.push(prefix);
    for (const e of entries) if (!e.startsWith('_')) await walk(join(dir, e), prefix ? `${prefix}/${e}` : e);
  };
  await walk(reg.repos.dir, '');
  return out;
}

export async function collectGarbage(root: string, opts: GcOptions = {}): Promise<GcResult> {
  const reg = new Registry(root);
  const now = opts.now ?? Date.now();
  const log = opts.log ?? (() => {});
  const res: GcResult = { manifestsDeleted: [], blobsDeleted: [], bytesFreed: 0, blobsKept: 0, recentKept: 0, uploadsRemoved: 0 };
  const marked = new Set<Digest>();
  const repos = await allRepos(reg);

  for (const name of repos) {
    const refs = new Map<Digest, Refs>();
    for (const d of await reg.repos.manifestDigests(name)) {
      try {
        refs.set(d, refsOf(await reg.blobs.read(d)));
      } catch (err) {
        log(`${name}@${d}: unreadable manifest kept, its blobs unmarked: ${(err as Error).message}`);
        marked.add(d);
      }
    }
    if (opts.deleteUntagged) {
      const keep = new Set<Digest>();
      for (const tag of await reg.repos.tags(name)) {
        const d = await reg.repos.tag(name, tag);
        if (d) keep.add(d);
      }
      // Index children of kept manifests, and referrers of kept manifests, until nothing changes.
      for (let changed = true; changed; ) {
        changed = false;
        for (const [d, r] of refs) {
          const add = keep.has(d) ? r.children : r.subject && keep.has(r.subject) ? [d] : [];
          for (const x of add) {
            if (keep.has(x)) continue;
            keep.add(x);
            changed = true;
          }
        }
      }
      for (const [d, r] of refs) {
        if (keep.has(d)) continue;
        log(`${opts.dryRun ? 'would delete' : 'deleting'} untagged manifest ${name}@${d}`);
        res.manifestsDeleted.push({ repository: name, digest: d });
        if (!opts.dryRun) await reg.repos.deleteManifest(name, d, r.subject);
        refs.delete(d);
      }
    }
    for (const [d, r] of refs) {
      marked.add(d);
      for (const b of r.blobs) marked.add(b);
    }
    if (opts.uploadMaxAgeMs !== undefined) {
      for (const id of await reg.uploads.stale(name, now - opts.uploadMaxAgeMs)) {
        res.uploadsRemoved++;
        if (!opts.dryRun) await reg.uploads.remove(name, id);
      }
    }
  }

  const minAge = opts.minAgeMs ?? 0;
  const deleted = new Set<Digest>();
  for await (const d of reg.blobs.list()) {
    if (marked.has(d)) {
      res.blobsKept++;
      continue;
    }
    const info = await reg.blobs.stat(d);
    if (!info) continue;
    if (now - info.mtimeMs < minAge) {
      res.recentKept++;
      continue;
    }
    log(`${opts.dryRun ? 'would delete' : 'deleting'} blob ${d} (${info.size} bytes)`);
    res.blobsDeleted.push(d);
    res.bytesFreed += info.size;
    deleted.add(d);
    if (!opts.dryRun) await reg.blobs.delete(d);
  }
  // Links to blobs that are gone would answer 404 anyway; drop them.
  if (!opts.dryRun && deleted.size > 0) {
    for (const name of repos) {
      for (const d of await reg.repos.blobLinks(name)) if (deleted.has(d)) await reg.repos.unlinkBlob(name, d);
    }
  }
  return res;
}
