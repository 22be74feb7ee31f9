// One build: the Dockerfile read and planned, the needed stages built (independent ones at the
// same time, their output shown in stage order), every step looked up in the cache before it
// runs, and each step's result an image, as the classic builder makes them. The step kinds
// live in their own files: metadata.ts (config only), steps.ts (RUN, COPY/ADD, WORKDIR).
import { type Digest, shortId } from '../lib/digest.ts';
import { invalidParameter } from '../lib/errors.ts';
import { nowRfc3339Nano } from '../lib/gotime.ts';
import { registerImage } from '../image/register.ts';
import type { ContainerConfigTemplate, ImageConfig } from '../image/types.ts';
import { HOST_ARCH } from '../container/create.ts';
import { BuildArgs } from './args.ts';
import { stepKey, type BuildCache } from './cache.ts';
import type { BuildContext } from './context.ts';
import { type Instruction, readInstruction, readInstructions } from './dockerfile/instructions.ts';
import { parseDockerfile } from './dockerfile/parse.ts';
import { processWord } from './dockerfile/shell-lex.ts';
import { applyMetadata, nopCreatedBy } from './metadata.ts';
import { type CacheSource, restoreFromSources } from './cache-from.ts';
import { StageOutput } from './output.ts';
import { planStages, type Stage } from './stages.ts';
import { StageState } from './stage-state.ts';
import { type StepDeps, copyStep, runStep, workdirStep } from './steps.ts';
import type { BuildOptions, BuildProgress } from './types.ts';

export interface BuilderDeps extends Omit<StepDeps, 'out' | 'opts' | 'stageImage' | 'context' | 'stages' | 'currentStage'> {
  cache: BuildCache;
}

export class Builder {
  private readonly deps: BuilderDeps;
  private readonly opts: BuildOptions;
  private readonly ctx: BuildContext;
  private readonly progress: BuildProgress;

  constructor(deps: BuilderDeps, ctx: BuildContext, opts: BuildOptions, progress: BuildProgress) {
    this.deps = deps;
    this.ctx = ctx;
    this.opts = opts;
    this.progress = progress;
  }

