// POST /commit: a new image from the container's rw layer. The layer tar is written from the
// overlay upper directory (whiteouts as .wh. files) and applied through applyLayer, so the new
// layer has its tar-split like any pulled or loaded one; the image enters the store through
// the image service's one register path. An empty diff adds a history entry, not a layer.
import { Readable } from 'node:stream';
import type { Digest } from '../lib/digest.ts';
import { invalidParameter } from '../lib/errors.ts';
import { nowRfc3339Nano } from '../lib/gotime.ts';
import { packTar } from '../lib/tar/writer.ts';
import { WHARF_VERSION } from '../lib/version.ts';
import { applyLayer } from '../snapshot/apply.ts';
import { applyChanges } from '../image/changes.ts';
import { discardUnused, registerImage, type StagedByDiffId } from '../image/register.ts';
import { familiarString, fullString, parseNormalizedNamed, tagNameOnly } from '../image/reference.ts';
import type { ContainerConfigTemplate, ImageConfig } from '../image/types.ts';
import { strSlice } from './config.ts';
import { treeEntries } from './fstree-tar.ts';
import { mountPointFilter } from './diff.ts';
import type { ContainerService } from './service.ts';
import type { ContainerConfig } from './types.ts';

/** The diff ID of a tar with no members (1024 zero bytes): Docker's "empty layer". */
const EMPTY_TAR_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

export interface CommitOptions {
  repo: string;
  tag: string;
  comment: string;
  author: string;
  pause: boolean;
  changes: string[];
  config: Record<string, unknown> | null;
}

export async function commitContainer(svc: ContainerService, ref: string, opts: CommitOptions): Promise<string> {
  const rec = svc.records.resolve(ref);
  const tagRef = targetRef(opts.repo, opts.tag);
  const config = imageConfigFor(rec.config, (opts.config ?? {}) as ContainerConfig, opts.changes);
  const id = await commitWithConfig(svc, rec.id, {
    config,
    createdBy: [rec.path, ...rec.args].join(' '),
    comment: opts.comment,
    author: opts.author,
    pause: opts.pause,
    tags: tagRef ? [tagRef] : [],
  });
  svc.emit(rec, 'commit', { comment: opts.comment, imageID: id, imageRef: tagRef ? familiarString(parseNormalizedNamed(tagRef)) : '' });
  if (tagRef) svc.deps.images.events.publish({ Type: 'image', Action: 'tag', Actor: { ID: id, Attributes: { name: familiarString(parseNormalizedNamed(tagRef)) } } });
  return id;
}

export interface CommitWithConfig {
  /** The new image's config, exactly (the builder's; commit's merge of container and changes). */
  config: ContainerConfigTemplate;
  /** The history entry's created_by. */
  createdBy: string;
  comment?: string;
  author?: string;
  pause?: boolean;
  tags?: string[];
}

/**
 * A new image from the container's rw layer and the given config, the container's image as
 * its parent. An empty diff adds a history entry marked empty_layer, not a layer.
 */
export async function commitWithConfig(svc: ContainerService, id: string, opts: CommitWithConfig): Promise<string> {
  const rec = svc.records.resolve(id);
  const images = svc.deps.images;
  const base = await images.config(rec.imageId);
  const paused = (opts.pause ?? false) && rec.state.Running && !rec.state.Paused;
  if (paused) await svc.runtime.pause(rec.id);
  const staged: StagedByDiffId = new Map();
  const dir = await images.layers.snapshotter.createStaging();
  let applied: Awaited<ReturnType<typeof applyLayer>>;
  try {
    const upper = await svc.deps.snapshotter.diffDir(rec.snapshotKey);
    const skip = await mountPointFilter(svc, rec.snapshotKey);
    applied = await applyLayer(Readable.from(packTar(treeEntries(upper, { overlayDiff: true, sys: svc.deps.sys, skip }))), dir);
  } catch (err) {
    await images.layers.snapshotter.discardStaged(dir).catch(() => {});
    throw err;
  } finally {
    if (paused) await svc.runtime.resume(rec.id).catch(() => {});
  }

  const empty = applied.diffId === EMPTY_TAR_DIFF_ID;
  if (!empty) staged.set(applied.diffId, { dir, diffId: applied.diffId, size: applied.size, tarSize: applied.tarSize, tarSplit: applied.tarSplit });
  else await images.layers.snapshotter.discardStaged(dir).catch(() => {});
  const created = nowRfc3339Nano();
  const history = [...(base.history ?? [])];
  history.push({
    created,
    ...(opts.author ? { author: opts.author } : {}),
    created_by: opts.createdBy,
    ...(opts.comment ? { comment: opts.comment } : {}),
    ...(empty ? { empty_layer: true } : {}),
  });
  const image: ImageConfig = {
    architecture: base.architecture,
    ...(opts.author ? { author: opts.author } : {}),
    ...(opts.comment ? { comment: opts.comment } : {}),
    config: opts.config,
    container: rec.id,
    container_config: opts.config,
    created,
    docker_version: WHARF_VERSION,
    history,
    os: base.os,
    ...(base.variant ? { variant: base.variant } : {}),
    rootfs: { type: 'layers', diff_ids: empty ? base.rootfs.diff_ids : [...base.rootfs.diff_ids, applied.diffId] },
  };
  try {
    const result = await images.lock.run(() =>
      registerImage(images, Buffer.from(JSON.stringify(image)), staged, { tags: opts.tags ?? [], parent: rec.imageId as Digest }),
    );
    return result.id;
  } finally {
    await discardUnused(images, staged);
  }
}

function targetRef(repo: string, tag: string): string | undefined {
  if (!repo) {
    if (tag) throw invalidParameter('invalid reference format: repository name must be given with a tag');
    return undefined;
  }
  let parsed: ReturnType<typeof parseNormalizedNamed>;
  try {
    parsed = parseNormalizedNamed(repo + (tag ? `:${tag}` : ''));
  } catch (err) {
    throw invalidParameter((err as Error).message);
  }
  if (parsed.digest) throw invalidParameter('refusing to create a tag with a digest reference');
  return fullString(tagNameOnly(parsed));
}

/** The container's config with the request's overrides (moby's runconfig merge) and the changes applied. */
function imageConfigFor(container: ContainerConfig, override: ContainerConfig, changes: string[]): ContainerConfigTemplate {
  const c = { ...container, ...Object.fromEntries(Object.entries(override).filter(([, v]) => v !== undefined && v !== null && v !== '')) } as ContainerConfig;
  const t: ContainerConfigTemplate = {};
  if (c.User) t.User = c.User;
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length > 0) t.ExposedPorts = c.ExposedPorts;
  if (c.Env) t.Env = c.Env;
  const cmd = strSlice(c.Cmd);
  if (cmd) t.Cmd = cmd;
  const entrypoint = strSlice(c.Entrypoint);
  if (entrypoint) t.Entrypoint = entrypoint;
  if (c.Volumes && Object.keys(c.Volumes).length > 0) t.Volumes = c.Volumes;
  if (c.WorkingDir) t.WorkingDir = c.WorkingDir;
  if (c.Labels && Object.keys(c.Labels).length > 0) t.Labels = c.Labels;
  if (c.StopSignal) t.StopSignal = c.StopSignal;
  if (c.OnBuild && c.OnBuild.length > 0) t.OnBuild = c.OnBuild;
  if (c.Healthcheck) t.Healthcheck = c.Healthcheck;
  if (c.Shell && c.Shell.length > 0) t.Shell = c.Shell;
  return applyChanges(t, changes);
}
