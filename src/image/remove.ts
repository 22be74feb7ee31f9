// DELETE /images/{name} and POST /images/prune with Docker's untag/delete rules.
import type { ImageService } from './service.ts';
import type { Digest } from '../lib/digest.ts';
import { shortId } from '../lib/digest.ts';
import { conflict, invalidParameter } from '../lib/errors.ts';
import { tx } from '../store/db.ts';
import { familiarName, familiarString, fullString, parseNormalizedNamed, tagNameOnly } from './reference.ts';
import { matchLabels } from '../lib/filters.ts';
import { untilSeconds } from '../lib/timestamp.ts';
import { createdSeconds } from './list.ts';

export type DeleteItem = { Untagged: string } | { Deleted: string };

export interface RemoveOptions {
  force: boolean;
  noPrune: boolean;
}

/** Is `refOrId` a name (tag or digest reference) rather than an ID or ID prefix? */
function asReference(svc: ImageService, refOrId: string, id: string): string | undefined {
  try {
    const ref = parseNormalizedNamed(refOrId);
    const full = fullString(ref.digest ? ref : tagNameOnly(ref));
    if (svc.records.imageOfTag(full) === id || svc.records.imageOfDigestRef(full) === id) return full;
  } catch {
    // not a reference: an ID
  }
  return undefined;
}

