// `login` and `logout`: credentials are checked by the daemon (POST /auth) and kept by the
// CLI (config.json or a credential helper, credentials/store.ts), as docker does.
import type { AuthConfig } from '../../client/auth.ts';
import type { CliContext, Command } from '../command.ts';
import { CredentialStore, convertToHostname, INDEX_SERVER } from '../credentials/store.ts';
import { readLine } from '../streams.ts';
import { readPassword } from './password.ts';

const UNENCRYPTED_WARNING = (path: string) =>
  `\nWARNING! Your credentials are stored unencrypted in '${path}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`;

/** The key a server is stored under: Docker Hub's index URL, else host[:port]. */
function serverAddress(arg: string | undefined): string {
  if (!arg) return INDEX_SERVER;
  const host = convertToHostname(arg);
  return host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io' ? INDEX_SERVER : host;
}

export const loginCommand: Command = {
  name: 'login',
  use: 'login [OPTIONS] [SERVER]',
  short: 'Authenticate to a registry',
  category: 'common',
  flags: [
    { name: 'password', short: 'p', kind: 'string', help: 'Password or Personal Access Token (PAT)' },
    { name: 'password-stdin', kind: 'bool', help: 'Take the Password or Personal Access Token (PAT) from stdin' },
    { name: 'username', short: 'u', kind: 'string', help: 'Username' },
  ],
  args: { max: 1 },
  async run(ctx, flags, args) {
    let username = flags.string('username').trim();
    let password = flags.string('password');
    if (flags.bool('password-stdin')) {
      if (password !== '') throw new Error('--password and --password-stdin are mutually exclusive');
      if (username === '') throw new Error('Must provide --username with --password-stdin');
      password = await readAll(ctx);
    } else if (password !== '') {
      ctx.err.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    }
    const server = serverAddress(args[0]);
    const store = await CredentialStore.open(ctx.env);
    const stored = await store.get(server);

    let auth: AuthConfig | undefined;
    let identityToken: string | undefined;
    if (username === '' && password === '' && (stored.username || stored.identitytoken)) {
      // docker tries what it already has before asking.
      ctx.out.write(`Authenticating with existing credentials...${stored.username ? ` [Username: ${stored.username}]` : ''}\n`);
      try {
        identityToken = (await ctx.client().auth.login(stored)).IdentityToken;
        auth = stored;
      } catch (err) {
        ctx.err.write(`Login did not succeed, error: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
    if (!auth) {
      if (username === '' || password === '') {
        if (!ctx.in.isTerminal) throw new Error('Error: Cannot perform an interactive login from a non TTY device');
        if (username === '') {
          ctx.out.write(stored.username ? `Username (${stored.username}): ` : 'Username: ');
          username = (await readLine(ctx.in.stream)).trim() || stored.username || '';
          if (username === '') throw new Error('Error: Non-null Username Required');
        }
        if (password === '') {
          ctx.out.write('Password: ');
          password = await readPassword(ctx.in);
          ctx.out.write('\n');
          if (password === '') throw new Error('Error: Password Required');
        }
      }
      auth = { username, password, serveraddress: server };
      identityToken = (await ctx.client().auth.login(auth)).IdentityToken;
    }
    const toStore: AuthConfig = { ...auth, serveraddress: server };
    if (identityToken) {
      delete toStore.password;
      toStore.identitytoken = identityToken;
    }
    if (await store.store(toStore)) ctx.err.write(UNENCRYPTED_WARNING(store.configPath));
    ctx.out.write('Login Succeeded\n');
    return 0;
  },
};

export const logoutCommand: Command = {
  name: 'logout',
  use: 'logout [SERVER]',
  short: 'Log out from a registry',
  category: 'common',
  args: { max: 1 },
  async run(ctx, _flags, args) {
    const isDefault = !args[0];
    const server = args[0] || INDEX_SERVER;
    const host = isDefault ? server : convertToHostname(server);
    const candidates = isDefault ? [server] : [...new Set([server, host, `http://${host}`, `https://${host}`])];
    ctx.out.write(`Removing login credentials for ${host}\n`);
    const store = await CredentialStore.open(ctx.env);
    const errors: string[] = [];
    for (const c of candidates) {
      try {
        await store.erase(c);
      } catch (err) {
        errors.push(`${c}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (errors.length === candidates.length && store.helperFor(server)) {
      ctx.err.write(`WARNING: could not erase credentials:\n${errors.join('\n')}\n`);
    }
    return 0;
  },
};

/** --password-stdin: everything on stdin, without the trailing newline. */
async function readAll(ctx: CliContext): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of ctx.in.stream) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts).toString('utf8').replace(/\r?\n$/, '').replace(/\r$/, '');
}
