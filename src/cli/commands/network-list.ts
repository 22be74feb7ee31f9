// `network ls|inspect|rm|prune`: GET /networks, GET /networks/{id}, DELETE /networks/{id},
// POST /networks/prune, with docker's tables, templates, prompts and messages.
import { ApiError } from '../../client/errors.ts';
import type { NetworkResource } from '../../client/networks.ts';
import { CancelledError, type Command, StatusError } from '../command.ts';
import { goStruct } from '../format/gostruct.ts';
import { timeString } from '../format/gotimestring.ts';
import { renderFormatted } from '../format/table.ts';
import { TruncateID } from '../format/units.ts';
import { parseFilters } from '../opts.ts';
import { confirm } from '../streams.ts';
import { FORMAT_HELP, INSPECT_FORMAT_HELP, printInspect } from './images.ts';
import { naturalLess } from './volumes.ts';

const NETWORK_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
const NETWORK_HEADERS: Record<string, string> = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv4: 'IPV4',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
};

/** Go's time.Time.String() of an RFC 3339 time, keeping its nanoseconds. */
function createdAt(rfc3339: string): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  const frac = (/\.(\d+)Z$/.exec(rfc3339)?.[1] ?? '').replace(/0+$/, '');
  return timeString(d).replace(/^(\S+ \d\d:\d\d:\d\d)(\.\d+)?/, (_m, hms: string) => (frac ? `${hms}.${frac}` : hms));
}

/** docker's networkContext: fields in its sorted JSON order, Label as a method. */
function networkRow(n: NetworkResource, trunc: boolean) {
  const labels = n.Labels ?? {};
  const row = goStruct('*formatter.networkContext', {
    CreatedAt: createdAt(n.Created),
    Driver: n.Driver,
    ID: trunc ? TruncateID(n.Id) : n.Id,
    IPv4: String(n.EnableIPv4 ?? true),
    IPv6: String(n.EnableIPv6),
    Internal: String(n.Internal),
    Labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Name: n.Name,
    Scope: n.Scope,
  });
  Object.defineProperty(row, 'Label', { value: (name: string) => labels[name] ?? '', enumerable: false });
  return row;
}

export const networkLsCommand: Command = {
  name: 'ls',
  aliases: ['list'],
  use: 'ls [OPTIONS]',
  short: 'List networks',
  aliasesLine: 'wharf network ls, wharf network list',
  flags: [
    { name: 'filter', short: 'f', kind: 'list', valueName: 'filter', help: "Provide filter values (e.g. 'driver=bridge')" },
    { name: 'format', kind: 'string', help: FORMAT_HELP },
    { name: 'no-trunc', kind: 'bool', help: 'Do not truncate the output' },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display network IDs' },
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const list = await ctx.client().networks.list(parseFilters(flags.list('filter')));
    list.sort((a, b) => (naturalLess(a.Name, b.Name) ? -1 : naturalLess(b.Name, a.Name) ? 1 : 0));
    const format = flags.string('format');
    const source = flags.bool('quiet') && (format === '' || format === 'table') ? '{{.ID}}' : format;
    ctx.out.write(renderFormatted(source, NETWORK_TABLE, NETWORK_HEADERS, list.map((n) => networkRow(n, !flags.bool('no-trunc')))));
    return 0;
  },
};

export const networkInspectCommand: Command = {
  name: 'inspect',
  use: 'inspect [OPTIONS] NETWORK [NETWORK...]',
  short: 'Display detailed information on one or more networks',
  flags: [
    { name: 'format', short: 'f', kind: 'string', help: INSPECT_FORMAT_HELP },
    { name: 'verbose', short: 'v', kind: 'bool', help: 'Verbose output for diagnostics' },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const networks = ctx.client().networks;
    const verbose = flags.bool('verbose');
    await printInspect(ctx.out, args, flags.string('format'), (ref) => networks.inspectRaw(ref, { verbose }), (_n, err) => `Error response from daemon: ${(err as Error).message}`);
    return 0;
  },
};

export const networkRmCommand: Command = {
  name: 'rm',
  aliases: ['remove'],
  use: 'rm NETWORK [NETWORK...]',
  short: 'Remove one or more networks',
  aliasesLine: 'wharf network rm, wharf network remove',
  flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Do not error if the network does not exist' }],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const networks = ctx.client().networks;
    const errors: string[] = [];
    for (const ref of args) {
      try {
        await networks.remove(ref);
        ctx.out.write(`${ref}\n`);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (flags.bool('force') && err.status === 404) continue;
        errors.push(`Error response from daemon: ${err.message}`);
      }
    }
    if (errors.length > 0) throw new StatusError(errors.join('\n'), 1);
    return 0;
  },
};

const PRUNE_WARNING = `WARNING! This will remove all custom networks not used by at least one container.
Are you sure you want to continue?`;

export const networkPruneCommand: Command = {
  name: 'prune',
  use: 'prune [OPTIONS]',
  short: 'Remove all unused networks',
  flags: [
    { name: 'filter', kind: 'list', valueName: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  args: { max: 0 },
  async run(ctx, flags) {
    const filters = parseFilters(flags.list('filter'));
    if (!flags.bool('force') && !(await confirm(ctx.in, ctx.out, PRUNE_WARNING))) throw new CancelledError('network prune has been cancelled');
    const report = await ctx.client().networks.prune(filters);
    const deleted = report.NetworksDeleted ?? [];
    if (deleted.length > 0) ctx.out.write(`Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
    return 0;
  },
};