export async function removeImage(svc: ImageService, refOrId: string, opts: RemoveOptions): Promise<DeleteItem[]> {
  return svc.lock.run(async () => {
    const img = svc.resolve(refOrId);
    const out: DeleteItem[] = [];
    const users = svc.users.containersUsing(img.id);
    const ref = asReference(svc, refOrId, img.id);
    const refs = [...svc.records.tagsOf(img.id), ...svc.records.digestsOf(img.id)];

    if (ref) {
      // By name: untag it; delete the image only when nothing else names it. A tag's repo
      // digests (from a pull) go with the repository's last tag, as in moby's ImageDelete.
      const sameRepoDigests = ref.includes('@') ? [] : repoDigestsLeftWith(svc, ref, img.id);
      if (refs.length - sameRepoDigests.length === 1 && users.length > 0 && !opts.force) {
        const name = familiarString(parseNormalizedNamed(ref));
        throw conflict(
          `conflict: unable to remove repository reference "${name}" (must force) - container ${shortId(users[0]!.id)} is using its referenced image ${shortId(img.id)}`,
        );
      }
      untag(svc, ref, img.id, out);
      for (const d of sameRepoDigests) untag(svc, d, img.id, out);
      if (refs.length - sameRepoDigests.length > 1) return finish(svc, out);
    } else if (refs.length > 0) {
      // By ID: only an image with at most one tag, all names in one repository, goes unforced.
      const repos = new Set(refs.map((r) => familiarRepo(r)));
      const tagCount = svc.records.tagsOf(img.id).length;
      if ((repos.size > 1 || tagCount > 1) && !opts.force) {
        throw conflict(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is referenced in multiple repositories`);
      }
    }
    checkDeletable(svc, img.id, opts.force, users);
    for (const r of [...svc.records.tagsOf(img.id), ...svc.records.digestsOf(img.id)]) untag(svc, r, img.id, out);
    await deleteChain(svc, img.id, opts.noPrune, out);
    return finish(svc, out);
  });
}

/** The image's digest references in the tag's repository, when that tag is its last one there. */
function repoDigestsLeftWith(svc: ImageService, tagRef: string, id: Digest): string[] {
  const repo = familiarRepo(tagRef);
  if (svc.records.tagsOf(id).some((t) => t !== tagRef && familiarRepo(t) === repo)) return [];
  return svc.records.digestsOf(id).filter((d) => familiarRepo(d) === repo);
}

function checkDeletable(svc: ImageService, id: Digest, force: boolean, users: { id: string; running: boolean }[]): void {
  if (svc.children(id).length > 0) {
    throw conflict(`conflict: unable to delete ${shortId(id)} (cannot be forced) - image has dependent child images`);
  }
  const running = users.find((u) => u.running);
  if (running) {
    throw conflict(`conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by running container ${shortId(running.id)}`);
  }
  if (users.length > 0 && !force) {
    throw conflict(`conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by stopped container ${shortId(users[0]!.id)}`);
  }
}

function untag(svc: ImageService, full: string, id: Digest, out: DeleteItem[]): void {
  const familiar = familiarString(parseNormalizedNamed(full));
  tx(svc.db, () => {
    if (full.includes('@')) svc.records.removeDigestRef(full);
    else svc.records.removeTag(full);
  });
  out.push({ Untagged: familiar });
  svc.events.publish({ Type: 'image', Action: 'untag', Actor: { ID: id, Attributes: { name: id } } });
}

/** Deletes an image and then its untagged, childless parents (unless noPrune). */
async function deleteChain(svc: ImageService, id: Digest, noPrune: boolean, out: DeleteItem[]): Promise<void> {
  let cur: string | null = id;
  while (cur) {
    const row = svc.records.get(cur);
    if (!row) break;
    tx(svc.db, () => svc.records.delete(row.id));
    out.push({ Deleted: row.id });
    svc.events.publish({ Type: 'image', Action: 'delete', Actor: { ID: row.id, Attributes: { name: row.id } } });
    if (noPrune || !row.parent) break;
    const parent = row.parent;
    const named = svc.records.tagsOf(parent).length + svc.records.digestsOf(parent).length > 0;
    if (named || svc.children(parent).length > 0 || svc.users.containersUsing(parent).length > 0) break;
    cur = parent;
  }
}

async function finish(svc: ImageService, out: DeleteItem[]): Promise<DeleteItem[]> {
  await svc.gc();
  return out;
}

function familiarRepo(full: string): string {
  return familiarName(parseNormalizedNamed(full));
}

export interface PruneReport {
  ImagesDeleted: DeleteItem[] | null;
  SpaceReclaimed: number;
}

const PRUNE_FILTERS = new Set(['dangling', 'label', 'label!', 'until']);

export async function pruneImages(svc: ImageService, filters: Map<string, string[]>): Promise<PruneReport> {
  for (const k of filters.keys()) if (!PRUNE_FILTERS.has(k)) throw invalidParameter(`invalid filter '${k}'`);
  const danglingValue = filters.get('dangling')?.[0] ?? 'true';
  if (!['true', 'false', '1', '0'].includes(danglingValue)) throw invalidParameter(`invalid filter 'dangling=${danglingValue}'`);
  const danglingOnly = danglingValue === 'true' || danglingValue === '1';
  const until = filters.get('until')?.map((t) => untilSeconds(t));

  const deleted: DeleteItem[] = [];
  const before = svc.layers.all().reduce((n, l) => n + l.size, 0);
  await svc.lock.run(async () => {
    const rows = svc.records.all();
    const parents = new Set(rows.map((r) => r.parent));
    for (const row of rows) {
      if (danglingOnly && parents.has(row.id)) continue; // only top images; parents go with them
      if (!svc.records.get(row.id)) continue; // already removed with a child
      if (svc.users.containersUsing(row.id).length > 0) continue;
      const tags = svc.records.tagsOf(row.id);
      if (danglingOnly && tags.length > 0) continue;
      const cfg = await svc.config(row.id);
      const labels = cfg.config?.Labels ?? {};
      if (!matchLabels(labels, filters.get('label'))) continue;
      if ((filters.get('label!') ?? []).some((l) => matchLabels(labels, [l]))) continue;
      if (until?.some((t) => createdSeconds(cfg.created) >= t)) continue;
      if (svc.children(row.id).length > 0) continue;
      for (const r of [...tags, ...svc.records.digestsOf(row.id)]) untag(svc, r, row.id, deleted);
      await deleteChain(svc, row.id, false, deleted);
    }
    await svc.gc();
  });
  const after = svc.layers.all().reduce((n, l) => n + l.size, 0);
  const reclaimed = before - after;
  svc.events.publish({ Type: 'image', Action: 'prune', Actor: { ID: '', Attributes: { reclaimed: String(reclaimed) } } });
  return { ImagesDeleted: deleted.length > 0 ? deleted : null, SpaceReclaimed: reclaimed };
}
