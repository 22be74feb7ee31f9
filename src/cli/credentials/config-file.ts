// The docker CLI's config file, ~/.docker/config.json ($DOCKER_CONFIG/config.json): only the
// credential parts are ours to change (`auths`, read `credsStore`/`credHelpers`); every
// other key is kept as it was. Written atomically with mode 0600, tab-indented as docker does.
import { homedir } from 'node:os';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, messageOf } from '../../lib/errors.ts';
import { writeFileAtomic } from '../../lib/fsutil.ts';

/** One `auths` entry as stored: "auth" is base64("user:password"). */
export interface StoredAuth {
  auth?: string;
  username?: string;
  password?: string;
  email?: string;
  identitytoken?: string;
  registrytoken?: string;
  serveraddress?: string;
}

export interface ConfigFileData {
  auths?: Record<string, StoredAuth>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

export function configDir(env: Record<string, string | undefined>): string {
  return env['DOCKER_CONFIG'] || join(env['HOME'] || homedir(), '.docker');
}

export class ConfigFile {
  readonly path: string;
  data: ConfigFileData = {};

  constructor(dir: string) {
    this.path = join(dir, 'config.json');
  }

  static async load(env: Record<string, string | undefined>): Promise<ConfigFile> {
    const f = new ConfigFile(configDir(env));
    let text: string;
    try {
      text = await readFile(f.path, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return f;
      throw new Error(`loading config file: ${messageOf(err)}`);
    }
    if (text.trim() === '') return f;
    try {
      const doc = JSON.parse(text) as unknown;
      if (doc && typeof doc === 'object' && !Array.isArray(doc)) f.data = doc as ConfigFileData;
    } catch (err) {
      throw new Error(`loading config file: ${f.path}: ${messageOf(err)}`);
    }
    return f;
  }

  get auths(): Record<string, StoredAuth> {
    this.data.auths ??= {};
    return this.data.auths;
  }

  async save(): Promise<void> {
    await mkdir(join(this.path, '..'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path, `${JSON.stringify(this.data, null, '\t')}\n`, 0o600);
  }
}