  async build(text: string): Promise<string> {
    const parsed = parseDockerfile(text);
    const syntax = parsed.directives.syntax;
    if (syntax && !/^(docker\.io\/)?docker\/dockerfile(-upstream)?:1([.\d]*)?(-labs)?(@sha256:[0-9a-f]{64})?$/.test(syntax)) {
      throw invalidParameter(`unsupported Dockerfile syntax ${syntax}: Wharf's builder reads docker/dockerfile:1.x only (no frontend image can be fetched)`);
    }
    for (const w of parsed.warnings) this.progress.stream(`${w}\n`);
    const instructions = readInstructions(parsed);
    const args = new BuildArgs(this.opts.buildArgs, this.opts.platform);
    const esc = parsed.directives.escape;
    const firstFrom = instructions.findIndex((x) => x.kind === 'from');
    for (const a of instructions.slice(0, firstFrom < 0 ? instructions.length : firstFrom)) {
      if (a.kind !== 'arg') continue;
      for (const { name, value } of a.args) args.declareMeta(name, value === undefined ? undefined : processWord(value, args.metaEnv(), { escape: esc }));
    }
    const plan = planStages(instructions, args.metaEnv(), this.opts.target, esc);
    const labels = Object.entries(this.opts.labels);
    const target = plan.stages[plan.order.at(-1)!]!;
    if (labels.length > 0) {
      // As the classic builder: --label becomes a LABEL step at the end of the target stage.
      const original = `LABEL ${labels.map(([k, v]) => `${k}=${v}`).join(' ')}`;
      const quote = (t: string) => `'${t.replace(/'/g, "'\\''")}'`; // single quotes: expansion leaves the text as given
      const pairs = labels.map(([k, v]) => ({ key: quote(k), value: quote(v) }));
      target.instructions.push({ kind: 'label', pairs, line: 0, original });
    }

    // Step numbers over the stages built, in Dockerfile order.
    // The ARGs before the first FROM count as steps, as the classic builder counts them.
    const built = [...plan.order].sort((a, b) => a - b);
    const total = plan.metaArgs.length + built.reduce((n, i) => n + 1 + plan.stages[i]!.instructions.length, 0);
    plan.metaArgs.forEach((a, i) => {
      this.progress.stream(`Step ${i + 1}/${total} : ${a.original}\n`);
    });
    const firstStep = new Map<number, number>();
    let n = plan.metaArgs.length + 1;
    for (const i of built) {
      firstStep.set(i, n);
      n += 1 + plan.stages[i]!.instructions.length;
    }
    const outputs = new Map(built.map((i) => [i, new StageOutput(this.progress)]));
    StageOutput.chain(built.map((i) => outputs.get(i)!));

    const results = new Map<number, Promise<string>>();
    const runStage = (i: number): Promise<string> => {
      let p = results.get(i);
      if (!p) {
        p = this.buildStage(plan.stages[i]!, plan.stages, args, esc, outputs.get(i)!, firstStep.get(i)!, total, (dep) => runStage(dep));
        results.set(i, p);
      }
      return p;
    };
    const all = built.map((i) => runStage(i));
    // Every stage settles before the build ends (a failure must not leave one running).
    const settled = await Promise.allSettled(all);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const id = await runStage(target.index);
    const unused = args.unconsumed();
    if (unused.length > 0) this.progress.stream(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    return id;
  }

  private async buildStage(
    stage: Stage,
    stages: Stage[],
    args: BuildArgs,
    esc: '\\' | '`',
    out: StageOutput,
    first: number,
    total: number,
    stageResult: (index: number) => Promise<string>,
  ): Promise<string> {
    try {
      let step = first;
      out.line(`Step ${step++}/${total} : ${stage.from.original}`);
      const base = await this.baseImage(stage, stageResult, args);
      const state = new StageState(base.id, base.config, esc, args);
      out.line(` ---> ${shortId(state.imageId)}`);
      const triggers = state.config.OnBuild ?? [];
      if (triggers.length > 0) {
        out.line(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}`);
        state.config.OnBuild = null;
        for (const t of triggers) {
          const raw = parseDockerfile(t).instructions[0];
          if (raw) await this.step(readInstruction(raw), state, stages, stage.index, out, stageResult);
        }
      }
      for (const ins of stage.instructions) {
        out.line(`Step ${step++}/${total} : ${ins.original}`);
        await this.step(ins, state, stages, stage.index, out, stageResult);
      }
      return state.imageId;
    } finally {
      out.done();
    }
  }

  /** FROM: another stage's result, scratch (an empty image), or a local image. */
  private async baseImage(stage: Stage, stageResult: (i: number) => Promise<string>, args: BuildArgs): Promise<{ id: string; config: ImageConfig }> {
    const images = this.deps.images;
    if (stage.base.kind === 'stage') {
      const id = await stageResult(stage.base.index);
      return { id, config: await images.config(id) };
    }
    if (stage.base.kind === 'scratch') return this.scratchImage();
    const ref = stage.base.ref;
    const platform = stage.from.platform ? processWord(stage.from.platform, args.metaEnv()) : this.opts.platform;
    const id = await this.deps.resolveBase(ref, { pull: this.opts.pull, ...(platform ? { platform } : {}), ...(this.opts.registryConfig ? { registryConfig: this.opts.registryConfig } : {}) });
    return { id, config: await images.config(id) };
  }

  /** FROM scratch: an image with no layers, the same bytes (and ID) every time. */
  private async scratchImage(): Promise<{ id: string; config: ImageConfig }> {
    const config: ImageConfig = { architecture: HOST_ARCH, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
    const images = this.deps.images;
    const r = await images.lock.run(() => registerImage(images, Buffer.from(JSON.stringify(config)), new Map()));
    return { id: r.id, config };
  }

  private async step(ins: Instruction, state: StageState, stages: Stage[], current: number, out: StageOutput, stageResult: (i: number) => Promise<string>): Promise<void> {
    const deps: StepDeps = { ...this.deps, out, opts: this.opts, stageImage: stageResult, context: this.ctx, stages, currentStage: current };
    if (ins.kind === 'arg') {
      const parts: string[] = [];
      for (const { name, value } of ins.args) {
        const v = state.buildArgs.stageValue(name, value === undefined ? undefined : state.expand(value));
        state.args.set(name, v);
        parts.push(value === undefined ? name : `${name}=${value}`);
      }
      await this.configStep(state, out, `ARG ${parts.join(' ')}`);
      return;
    }
    const before = structuredClone(state.config);
    const comment = applyMetadata(ins, state.config, (w) => state.expand(w), (t) => state.expandWords(t), state.flags);
    if (comment !== undefined) {
      const after = state.config;
      state.config = before; // configStep starts from the current image's config
      await this.configStep(state, out, comment, after);
      return;
    }
    const key = (description: string, extra: string) => stepKey(state.imageId, description, extra);
    const cached = (k: string, createdBy: string) => this.cached(k, state, out, createdBy, state.config);
    const record = (k: string, id: string, description: string) => this.deps.cache.record(k, id, state.imageId, description);
    switch (ins.kind) {
      case 'run':
        return runStep(deps, state, ins, { key, cached, record });
      case 'copy':
      case 'add':
        return copyStep(deps, state, ins, { key, cached, record });
      case 'workdir':
        return workdirStep(deps, state, ins, { key, cached, record });
      case 'maintainer':
        state.config = before;
        return this.configStep(state, out, `MAINTAINER ${ins.name}`, undefined, ins.name);
      default:
        throw invalidParameter(`${ins.kind.toUpperCase()} is not supported here`);
    }
  }

  /**
   * A cache hit moves the stage to the cached image and says so. The build cache is asked
   * first, then the --cache-from images (`createdBy` and the step's resulting config are what
   * those are matched and restored with).
   */
  private async cached(key: string, state: StageState, out: StageOutput, createdBy: string, config: ContainerConfigTemplate): Promise<boolean> {
    if (this.opts.noCache) return false;
    let hit = this.deps.cache.lookup(key);
    if (!hit) hit = await this.localAncestorHit(state, createdBy);
    if (!hit) {
      const restored = restoreFromSources(await this.cacheSources(), state.image, createdBy, config);
      if (!restored) return false;
      const images = this.deps.images;
      const parent = state.imageId as Digest;
      hit = (await images.lock.run(() => registerImage(images, Buffer.from(JSON.stringify(restored)), new Map(), { parent }))).id;
      this.deps.cache.record(key, hit, state.imageId, createdBy);
    }
    state.advance(hit, await this.deps.images.config(hit));
    out.line(' ---> Using cache');
    out.line(` ---> ${shortId(hit)}`);
    return true;
  }

  /**
   * moby's local image cache under --cache-from: a child of the current image, made by this
   * step, that is an ancestor of (or is) one of the sources — the very image an earlier
   * build made, found through the parent links.
   */
  private async localAncestorHit(state: StageState, createdBy: string): Promise<string | undefined> {
    const images = this.deps.images;
    const sources = await this.cacheSources();
    if (sources.length === 0) return undefined;
    const depth = (state.image.history ?? []).length + 1;
    for (const child of images.children(state.imageId)) {
      const c = await images.config(child);
      if ((c.history ?? []).length !== depth || c.history?.at(-1)?.created_by !== createdBy) continue;
      for (const src of sources) {
        for (let id: string | null | undefined = src.id; id; id = images.records.get(id)?.parent) if (id === child) return child;
      }
    }
    return undefined;
  }

  private sources: Promise<CacheSource[]> | undefined;

  /** The --cache-from images that are here (others are skipped, as dockerd skips them). */
  private cacheSources(): Promise<CacheSource[]> {
    this.sources ??= Promise.all(
      this.opts.cacheFrom.map(async (ref) => {
        const row = this.deps.images.tryResolve(ref);
        return row ? [{ id: row.id, image: await this.deps.images.config(row.id) }] : [];
      }),
    ).then((l) => l.flat());
    return this.sources;
  }

  /** A config-only step: a new image on the same layers, with a "#(nop)" history line. */
  private async configStep(state: StageState, out: StageOutput, comment: string, config = state.config, author?: string): Promise<void> {
    const createdBy = nopCreatedBy(state.shell, comment);
    const k = stepKey(state.imageId, createdBy, JSON.stringify(config));
    if (await this.cached(k, state, out, createdBy, config)) return;
    const created = nowRfc3339Nano();
    const image: ImageConfig = {
      ...state.image,
      ...(author ? { author } : {}),
      config,
      created,
      history: [...(state.image.history ?? []), { created, created_by: createdBy, empty_layer: true }],
    };
    const images = this.deps.images;
    const parent = state.imageId as Digest;
    const r = await images.lock.run(() => registerImage(images, Buffer.from(JSON.stringify(image)), new Map(), { parent }));
    this.deps.cache.record(k, r.id, state.imageId, comment);
    state.advance(r.id, image);
    out.line(` ---> ${shortId(r.id)}`);
  }
}
