// Whether dist/wharfd.mjs (written by `make build`, scripts/build.mjs) may run: only when it was
// built from exactly the files present now. Its first line lists every file bundled (sources and
// the npm packages' files) with its size and mtime, none modified while the build read it; any
// difference (an edit, a checkout, npm ci, a deleted file) means the sources run instead, so the
// bundle is never stale.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUNDLE_PATH = 'dist/wharfd.mjs';
/** How the bundle's first line starts (scripts/build.mjs writes it). */
const MARK = '// wharfd-inputs ';
const MAX_LINE = 4 << 20;

/** The bundle's first line (its input list), read without the rest of the file. */
function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(64 << 10);
      const n = readSync(fd, buf, 0, buf.length, total);
      const nl = buf.subarray(0, n).indexOf(10);
      if (nl >= 0) return Buffer.concat([...chunks, buf.subarray(0, nl)]).toString('utf8');
      if (n === 0 || total + n > MAX_LINE) return '';
      chunks.push(buf.subarray(0, n));
      total += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** True when the bundle exists and every file it was made from is unchanged (about 1 ms for ~270 files). */
export function bundleFresh(rootUrl: URL): boolean {
  const root = fileURLToPath(rootUrl);
  try {
    const line = firstLine(join(root, BUNDLE_PATH));
    if (!line.startsWith(MARK)) return false;
    const inputs = JSON.parse(line.slice(MARK.length)) as unknown;
    if (!Array.isArray(inputs) || inputs.length === 0) return false;
    for (const [path, mtimeMs, size] of inputs as [string, number, number][]) {
      const s = statSync(join(root, path));
      if (s.mtimeMs !== mtimeMs || s.size !== size) return false;
    }
    return true;
  } catch {
    return false; // no bundle, or a source file gone
  }
}
