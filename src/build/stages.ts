// A Dockerfile's stages: the ARGs before the first FROM, each FROM and what follows it, which
// stages a target needs (FROM <stage>, COPY --from=<stage>, RUN --mount=from=<stage>), and an
// order in which to build them. Stages no target depends on are skipped, as BuildKit does.
import { invalidParameter } from '../lib/errors.ts';
import type { Instruction } from './dockerfile/instructions.ts';
import { processWord, type Env } from './dockerfile/shell-lex.ts';

export type FromInstruction = Instruction & { kind: 'from' };
export type ArgInstruction = Instruction & { kind: 'arg' };

export interface Stage {
  index: number;
  /** Lower-cased `AS` name. */
  name?: string;
  from: FromInstruction;
  /** The base: an image reference, "scratch", or another stage (by index). */
  base: { kind: 'image'; ref: string } | { kind: 'scratch' } | { kind: 'stage'; index: number };
  instructions: Instruction[];
}

export interface Plan {
  metaArgs: ArgInstruction[];
  stages: Stage[];
  /** Indices of the stages to build, dependencies first; the last one is the target. */
  order: number[];
}

/** Splits, resolves bases (with the meta ARGs' values) and orders the stages for `target`. */
export function planStages(instructions: Instruction[], metaEnv: Env, target: string | undefined, esc: '\\' | '`'): Plan {
  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.kind === 'from') {
      const ref = processWord(ins.image, metaEnv, { escape: esc });
      if (ref === '') throw invalidParameter(`dockerfile parse error on line ${ins.line}: base name (${ins.image}) should not be blank`);
      const stage: Stage = { index: stages.length, from: ins, base: baseOf(ref, stages), instructions: [] };
      if (ins.stageName) {
        if (stages.some((s) => s.name === ins.stageName)) throw invalidParameter(`duplicate name ${ins.stageName}`);
        stage.name = ins.stageName;
      }
      stages.push(stage);
    } else if (stages.length === 0) {
      if (ins.kind !== 'arg') throw invalidParameter(`dockerfile parse error on line ${ins.line}: no build stage in current context`);
      metaArgs.push(ins);
    } else {
      stages.at(-1)!.instructions.push(ins);
    }
  }
  if (stages.length === 0) throw invalidParameter('the Dockerfile (Dockerfile) cannot be empty');
  let targetIndex = stages.length - 1;
  if (target) {
    const found = stages.find((s) => s.name === target.toLowerCase());
    if (!found) throw invalidParameter(`failed to reach build target ${target} in Dockerfile`);
    targetIndex = found.index;
  }
  const order: number[] = [];
  const visiting = new Set<number>();
  const visit = (i: number) => {
    if (order.includes(i)) return;
    if (visiting.has(i)) throw invalidParameter('circular dependency detected on stage');
    visiting.add(i);
    for (const dep of dependencies(stages[i]!, stages, metaEnv, esc)) visit(dep);
    visiting.delete(i);
    order.push(i);
  };
  visit(targetIndex);
  return { metaArgs, stages, order };
}

/** `FROM x`: an earlier stage by name, else an image (or scratch). */
function baseOf(ref: string, earlier: Stage[]): Stage['base'] {
  const byName = earlier.find((s) => s.name === ref.toLowerCase());
  if (byName) return { kind: 'stage', index: byName.index };
  if (ref === 'scratch') return { kind: 'scratch' };
  return { kind: 'image', ref };
}

/** Resolves `--from=<name|index|image>` of COPY and RUN mounts against the stages before `current`. */
export function stageRef(ref: string, stages: Stage[], current: number): number | undefined {
  const byName = stages.find((s) => s.name === ref.toLowerCase() && s.index < current);
  if (byName) return byName.index;
  if (/^\d+$/.test(ref)) {
    const i = Number(ref);
    if (i >= current) throw invalidParameter(`invalid from flag value ${ref}: refers to current build stage`);
    return i;
  }
  return undefined;
}

function dependencies(stage: Stage, stages: Stage[], metaEnv: Env, esc: '\\' | '`'): number[] {
  const out: number[] = [];
  if (stage.base.kind === 'stage') out.push(stage.base.index);
  for (const ins of stage.instructions) {
    let from: string | undefined;
    if (ins.kind === 'copy' && ins.from) from = ins.from;
    if (from !== undefined) {
      const i = stageRef(processWord(from, metaEnv, { escape: esc }), stages, stage.index);
      if (i !== undefined) out.push(i);
    }
    if (ins.kind === 'run') {
      for (const m of ins.mounts) {
        const f = /(?:^|,)from=([^,]+)/.exec(m)?.[1];
        const i = f === undefined ? undefined : stageRef(f, stages, stage.index);
        if (i !== undefined) out.push(i);
      }
    }
  }
  return out;
}
