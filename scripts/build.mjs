// `make build`: bundles wharfd (src/daemon/main.ts and every module it imports) into one file,
// dist/wharfd.mjs, so the daemon starts without resolving, reading and linking ~250 modules one
// by one (about 100-300 ms of its start-up on this machine, and ~15 MB of its memory).
//
// The bundle's first line lists every source file bundled, with the size and mtime seen before
// esbuild read it. src/daemon/bundle.ts runs the bundle only when all of them are unchanged, so
// it is never stale: after an edit, a checkout or a deleted file the daemon runs from src/ until
// the next build. List and code are one file, renamed into place whole: builds running at the
// same time cannot pair one's list with another's code.
//
// Inside the bundle, each module's import.meta.url is its source file's URL, as when it runs
// from src/: workers (new URL('./x-worker.ts', import.meta.url)), createRequire and paths
// relative to a module resolve exactly as before. npm packages stay external (node_modules).
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'wharfd.mjs');
const tmp = `${out}.${process.pid}.tmp`;
/** Must match src/daemon/bundle.ts. */
const MARK = '// wharfd-inputs ';

/** Size and mtime of every .ts file under src/, taken before the build reads any. */
function statSources() {
  const stats = new Map();
  for (const name of readdirSync(join(root, 'src'), { recursive: true })) {
    if (!name.endsWith('.ts')) continue;
    const rel = join('src', name);
    const s = statSync(join(root, rel));
    stats.set(rel, [s.mtimeMs, s.size]);
  }
  return stats;
}

/** Gives each bundled module its own source URL as import.meta.url. */
const sourceUrls = {
  name: 'source-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = JSON.stringify(relative(dist, args.path));
      return { contents: text.replaceAll('import.meta.url', `new URL(${rel}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

const before = statSources();
const started = performance.now();
mkdirSync(dist, { recursive: true });
const result = await build({
  entryPoints: [join(root, 'src/daemon/main.ts')],
  outfile: tmp,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  packages: 'external',
  // Function and class names as in the sources (errors, logs and stack traces show them).
  keepNames: true,
  // A placeholder first line, replaced by the input list below (so the source map's lines hold).
  banner: { js: MARK },
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [sourceUrls],
});

const inputs = [];
for (const path of Object.keys(result.metafile.inputs)) {
  const rel = relative(root, resolve(root, path));
  if (rel.startsWith('node_modules/')) continue;
  const s = before.get(rel);
  if (!s) throw new Error(`build: ${rel} was bundled but was not there before the build (added meanwhile?)`);
  inputs.push([rel, ...s]);
}
const code = readFileSync(tmp, 'utf8');
if (!code.startsWith(`${MARK}\n`)) throw new Error('build: the bundle does not start with the inputs placeholder');
const body = code.slice(MARK.length + 1).replace(/\/\/# sourceMappingURL=\S+\s*$/, '//# sourceMappingURL=wharfd.mjs.map\n');
writeFileSync(tmp, `${MARK}${JSON.stringify(inputs)}\n${body}`);
renameSync(`${tmp}.map`, `${out}.map`);
renameSync(tmp, out);
const kb = (statSync(out).size / 1024).toFixed(0);
process.stderr.write(`build: ${relative(root, out)} (${inputs.length} modules, ${kb} KiB) in ${(performance.now() - started).toFixed(0)} ms\n`);
