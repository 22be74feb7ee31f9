// An htpasswd file of bcrypt entries ("user:$2y$..."), as Apache's `htpasswd -B` writes and
// distribution's htpasswd auth reads. bcrypt costs ~150 ms a check, and clients send Basic
// credentials with every request, so a verified password is remembered (as its sha256) until
// the file changes.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { writeFileAtomic } from '../../../lib/fsutil.ts';

const BCRYPT_RE = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

export function parseHtpasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const hash = line.slice(i + 1);
    // Only bcrypt, as distribution: MD5/SHA1/crypt entries are too weak to honour.
    if (BCRYPT_RE.test(hash)) users.set(line.slice(0, i), hash);
  }
  return users;
}

export class Htpasswd {
  readonly path: string;
  private users = new Map<string, string>();
  private loadedMtime = -1;
  private checkedAt = 0;
  private readonly verified = new Map<string, Buffer>();

  constructor(path: string) {
    this.path = path;
  }

  /** Re-reads the file when it changed (looked at no more than once a second). */
  private async refresh(): Promise<void> {
    const now = Date.now();
    if (now - this.checkedAt < 1000 && this.loadedMtime >= 0) return;
    this.checkedAt = now;
    const st = await stat(this.path);
    if (st.mtimeMs === this.loadedMtime) return;
    this.users = parseHtpasswd(await readFile(this.path, 'utf8'));
    this.loadedMtime = st.mtimeMs;
    this.verified.clear();
  }

  async verify(user: string, password: string): Promise<boolean> {
    await this.refresh();
    const hash = this.users.get(user);
    if (!hash) {
      // Spend the same time as for a known user, so the answer does not tell which users exist.
      await bcrypt.compare(password, DUMMY_HASH);
      return false;
    }
    const fp = createHash('sha256').update(`${hash}\0${password}`).digest();
    const known = this.verified.get(user);
    if (known && timingSafeEqual(known, fp)) return true;
    if (!(await bcrypt.compare(password, hash))) return false;
    this.verified.set(user, fp);
    return true;
  }
}

const DUMMY_HASH = '$2b$10$hXgWpHPac.EojmK5oTxKyO.8dYW7XvFHUj9SU0PlWcbtLD0yW2zJa';

/** Adds or replaces `user` in an htpasswd file (created when missing), crash-safely. */
export async function setHtpasswdUser(path: string, user: string, password: string, cost = 10): Promise<void> {
  if (user === '' || user.includes(':') || /\s/.test(user)) throw new Error(`invalid user name ${JSON.stringify(user)}`);
  const text = await readFile(path, 'utf8').catch(() => '');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(`${user}:`));
  lines.push(`${user}:${await bcrypt.hash(password, cost)}`);
  await writeFileAtomic(path, `${lines.join('\n')}\n`, 0o600);
}
