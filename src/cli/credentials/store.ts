// Where the CLI keeps registry credentials (docker's cli/config/credentials): a credential
// helper when configured (`credHelpers` for the registry, else `credsStore`), speaking the
// docker-credential-helpers protocol through `docker-credential-<name> get|store|erase`;
// otherwise base64 "auth" entries in config.json. Pull and push send the result in
// X-Registry-Auth.
import { spawn } from 'node:child_process';
import type { AuthConfig } from '../../client/auth.ts';
import { ConfigFile, type StoredAuth } from './config-file.ts';

/** Docker Hub's key in `auths` (registry.IndexServer). */
export const INDEX_SERVER = 'https://index.docker.io/v1/';
const TOKEN_USERNAME = '<token>';
const NOT_FOUND = 'credentials not found in native keychain';

/** Runs a helper: `docker-credential-<name> <action>` with `input` on stdin; returns stdout. */
export type HelperRunner = (name: string, action: 'get' | 'store' | 'erase', input: string, env: Record<string, string | undefined>) => Promise<string>;

/** credentials.ConvertToHostname: "https://host:5000/v1/" → "host:5000". */
export function convertToHostname(s: string): string {
  return s.replace(/^https?:\/\//, '').split('/')[0]!;
}

/** The `auths` key for a registry named in a reference ("docker.io" → Docker Hub's index URL). */
export function serverKey(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? INDEX_SERVER : registry;
}

export class CredentialStore {
  private readonly file: ConfigFile;
  private readonly env: Record<string, string | undefined>;
  private readonly run: HelperRunner;

  constructor(file: ConfigFile, env: Record<string, string | undefined>, run: HelperRunner = runHelper) {
    this.file = file;
    this.env = env;
    this.run = run;
  }

  static async open(env: Record<string, string | undefined>, run?: HelperRunner): Promise<CredentialStore> {
    return new CredentialStore(await ConfigFile.load(env), env, run);
  }

  get configPath(): string {
    return this.file.path;
  }

  /** The helper in charge of `server`, if any. */
  helperFor(server: string): string | undefined {
    const d = this.file.data;
    return d.credHelpers?.[convertToHostname(server)] || d.credsStore || undefined;
  }

  /** Credentials for `server` (an `auths` key); empty (with serveraddress) when there are none. */
  async get(server: string): Promise<AuthConfig> {
    const stored = this.fromFile(server);
    const helper = this.helperFor(server);
    if (!helper) return toAuthConfig(stored, server);
    const out = await this.run(helper, 'get', server, this.env).catch((err: unknown) => {
      if (err instanceof Error && err.message.includes(NOT_FOUND)) return '';
      throw err;
    });
    const base: AuthConfig = { serveraddress: server, ...(stored.email ? { email: stored.email } : {}) };
    if (out.trim() === '') return base;
    const creds = JSON.parse(out) as { Username?: string; Secret?: string };
    if (creds.Username === TOKEN_USERNAME) return { ...base, identitytoken: creds.Secret ?? '' };
    return { ...base, username: creds.Username ?? '', password: creds.Secret ?? '' };
  }

  /** Saves credentials; returns true when they went into config.json in plain text. */
  async store(a: AuthConfig): Promise<boolean> {
    const server = a.serveraddress ?? INDEX_SERVER;
    const helper = this.helperFor(server);
    if (helper) {
      const secret = a.identitytoken ? { Username: TOKEN_USERNAME, Secret: a.identitytoken } : { Username: a.username ?? '', Secret: a.password ?? '' };
      await this.run(helper, 'store', JSON.stringify({ ServerURL: server, ...secret }), this.env);
      // The file keeps an entry (email only), as docker's native store does.
      this.file.auths[server] = a.email ? { email: a.email } : {};
      await this.file.save();
      return false;
    }
    const entry: StoredAuth = {};
    if (a.username || a.password) entry.auth = Buffer.from(`${a.username ?? ''}:${a.password ?? ''}`).toString('base64');
    if (a.identitytoken) {
      entry.auth = Buffer.from(`${a.username ?? ''}:`).toString('base64');
      entry.identitytoken = a.identitytoken;
    }
    if (a.email) entry.email = a.email;
    this.file.auths[server] = entry;
    await this.file.save();
    return true;
  }

  async erase(server: string): Promise<void> {
    const helper = this.helperFor(server);
    if (helper) await this.run(helper, 'erase', server, this.env);
    if (this.file.data.auths && server in this.file.data.auths) {
      delete this.file.data.auths[server];
      await this.file.save();
    } else if (!helper) {
      throw new Error(`${server}: not logged in`);
    }
  }

  private fromFile(server: string): StoredAuth {
    const auths = this.file.data.auths ?? {};
    if (auths[server]) return auths[server];
    for (const [k, v] of Object.entries(auths)) if (convertToHostname(k) === server) return v;
    return {};
  }
}

function toAuthConfig(s: StoredAuth, server: string): AuthConfig {
  const out: AuthConfig = { serveraddress: server };
  if (s.auth) {
    const plain = Buffer.from(s.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i >= 0) {
      out.username = plain.slice(0, i);
      out.password = plain.slice(i + 1);
    }
  } else {
    if (s.username) out.username = s.username;
    if (s.password) out.password = s.password;
  }
  if (s.identitytoken) {
    out.identitytoken = s.identitytoken;
    delete out.password;
  }
  if (s.registrytoken) out.registrytoken = s.registrytoken;
  if (s.email) out.email = s.email;
  return out;
}

/** The helper protocol: errors are the helper's stdout (its message), exit status non-zero. */
export function runHelper(name: string, action: string, input: string, env: Record<string, string | undefined>): Promise<string> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(new Error(e.code === 'ENOENT' ? `error getting credentials - err: exec: "${program}": executable file not found in $PATH, out: \`\`` : e.message));
    });
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0) resolve(stdout);
      else reject(new Error((stdout.trim() || Buffer.concat(err).toString('utf8').trim() || `${program} ${action} exited with status ${code}`)));
    });
    child.stdin.on('error', () => {}); // a helper that exits without reading
    child.stdin.end(input);
  });
}

/** The X-Registry-Auth value for a registry ("docker.io", "127.0.0.1:5000"). */
export async function registryAuthFor(env: Record<string, string | undefined>, registry: string): Promise<AuthConfig> {
  const store = await CredentialStore.open(env);
  return store.get(serverKey(registry));
}
