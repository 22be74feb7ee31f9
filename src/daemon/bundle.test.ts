import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { BUNDLE_PATH, bundleFresh } from './bundle.ts';

describe('bundleFresh', () => {
  let dir: string;
  let root: URL;

  /** Writes a bundle whose input list records the sources as they are now. */
  async function writeBundle(sources: string[], firstLine?: string): Promise<void> {
    const inputs = [];
    for (const s of sources) {
      const st = await stat(join(dir, s));
      inputs.push([s, st.mtimeMs, st.size]);
    }
    await mkdir(join(dir, 'dist'), { recursive: true });
    await writeFile(join(dir, BUNDLE_PATH), `${firstLine ?? `// wharfd-inputs ${JSON.stringify(inputs)}`}\nconsole.log('bundle');\n`);
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-bundle-'));
    root = pathToFileURL(`${dir}/`);
    await mkdir(join(dir, 'src/daemon'), { recursive: true });
    await writeFile(join(dir, 'src/daemon/main.ts'), 'export {};\n');
    await writeFile(join(dir, 'src/a.ts'), 'export const a = 1;\n');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is fresh when every bundled source is as the build saw it', async () => {
    await writeBundle(['src/daemon/main.ts', 'src/a.ts']);
    assert.equal(bundleFresh(root), true);
  });

  it('is stale after an edit that changes the size', async () => {
    await writeBundle(['src/daemon/main.ts', 'src/a.ts']);
    await writeFile(join(dir, 'src/a.ts'), 'export const a = 12;\n');
    assert.equal(bundleFresh(root), false);
  });

  it('is stale after an edit of the same size (mtime)', async () => {
    await writeBundle(['src/daemon/main.ts', 'src/a.ts']);
    const later = new Date(Date.now() + 5000);
    await writeFile(join(dir, 'src/a.ts'), 'export const a = 2;\n');
    await utimes(join(dir, 'src/a.ts'), later, later);
    assert.equal(bundleFresh(root), false);
  });

  it('is stale when a bundled source is gone', async () => {
    await writeBundle(['src/daemon/main.ts', 'src/a.ts']);
    await rm(join(dir, 'src/a.ts'));
    assert.equal(bundleFresh(root), false);
  });

  it('is not used without a bundle, or with a first line that is not an input list', async () => {
    assert.equal(bundleFresh(root), false);
    await writeBundle([], '// something else');
    assert.equal(bundleFresh(root), false);
    await writeBundle([], '// wharfd-inputs not json');
    assert.equal(bundleFresh(root), false);
    await writeBundle([]);
    assert.equal(bundleFresh(root), false, 'an empty input list proves nothing');
  });

  it('reads an input list longer than one read', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => `src/f${i}.ts`);
    for (const f of many) await writeFile(join(dir, f), `export const x${f.length} = 1;\n`);
    await writeBundle(many);
    assert.equal(bundleFresh(root), true);
  });
});
