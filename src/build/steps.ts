// The steps that touch the filesystem, each through a build container as the classic builder
// does: RUN runs one and commits what it changed; COPY/ADD and WORKDIR write into one's
// mounted rootfs and commit that. The container is removed whatever happens.
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, rm, rmdir, utimes, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalidParameter, WharfError } from '../lib/errors.ts';
import { randomId } from '../lib/fsutil.ts';
import type { ImageService } from '../image/service.ts';
import { commitWithConfig } from '../container/commit.ts';
import { createContainer } from '../container/create.ts';
import { lowerDirs } from '../container/diff.ts';
import { removeContainer } from '../container/remove.ts';
import { mountRootfs, unmountRootfs } from '../container/rootfs.ts';
import type { ContainerService } from '../container/service.ts';
import { startContainer } from '../container/start.ts';
import type { ContainerCreateBody, HostConfig } from '../container/types.ts';
import { resolveUser } from '../runtime/spec/user.ts';
import type { BuildContext } from './context.ts';
import { copyInto, expandSources, type SourceTree } from './copy.ts';
import { resolveInRoot } from './in-root.ts';
import type { Instruction } from './dockerfile/instructions.ts';
import { argv, nopCreatedBy } from './metadata.ts';
import type { StageOutput } from './output.ts';
import { shortId } from '../lib/digest.ts';
import { runMounts } from './run-mounts.ts';
import { type Stage, stageRef } from './stages.ts';
import type { StageState } from './stage-state.ts';
import type { BuildOptions } from './types.ts';

export interface StepDeps {
  containers: ContainerService;
  images: ImageService;
  out: StageOutput;
  opts: BuildOptions;
  /** The image a stage made (waits for it). */
  stageImage(index: number): Promise<string>;
  /** A base image by reference: local, or pulled when missing (or always with --pull). */
  resolveBase(ref: string, opts: { pull: boolean; platform?: string; registryConfig?: string }): Promise<string>;
  /** Where RUN --mount=type=cache directories live, and scratch space for this build. */
  cacheMountDir: string;
  tmpDir: string;
  context: BuildContext;
  stages: Stage[];
  /** The index of the stage this step belongs to. */
  currentStage: number;
}

export interface CacheOps {
  key(description: string, extra: string): string;
  /** Looks the step up; `createdBy` is its history line (what --cache-from images are matched on). */
  cached(key: string, createdBy: string): Promise<boolean>;
  record(key: string, imageId: string, description: string): void;
}

/** A RUN that exited non-zero; the JSON stream's errorDetail carries the code. */
export class RunFailed extends WharfError {
  readonly code: number;
  constructor(cmd: string[], code: number) {
    super('InvalidParameter', `The command '${cmd.join(' ')}' returned a non-zero code: ${code}`);
    this.code = code;
  }
}

export async function runStep(deps: StepDeps, state: StageState, ins: Instruction & { kind: 'run' }, cache: CacheOps): Promise<void> {
  const cmd = runArgv(ins, state);
  const runArgs = state.runArgs();
  const createdBy = [...(runArgs.length > 0 ? [`|${runArgs.length}`, ...runArgs] : []), ...cmd].join(' ');
  const network = ins.network ?? deps.opts.networkMode;
  const key = cache.key(createdBy, JSON.stringify({ mounts: ins.mounts, network: ins.network ?? '' }));
  if (await cache.cached(key, createdBy)) return;

  const mounts = await runMounts(deps, state, ins.mounts);
  const hostConfig: HostConfig = {
    ...(network && network !== 'default' ? { NetworkMode: network } : {}),
    ...(deps.opts.extraHosts.length > 0 ? { ExtraHosts: deps.opts.extraHosts } : {}),
    ...(deps.opts.shmSize ? { ShmSize: deps.opts.shmSize } : {}),
    ...(deps.opts.ulimits.length > 0 ? { Ulimits: deps.opts.ulimits } : {}),
    ...(mounts.mounts.length > 0 ? { Mounts: mounts.mounts } : {}),
  };
  const body: ContainerCreateBody = {
    Image: state.imageId,
    Cmd: cmd,
    Entrypoint: [''],
    Env: [...(state.config.Env ?? []), ...runArgs, ...state.buildArgs.proxyEnv()],
    AttachStdout: true,
    AttachStderr: true,
    ...(state.config.WorkingDir ? { WorkingDir: state.config.WorkingDir } : {}),
    ...(state.config.User ? { User: state.config.User } : {}),
    HostConfig: hostConfig,
  };
  try {
    const id = await withContainer(deps, body, async (cid) => {
      deps.out.line(` ---> Running in ${shortId(cid)}`);
      const svc = deps.containers;
      const session = await svc.attachments.attach(svc.records.resolve(cid), { stdout: deps.out.writable(), stderr: deps.out.writable() });
      const exited = svc.wait(cid, 'next-exit');
      const onAbort = () => void svc.runtime.kill(cid, 'SIGKILL').catch(() => {});
      deps.opts.signal.addEventListener('abort', onAbort, { once: true });
      try {
        await startContainer(svc, cid);
        const res = await exited;
        await session.done;
        if (deps.opts.signal.aborted) throw invalidParameter('build cancelled');
        if (res.StatusCode !== 0) throw new RunFailed(cmd, res.StatusCode);
      } finally {
        deps.opts.signal.removeEventListener('abort', onAbort);
        session.close();
      }
      await removeMountPoints(svc, cid, mounts.mounts.map((m) => m.Target));
      return commitWithConfig(svc, cid, { config: state.config, createdBy });
    });
    cache.record(key, id, createdBy);
    state.advance(id, await deps.images.config(id));
    deps.out.line(` ---> ${shortId(id)}`);
  } finally {
    await mounts.cleanup();
  }
}

