// `builder prune`: POST /build/prune, with docker's prompt and report.
import { CancelledError, type Command } from '../command.ts';
import { HumanSize } from '../format/units.ts';
import { parseFilters } from '../opts.ts';
import { confirm } from '../streams.ts';

const DANGLING_WARNING = 'WARNING! This will remove all dangling build cache. Are you sure you want to continue?';
const ALL_WARNING = 'WARNING! This will remove all build cache. Are you sure you want to continue?';

export const builderPruneCommand: Command = {
  name: 'prune',
  use: 'prune',
  short: 'Remove build cache',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused build cache, not just dangling ones' },
    { name: 'filter', kind: 'list', valueName: 'filter', help: 'Provide filter values (e.g. "until=24h")' },
    { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const all = flags.bool('all');
    if (!flags.bool('force') && !(await confirm(ctx.in, ctx.out, all ? ALL_WARNING : DANGLING_WARNING))) {
      throw new CancelledError('builder prune has been cancelled');
    }
    const report = await ctx.client().build.prune({ all, filters: parseFilters(flags.list('filter')) });
    const deleted = report.CachesDeleted ?? [];
    if (deleted.length > 0) ctx.out.write(`Deleted build cache objects:\n${deleted.map((id) => `${id}\n`).join('')}\n`);
    ctx.out.write(`Total reclaimed space: ${HumanSize(report.SpaceReclaimed)}\n`);
    return 0;
  },
};
