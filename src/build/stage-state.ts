// One stage's state while it is built: the image it stands on, the config being shaped, the
// ARGs declared so far, and how instructions see variables (ENV over ARG, as Docker).
import type { ContainerConfigTemplate, ImageConfig } from '../image/types.ts';
import type { BuildArgs } from './args.ts';
import { processWord, processWords } from './dockerfile/shell-lex.ts';
import { DEFAULT_SHELL } from './metadata.ts';

export class StageState {
  imageId: string;
  image: ImageConfig;
  config: ContainerConfigTemplate;
  /** ARGs declared in this stage, with their values (undefined: declared without one). */
  readonly args = new Map<string, string | undefined>();
  readonly flags = { cmdSet: false };
  readonly escape: '\\' | '`';
  readonly buildArgs: BuildArgs;

  constructor(imageId: string, image: ImageConfig, esc: '\\' | '`', buildArgs: BuildArgs) {
    this.imageId = imageId;
    this.image = image;
    this.config = structuredClone(image.config ?? {});
    this.escape = esc;
    this.buildArgs = buildArgs;
  }

  /** Moves to a new image (a committed step or a cache hit). */
  advance(imageId: string, image: ImageConfig): void {
    this.imageId = imageId;
    this.image = image;
    this.config = structuredClone(image.config ?? {});
  }

  get shell(): string[] {
    return this.config.Shell ?? DEFAULT_SHELL;
  }

  /** Variables for substitution: declared ARGs with values, overridden by ENV. */
  env(): Map<string, string> {
    const env = new Map<string, string>();
    for (const [k, v] of this.args) if (v !== undefined) env.set(k, v);
    for (const e of this.config.Env ?? []) {
      const eq = e.indexOf('=');
      if (eq > 0) env.set(e.slice(0, eq), e.slice(eq + 1));
    }
    return env;
  }

  expand(word: string): string {
    return processWord(word, this.env(), { escape: this.escape });
  }

  expandWords(text: string): string[] {
    return processWords(text, this.env(), { escape: this.escape });
  }

  /** Build args in effect for RUN: "k=v" of declared ARGs with values that ENV does not set. */
  runArgs(): string[] {
    const envKeys = new Set((this.config.Env ?? []).map((e) => e.split('=', 1)[0]));
    return [...this.args]
      .filter((e): e is [string, string] => e[1] !== undefined && !envKeys.has(e[0]))
      .map(([k, v]) => `${k}=${v}`)
      .sort();
  }
}