/** RUN's argv: exec form as is; shell form through SHELL, heredocs included as the shell reads them. */
function runArgv(ins: Instruction & { kind: 'run' }, state: StageState): string[] {
  if (ins.command.form === 'exec') return ins.command.args;
  const text = ins.command.text.trim();
  const bare = ins.heredocs.length === 1 && /^<<-?(["']?)[A-Za-z_]\w*\1$/.test(text);
  if (bare) {
    // `RUN <<EOF` alone: the heredoc is the script.
    return [...state.shell, ins.heredocs[0]!.content];
  }
  if (ins.heredocs.length === 0) return argv(ins.command, state.shell);
  const bodies = ins.heredocs.map((h) => `${h.content}${h.name}`).join('\n');
  return [...state.shell, `${ins.command.text}\n${bodies}`];
}

export async function copyStep(
  deps: StepDeps,
  state: StageState,
  ins: Instruction & { kind: 'copy' | 'add' },
  cache: CacheOps,
): Promise<void> {
  const ctx = deps.context;
  const what = ins.kind.toUpperCase();
  const rawDest = state.expand(ins.dest);
  const dest = rawDest.startsWith('/') ? rawDest : joinKeepSlash(state.config.WorkingDir || '/', rawDest);
  const sources = ins.sources.map((s) => state.expand(s));
  const scratch = join(deps.tmpDir, randomId(8));
  const cleanups: (() => Promise<void>)[] = [() => rm(scratch, { recursive: true, force: true })];
  try {
    let tree: SourceTree;
    let digestParts: string[];
    const heredocs = new Map(ins.heredocs.map((h) => [h.name, h]));
    const from = ins.kind === 'copy' && ins.from ? state.expand(ins.from) : undefined;
    if (from !== undefined) {
      const stageIndex = stageRef(from, deps.stages, deps.currentStage);
      const imageId = stageIndex !== undefined ? await deps.stageImage(stageIndex) : await deps.resolveBase(from, { pull: false });
      const { root, release } = await mountImage(deps, imageId);
      cleanups.push(release);
      tree = { root, inImage: true };
      digestParts = [imageId, ...sources];
    } else if (sources.every((s) => /^<<-?["']?\w+["']?$/.test(s)) || sources.some((s) => heredocs.has(s.replace(/^<<-?["']?|["']?$/g, '')))) {
      // COPY <<EOF /dest: each heredoc a file named after its delimiter.
      await mkdir(scratch, { recursive: true });
      const names: string[] = [];
      for (const s of sources) {
        const h = heredocs.get(s.replace(/^<<-?["']?|["']?$/g, ''));
        if (!h) throw invalidParameter(`${what} failed: heredoc ${s} not found`);
        await writeFile(join(scratch, h.name), h.expand ? state.expand(h.content) : h.content, { mode: 0o644 });
        names.push(h.name);
      }
      sources.splice(0, sources.length, ...names);
      tree = { root: scratch, inImage: false };
      digestParts = names.map((n) => createHash('sha256').update(heredocs.get(n)!.content).digest('hex'));
    } else if (ins.kind === 'add' && sources.some((s) => /^https?:\/\//.test(s))) {
      await mkdir(scratch, { recursive: true });
      const names: string[] = [];
      digestParts = [];
      for (const url of sources) {
        const { name, digest } = await download(url, scratch, ins.checksum);
        names.push(name);
        digestParts.push(digest);
      }
      sources.splice(0, sources.length, ...names);
      tree = { root: scratch, inImage: false };
    } else {
      tree = { root: ctx.dir, inImage: false, list: () => [...ctx.entries.keys()].filter(Boolean) };
      digestParts = [];
    }
    const paths = expandSources(tree, sources, what);
    if (digestParts.length === 0) {
      for (const p of paths) {
        if (!ctx.entries.has(p)) throw invalidParameter(`${what} failed: file not found in build context or excluded by .dockerignore: stat ${p}: file does not exist`);
        digestParts.push(ctx.digestOf(p));
      }
    }
    const digest = createHash('sha256').update(digestParts.join('\n')).digest('hex');
    const kind = paths.length > 1 ? 'multi' : from === undefined && ctx.entries.get(paths[0] ?? '')?.type === 'dir' ? 'dir' : 'file';
    // As the classic builder words it: the destination as written, and a trailing space.
    const createdBy = `${nopCreatedBy(state.shell, '').trimEnd()} ${what} ${kind}:${digest} in ${rawDest} `;
    const key = cache.key(createdBy, JSON.stringify({ chown: ins.chown ?? '', chmod: ins.chmod ?? '', link: ins.link }));
    if (await cache.cached(key, createdBy)) return;
    const mode = ins.chmod ? parseChmod(ins.chmod) : undefined;
    const id = await withContainer(deps, fsBody(state), async (cid) => {
      const root = await mountRootfs(deps.containers, deps.containers.records.resolve(cid));
      try {
        const owner = ins.chown ? chownOf(root, state.expand(ins.chown)) : undefined;
        await copyInto(root, tree, paths, { sources, dest, unpack: ins.kind === 'add' && !/^https?:/.test(ins.sources[0] ?? ''), what, ...(owner ? { owner } : {}), ...(mode !== undefined ? { mode } : {}) });
      } finally {
        await unmountRootfs(deps.containers, cid);
      }
      return commitWithConfig(deps.containers, cid, { config: state.config, createdBy });
    });
    cache.record(key, id, createdBy);
    state.advance(id, await deps.images.config(id));
    deps.out.line(` ---> ${shortId(id)}`);
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  }
}

export async function workdirStep(deps: StepDeps, state: StageState, ins: Instruction & { kind: 'workdir' }, cache: CacheOps): Promise<void> {
  const dir = posix.resolve(state.config.WorkingDir || '/', state.expand(ins.path));
  state.config.WorkingDir = dir;
  const createdBy = `${nopCreatedBy(state.shell, '').trimEnd()} WORKDIR ${dir}`;
  const key = cache.key(createdBy, '');
  if (await cache.cached(key, createdBy)) return;
  const config = state.config;
  const id = await withContainer(deps, fsBody(state), async (cid) => {
    const root = await mountRootfs(deps.containers, deps.containers.records.resolve(cid));
    try {
      await mkdir(resolveInRoot(root, dir), { recursive: true, mode: 0o755 });
    } finally {
      await unmountRootfs(deps.containers, cid);
    }
    return commitWithConfig(deps.containers, cid, { config, createdBy });
  });
  cache.record(key, id, createdBy);
  state.advance(id, await deps.images.config(id));
  deps.out.line(` ---> ${shortId(id)}`);
}

/**
 * RUN --mount targets the runtime had to create (and the parents it made for them) leave the
 * layer, as BuildKit's do: what is left of them in the rw layer is an empty file or directory
 * that no image layer has.
 */
async function removeMountPoints(svc: ContainerService, id: string, targets: string[]): Promise<void> {
  if (targets.length === 0) return;
  const key = svc.records.resolve(id).snapshotKey;
  const upper = await svc.deps.snapshotter.diffDir(key);
  const lowers = await lowerDirs(svc, key);
  const inImage = async (p: string) => {
    for (const l of lowers) if (await lstat(join(l, p)).then(() => true, () => false)) return true;
    return false;
  };
  for (const target of targets) {
    for (let p = posix.normalize(target); p !== '/' && p !== '.'; p = posix.dirname(p)) {
      if (await inImage(p)) break;
      const st = await lstat(join(upper, p)).catch(() => undefined);
      if (!st) continue;
      const empty = st.isDirectory() ? (await readdir(join(upper, p))).length === 0 : st.isFile() && st.size === 0;
      if (!empty) break;
      await rm(join(upper, p), { recursive: false, force: true }).catch(() => rmdir(join(upper, p)));
    }
  }
}

/** A container that never runs: only its rootfs is written. */
function fsBody(state: StageState): ContainerCreateBody {
  return { Image: state.imageId, Cmd: ['#(nop)'], Entrypoint: [''], HostConfig: { NetworkMode: 'none' } };
}

/** Creates a build container, runs `fn`, and removes the container whatever happened. */
async function withContainer<T>(deps: StepDeps, body: ContainerCreateBody, fn: (id: string) => Promise<T>): Promise<T> {
  const { Id } = await createContainer(deps.containers, body, {});
  try {
    return await fn(Id);
  } finally {
    await removeContainer(deps.containers, Id, { force: true, volumes: true }).catch(() => {});
    if (body.Cmd?.[0] !== '#(nop)') deps.out.line(`Removing intermediate container ${shortId(Id)}`);
  }
}

/** Another image's filesystem, read-only use (COPY --from): a container's rootfs, mounted. */
export async function mountImage(deps: StepDeps, imageId: string): Promise<{ root: string; release: () => Promise<void> }> {
  const { Id } = await createContainer(deps.containers, { Image: imageId, Cmd: ['#(nop)'], Entrypoint: [''], HostConfig: { NetworkMode: 'none' } }, {});
  try {
    const root = await mountRootfs(deps.containers, deps.containers.records.resolve(Id));
    return {
      root,
      release: async () => {
        await unmountRootfs(deps.containers, Id);
        await removeContainer(deps.containers, Id, { force: true, volumes: true });
      },
    };
  } catch (err) {
    await removeContainer(deps.containers, Id, { force: true, volumes: true }).catch(() => {});
    throw err;
  }
}

function joinKeepSlash(base: string, rel: string): string {
  const joined = posix.join(base, rel);
  return rel.endsWith('/') || rel.endsWith('/.') || rel === '.' ? `${joined.replace(/\/$/, '')}/` : joined;
}

function parseChmod(s: string): number {
  if (!/^[0-7]{3,4}$/.test(s)) throw invalidParameter(`invalid chmod parameter: ${s}`);
  return Number.parseInt(s, 8);
}

/** --chown=user[:group] against the image's /etc/passwd and /etc/group. */
function chownOf(rootfs: string, spec: string): { uid: number; gid: number } {
  const [user = '', group] = spec.split(':');
  const u = resolveUser(rootfs, user);
  if (group === undefined) return { uid: u.uid, gid: /^\d+$/.test(user) ? u.uid : u.gid };
  const g = resolveUser(rootfs, `${user}:${group}`);
  return { uid: u.uid, gid: g.gid };
}

/** ADD <url>: downloaded (http/https), named after the URL's last path element. */
async function download(url: string, dir: string, checksum: string | undefined): Promise<{ name: string; digest: string }> {
  const res = await fetch(url, { redirect: 'follow' });
  if (!res.ok || !res.body) throw invalidParameter(`failed to GET ${url} with status ${res.status}`);
  const data = Buffer.from(await res.arrayBuffer());
  const digest = createHash('sha256').update(data).digest('hex');
  if (checksum && checksum !== `sha256:${digest}`) throw invalidParameter(`digest mismatch ${checksum}: sha256:${digest}`);
  const name = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '') || '__unnamed__';
  const path = join(dir, name);
  await writeFile(path, data, { mode: 0o600 });
  const modified = res.headers.get('last-modified');
  if (modified) {
    const t = new Date(modified);
    if (!Number.isNaN(t.getTime())) await utimes(path, t, t);
  }
  return { name, digest };
}
