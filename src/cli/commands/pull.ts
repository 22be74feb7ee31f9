// `pull` / `image pull`: POST /images/create?fromImage=&tag=&platform= with the registry's
// credentials from config.json in X-Registry-Auth; docker's output, then the full reference.
import { encodeRegistryAuth } from '../../client/auth.ts';
import { familiarName, fullString } from '../../image/reference.ts';
import type { Command } from '../command.ts';
import { registryAuthFor } from '../credentials/store.ts';
import { displayJSONMessages } from '../progress/jsonmessage.ts';
import { repositoryArg } from './repository-arg.ts';

function pullCommand(): Command {
  return {
    name: 'pull',
    use: 'pull [OPTIONS] NAME[:TAG|@DIGEST]',
    short: 'Download an image from a registry',
    aliasesLine: 'wharf image pull, wharf pull',
    category: 'common',
    flags: [
      { name: 'all-tags', short: 'a', kind: 'bool', help: 'Download all tagged images in the repository' },
      { name: 'disable-content-trust', kind: 'bool', default: true, help: 'Skip image verification' },
      { name: 'platform', kind: 'string', help: 'Set platform if server is multi-platform capable' },
      { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress verbose output' },
    ],
    args: { min: 1, max: 1 },
    async run(ctx, flags, args) {
      const all = flags.bool('all-tags');
      const quiet = flags.bool('quiet');
      const ref = repositoryArg(ctx, args[0]!, all, quiet);
      const auth = await registryAuthFor(ctx.env, ref.domain);
      const platform = flags.string('platform') || ctx.env['DOCKER_DEFAULT_PLATFORM'] || '';
      const messages = await ctx.client().images.pull(familiarName(ref), {
        ...(ref.digest ? { tag: ref.digest } : ref.tag ? { tag: ref.tag } : {}),
        all,
        platform: platform.toLowerCase(),
        registryAuth: encodeRegistryAuth(auth),
        signal: ctx.signal,
      });
      const sink = quiet ? { write() {} } : ctx.out;
      await displayJSONMessages(messages, sink, { isTerminal: ctx.out.isTerminal && !quiet, columns: ctx.out.columns });
      ctx.out.write(`${fullString(ref)}\n`);
      return 0;
    },
  };
}

export const pullTopCommand = pullCommand();
export const imagePullCommand = pullCommand();
