// `push` / `image push`: POST /images/{name}/push?tag= with the registry's credentials from
// config.json in X-Registry-Auth (docker 28's RunPush). Per-layer bars on a terminal, plain
// status lines otherwise; -q prints only the reference once pushed.
import { encodeRegistryAuth } from '../../client/auth.ts';
import { familiarName, fullString } from '../../image/reference.ts';
import type { Command } from '../command.ts';
import { registryAuthFor } from '../credentials/store.ts';
import { platformJSON } from '../opts.ts';
import { displayJSONMessages } from '../progress/jsonmessage.ts';
import { repositoryArg } from './repository-arg.ts';

function pushCommand(): Command {
  return {
    name: 'push',
    use: 'push [OPTIONS] NAME[:TAG]',
    short: 'Upload an image to a registry',
    aliasesLine: 'wharf image push, wharf push',
    category: 'common',
    flags: [
      { name: 'all-tags', short: 'a', kind: 'bool', help: 'Push all tags of an image to the repository' },
      { name: 'disable-content-trust', kind: 'bool', default: true, help: 'Skip image signing' },
      {
        name: 'platform',
        kind: 'string',
        help: "Push a platform-specific manifest as a single-platform image to the registry.\n'os[/arch[/variant]]': Explicit platform (eg. linux/amd64)",
      },
      { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress verbose output' },
      { name: 'compression', kind: 'string', help: 'Compression of the layers wharfd makes for this push: gzip (default) or zstd' },
    ],
    args: { min: 1, max: 1 },
    async run(ctx, flags, args) {
      const all = flags.bool('all-tags');
      const quiet = flags.bool('quiet');
      const ref = repositoryArg(ctx, args[0]!, all, quiet);
      if (ref.digest) throw new Error('cannot push a digest reference');
      const platform = flags.string('platform');
      const auth = await registryAuthFor(ctx.env, ref.domain);
      const messages = await ctx.client().images.push(familiarName(ref), {
        ...(all ? {} : { tag: ref.tag! }),
        ...(platform ? { platform: platformJSON(platform) } : {}),
        ...(flags.string('compression') ? { compression: flags.string('compression') } : {}),
        registryAuth: encodeRegistryAuth(auth),
        signal: ctx.signal,
      });
      const sink = quiet ? { write() {} } : ctx.out;
      await displayJSONMessages(messages, sink, { isTerminal: ctx.out.isTerminal && !quiet, columns: ctx.out.columns });
      if (quiet) ctx.out.write(`${fullString(ref)}\n`);
      return 0;
    },
  };
}

export const pushTopCommand = pushCommand();
export const imagePushCommand = pushCommand();
