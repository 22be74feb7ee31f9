// `wharf registry serve|gc|htpasswd`: start Wharf's own registry server, collect its garbage,
// manage its htpasswd file. The server is its own component (src/registry/server); these
// commands only start it and talk to no daemon.
import { readFile } from 'node:fs/promises';
import { setHtpasswdUser } from '../../registry/server/auth/htpasswd.ts';
import { collectGarbage } from '../../registry/server/gc.ts';
import { RegistryServer, type RegistryServerOptions } from '../../registry/server/server.ts';
import type { CliContext, Command } from '../command.ts';
import { parseGoDuration } from '../opts.ts';

const DEFAULT_ROOT = '/var/lib/wharf-registry';

function duration(raw: string): void {
  if (parseGoDuration(raw) === undefined) throw new Error(`time: invalid duration "${raw}"`);
}

/** "127.0.0.1:5000", ":5000", "[::1]:5000" -> host and port. */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = addr.match(/^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/);
  if (!m) throw new Error(`invalid --addr ${JSON.stringify(addr)}: want HOST:PORT`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid --addr ${JSON.stringify(addr)}: port out of range`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

const serveCommand: Command = {
  name: 'serve',
  use: 'serve [OPTIONS]',
  short: 'Run an OCI Distribution registry server',
  args: { max: 0 },
  flags: [
    { name: 'addr', kind: 'string', default: '127.0.0.1:5000', help: 'Address to listen on (HOST:PORT; port 0 picks one)' },
    { name: 'root', kind: 'string', default: DEFAULT_ROOT, help: 'Storage directory' },
    { name: 'htpasswd', kind: 'string', help: 'htpasswd file (bcrypt) of the users allowed in' },
    { name: 'realm', kind: 'string', default: 'Wharf Registry', help: 'Realm of Basic auth challenges' },
    { name: 'tls-cert', kind: 'string', help: 'TLS certificate file (PEM)' },
    { name: 'tls-key', kind: 'string', help: 'TLS key file (PEM)' },
    { name: 'token-issuer', kind: 'string', help: 'Issue bearer tokens at /token under this issuer name (needs --htpasswd)' },
    { name: 'token-service', kind: 'string', help: 'Service name of tokens (default: the issuer)' },
    { name: 'token-realm', kind: 'string', help: 'Token endpoint URL in challenges (default: <scheme>://<host>/token)' },
    { name: 'token-key', kind: 'string', help: 'File holding the token signing key (hex, >= 32 bytes; default: <root>/token.key)' },
    { name: 'token-ttl', kind: 'string', default: '5m', validate: duration, help: 'Lifetime of issued tokens' },
    { name: 'disable-delete', kind: 'bool', help: 'Refuse DELETE of manifests, tags and blobs (405)' },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Do not log requests' },
  ],
  async run(ctx, flags) {
    const { host, port } = parseAddr(flags.string('addr'));
    const opts: RegistryServerOptions = { root: flags.string('root'), deleteEnabled: !flags.bool('disable-delete') };
    if (flags.string('htpasswd')) opts.htpasswd = flags.string('htpasswd');
    opts.realm = flags.string('realm');
    const cert = flags.string('tls-cert');
    const key = flags.string('tls-key');
    if (Boolean(cert) !== Boolean(key)) throw new Error('--tls-cert and --tls-key go together');
    if (cert) opts.tls = { cert: await readFile(cert), key: await readFile(key) };
    const issuer = flags.string('token-issuer');
    if (issuer) {
      if (!opts.htpasswd) throw new Error('--token-issuer needs --htpasswd: the token endpoint checks its users');
      opts.token = { issuer, ttlSeconds: Math.max(1, Math.round(parseGoDuration(flags.string('token-ttl')) ?? 300)) };
      if (flags.string('token-service')) opts.token.service = flags.string('token-service');
      if (flags.string('token-realm')) opts.token.realm = flags.string('token-realm');
      if (flags.string('token-key')) opts.token.key = Buffer.from((await readFile(flags.string('token-key'), 'utf8')).trim(), 'hex');
    }
    if (!flags.bool('quiet')) opts.log = (line) => ctx.err.write(`${new Date().toISOString()} ${line}\n`);
    const server = await RegistryServer.create(opts);
    const url = await server.listen(host, port);
    ctx.out.write(`Wharf registry listening on ${url} (root ${opts.root})\n`);
    await untilStopped(ctx);
    await server.close();
    return 0;
  },
};

/** SIGINT (the CLI's abort signal) or SIGTERM. */
function untilStopped(ctx: CliContext): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGTERM', done);
      ctx.signal.removeEventListener('abort', done);
      resolve();
    };
    if (ctx.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', done);
    process.on('SIGTERM', done);
  });
}

const gcCommand: Command = {
  name: 'gc',
  use: 'gc [OPTIONS]',
  short: 'Delete blobs no manifest references',
  args: { max: 0 },
  flags: [
    { name: 'root', kind: 'string', default: DEFAULT_ROOT, help: 'Storage directory' },
    { name: 'dry-run', short: 'd', kind: 'bool', help: 'Only report what would be deleted' },
    { name: 'delete-untagged', short: 'm', kind: 'bool', help: 'Also delete manifests no tag needs' },
    {
      name: 'min-age',
      kind: 'string',
      default: '1h',
      validate: duration,
      help: 'Keep unreferenced blobs younger than this (pushes in progress on a live server)',
    },
    { name: 'upload-max-age', kind: 'string', default: '24h', validate: duration, help: 'Remove upload sessions idle longer than this' },
  ],
  async run(ctx, flags) {
    const dryRun = flags.bool('dry-run');
    const r = await collectGarbage(flags.string('root'), {
      dryRun,
      deleteUntagged: flags.bool('delete-untagged'),
      minAgeMs: (parseGoDuration(flags.string('min-age')) ?? 0) * 1000,
      uploadMaxAgeMs: (parseGoDuration(flags.string('upload-max-age')) ?? 0) * 1000,
      log: (line) => ctx.out.write(`${line}\n`),
    });
    const verb = dryRun ? 'would be deleted' : 'deleted';
    ctx.out.write(
      `${r.blobsDeleted.length} blobs ${verb} (${r.bytesFreed} bytes), ${r.manifestsDeleted.length} untagged manifests ${verb}, ` +
        `${r.uploadsRemoved} stale uploads ${dryRun ? 'would be removed' : 'removed'}; ` +
        `${r.blobsKept} blobs in use, ${r.recentKept} unreferenced blobs kept as younger than --min-age\n`,
    );
    return 0;
  },
};

const htpasswdCommand: Command = {
  name: 'htpasswd',
  use: 'htpasswd [OPTIONS] FILE USER',
  short: 'Add or update a user of an htpasswd file (bcrypt)',
  args: { min: 2, max: 2 },
  flags: [
    { name: 'password', short: 'p', kind: 'string', help: 'Password' },
    { name: 'password-stdin', kind: 'bool', help: 'Take the password from stdin' },
  ],
  async run(ctx, flags, args) {
    let password = flags.string('password');
    if (flags.bool('password-stdin')) {
      if (password !== '') throw new Error('--password and --password-stdin are mutually exclusive');
      const parts: Buffer[] = [];
      for await (const c of ctx.in.stream) parts.push(Buffer.from(c as Buffer));
      password = Buffer.concat(parts).toString('utf8').replace(/\r?\n$/, '');
    }
    if (password === '') throw new Error('a password is required: --password or --password-stdin');
    await setHtpasswdUser(args[0]!, args[1]!, password);
    return 0;
  },
};

export const registryCommand: Command = {
  name: 'registry',
  use: 'registry',
  short: "Run Wharf's own registry server",
  category: 'management',
  subcommands: [gcCommand, htpasswdCommand, serveCommand],
};
