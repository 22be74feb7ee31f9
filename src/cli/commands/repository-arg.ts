// The NAME[:TAG|@DIGEST] argument of pull and push, as docker reads it: --all-tags wants a
// bare repository, and without it a bare repository means ":latest", which docker announces.
import { isNameOnly, parseNormalizedNamed, type Reference, tagNameOnly } from '../../image/reference.ts';
import type { CliContext } from '../command.ts';

export function repositoryArg(ctx: CliContext, arg: string, all: boolean, quiet: boolean): Reference {
  const ref = parseNormalizedNamed(arg);
  if (all && !isNameOnly(ref)) throw new Error("tag can't be used with --all-tags/-a");
  if (all || !isNameOnly(ref)) return ref;
  const tagged = tagNameOnly(ref);
  if (!quiet) ctx.out.write(`Using default tag: ${tagged.tag}\n`);
  return tagged;
}
