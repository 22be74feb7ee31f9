// `volume create|ls|inspect|rm|prune`: POST /volumes/create, GET /volumes, GET /volumes/{name},
// DELETE /volumes/{name}, POST /volumes/prune, with docker's flags, tables and messages.
import { ApiError } from '../../client/errors.ts';
import type { Volume } from '../../client/types.ts';
import { CancelledError, type Command, StatusError } from '../command.ts';
import { goStruct } from '../format/gostruct.ts';
import { renderFormatted } from '../format/table.ts';
import { HumanSize } from '../format/units.ts';
import { parseFilters } from '../opts.ts';
import { confirm } from '../streams.ts';
import { FORMAT_HELP, INSPECT_FORMAT_HELP, printInspect } from './images.ts';

/** "k=v" (or "k") flag values as a map, as docker's opts.ConvertKVStringsToMap. */
function kvMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) out[v] = '';
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

export const volumeCreateCommand: Command = {
  name: 'create',
  use: 'create [OPTIONS] [VOLUME]',
  short: 'Create a volume',
  flags: [
    { name: 'driver', short: 'd', kind: 'string', default: 'local', help: 'Specify volume driver name' },
    { name: 'label', kind: 'list', help: 'Set metadata for a volume' },
    { name: 'name', kind: 'string', hidden: true, help: 'Specify volume name' },
    { name: 'opt', short: 'o', kind: 'list', valueName: 'map', defaultText: 'map[]', help: 'Set driver specific options' },
  ],
  args: { max: 1 },
  async run(ctx, flags, args) {
    const flagName = flags.string('name');
    if (args[0] !== undefined && flagName !== '') {
      throw new StatusError(`conflicting options: cannot specify a volume-name through both --name and as a positional arg`, 1);
    }
    const v = await ctx.client().volumes.create({
      Name: args[0] ?? flagName,
      Driver: flags.string('driver'),
      DriverOpts: kvMap(flags.list('opt')),
      Labels: kvMap(flags.list('label')),
    });
    ctx.out.write(`${v.Name}\n`);
    return 0;
  },
};

const VOLUME_TABLE = 'table {{.Driver}}\t{{.Name}}';
const VOLUME_HEADERS: Record<string, string> = {
  Driver: 'DRIVER',
  Name: 'VOLUME NAME',
  Scope: 'SCOPE',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
  Links: 'LINKS',
  Size: 'SIZE',
  Group: 'GROUP',
  Availability: 'AVAILABILITY',
  Status: 'STATUS',
};

/** docker's natural sort of names (sortorder.NaturalLess): digit runs compare as numbers. */
export function naturalLess(a: string, b: string): boolean {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0;
      return x.length < y.length;
    }
    return x < y;
  }
  return pa.length < pb.length;
}

function volumeRow(v: Volume) {
  const labels = Object.entries(v.Labels ?? {}).map(([k, val]) => `${k}=${val}`);
  return goStruct('*formatter.volumeContext', {
    Availability: 'N/A',
    Driver: v.Driver,
    Group: 'N/A',
    Labels: labels.join(','),
    Links: v.UsageData && v.UsageData.RefCount !== -1 ? String(v.UsageData.RefCount) : 'N/A',
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Scope: v.Scope ?? 'local',
    Size: v.UsageData && v.UsageData.Size !== -1 ? HumanSize(v.UsageData.Size) : 'N/A',
    Status: 'N/A',
  });
}

export const volumeLsCommand: Command = {
  name: 'ls',
  aliases: ['list'],
  use: 'ls [OPTIONS]',
  short: 'List volumes',
  flags: [
    { name: 'cluster', kind: 'bool', hidden: true, help: 'Display only cluster volumes, and use cluster volume list formatting' },
    { name: 'filter', short: 'f', kind: 'list', valueName: 'filter', help: "Provide filter values (e.g. 'dangling=true')" },
    { name: 'format', kind: 'string', help: FORMAT_HELP },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display volume names' },
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const res = await ctx.client().volumes.list(parseFilters(flags.list('filter')));
    const volumes = [...(res.Volumes ?? [])].sort((a, b) => (naturalLess(a.Name, b.Name) ? -1 : naturalLess(b.Name, a.Name) ? 1 : 0));
    for (const w of res.Warnings ?? []) ctx.err.write(`${w}\n`);
    const format = flags.string('format');
    const quiet = flags.bool('quiet');
    const source = quiet && (format === '' || format === 'table') ? '{{.Name}}' : format;
    ctx.out.write(renderFormatted(source, VOLUME_TABLE, VOLUME_HEADERS, volumes.map(volumeRow)));
    return 0;
  },
};

export const volumeInspectCommand: Command = {
  name: 'inspect',
  use: 'inspect [OPTIONS] VOLUME [VOLUME...]',
  short: 'Display detailed information on one or more volumes',
  flags: [{ name: 'format', short: 'f', kind: 'string', help: INSPECT_FORMAT_HELP }],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const volumes = ctx.client().volumes;
    await printInspect(ctx.out, args, flags.string('format'), (name) => volumes.inspectRaw(name), (_n, err) => `Error response from daemon: ${(err as Error).message}`);
    return 0;
  },
};

export const volumeRmCommand: Command = {
  name: 'rm',
  aliases: ['remove'],
  use: 'rm [OPTIONS] VOLUME [VOLUME...]',
  short: 'Remove one or more volumes',
  aliasesLine: 'wharf volume rm, wharf volume remove',
  flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Force the removal of one or more volumes' }],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const volumes = ctx.client().volumes;
    const errors: string[] = [];
    for (const name of args) {
      try {
        await volumes.remove(name, { force: flags.bool('force') });
        ctx.out.write(`${name}\n`);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        errors.push(`Error response from daemon: ${err.message}`);
      }
    }
    if (errors.length > 0) throw new StatusError(errors.join('\n'), 1);
    return 0;
  },
};

const PRUNE_WARNING = `WARNING! This will remove anonymous local volumes not used by at least one container.
Are you sure you want to continue?`;
const PRUNE_ALL_WARNING = `WARNING! This will remove all local volumes not used by at least one container.
Are you sure you want to continue?`;

export const volumePruneCommand: Command = {
  name: 'prune',
  use: 'prune [OPTIONS]',
  short: 'Remove unused local volumes',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
    { name: 'filter', kind: 'list', valueName: 'filter', help: 'Provide filter values (e.g. "label=<label>")' },
    { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const filters = parseFilters(flags.list('filter'));
    const all = flags.bool('all');
    if (all) {
      if (filters['all']) throw new StatusError('conflicting options: cannot specify both --all and --filter all=1', 1);
      filters['all'] = ['true'];
    }
    if (!flags.bool('force') && !(await confirm(ctx.in, ctx.out, all || filters['all'] ? PRUNE_ALL_WARNING : PRUNE_WARNING))) {
      throw new CancelledError('volume prune has been cancelled');
    }
    const report = await ctx.client().volumes.prune(filters);
    const deleted = report.VolumesDeleted ?? [];
    if (deleted.length > 0) ctx.out.write(`Deleted Volumes:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
    ctx.out.write(`Total reclaimed space: ${HumanSize(report.SpaceReclaimed)}\n`);
    return 0;
  },
};

export const volumeCommand: Command = {
  name: 'volume',
  use: 'volume COMMAND',
  short: 'Manage volumes',
  category: 'management',
  subcommands: [volumeCreateCommand, volumeInspectCommand, volumeLsCommand, volumePruneCommand, volumeRmCommand],
};
