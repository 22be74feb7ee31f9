// `make build`: bundles wharfd (src/daemon/main.ts, every module it imports and the pure-JS npm
// packages they use) into one file, dist/wharfd.mjs, so the daemon starts without resolving,
// reading and linking ~270 modules one by one (100-300 ms of its start-up on this machine, and
// ~15 MB of its memory). koffi (a native addon, loaded through createRequire) stays in node_modules.
//
// The bundle's first line lists every file bundled with its size and mtime. src/daemon/bundle.ts
// runs the bundle only when all of them are unchanged, so it is never stale: after an edit, a
// checkout or a deleted file the daemon runs from src/ until the next build. A file modified while
// esbuild read it would make the list lie, so such a build is thrown away and done again. List
// and code are one file, renamed into place whole: builds running at the same time cannot pair
// one's list with another's code.
//
// Inside the bundle, each module's import.meta.url is its source file's URL, as when it runs
// from src/: workers (new URL('./x-worker.ts', import.meta.url)), createRequire and paths
// relative to a module resolve exactly as before.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'wharfd.mjs');
const tmp = `${out}.${process.pid}.tmp`;
/** Must match src/daemon/bundle.ts. */
const MARK = '// wharfd-inputs ';
/** File times lag the clock by up to a tick: a file this close to the build's start counts as changed during it. */
const CLOCK_SLACK_MS = 50;

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

/** Builds into `tmp`; returns the input list, or undefined when a file changed during the build. */
async function bundleOnce() {
  const started = Date.now();
  const result = await build({
    entryPoints: [join(root, 'src/daemon/main.ts')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    external: ['koffi'],
    // Function and class names as in the sources (errors, logs and stack traces show them).
    keepNames: true,
    // The first line is a placeholder for the input list (one line: the source map's lines hold);
    // `require` for the CommonJS packages bundled (ws), as in node_modules.
    banner: { js: `${MARK}\nimport { createRequire as __wharfCreateRequire } from 'node:module';\nconst require = __wharfCreateRequire(import.meta.url);` },
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [sourceUrls],
  });
  const inputs = [];
  for (const path of Object.keys(result.metafile.inputs)) {
    const rel = relative(root, resolve(root, path));
    const s = statSync(join(root, rel));
    if (s.mtimeMs > started - CLOCK_SLACK_MS) return undefined;
    inputs.push([rel, s.mtimeMs, s.size]);
  }
  return inputs;
}

const started = performance.now();
mkdirSync(dist, { recursive: true });
try {
  let inputs;
  for (let attempt = 0; attempt < 3 && !inputs; attempt++) inputs = await bundleOnce();
  if (!inputs) {
    process.stderr.write('build: sources kept changing during the build; dist/wharfd.mjs left as it was (wharfd runs from src/ while it does not match)\n');
  } else {
    install(inputs);
  }
} finally {
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.map`, { force: true });
}

/** Puts the input list on the bundle's first line and renames it into place. */
function install(inputs) {
  const code = readFileSync(tmp, 'utf8');
  if (!code.startsWith(`${MARK}\n`)) throw new Error('build: the bundle does not start with the inputs placeholder');
  const body = code.slice(MARK.length + 1).replace(/\/\/# sourceMappingURL=\S+\s*$/, '//# sourceMappingURL=wharfd.mjs.map\n');
  writeFileSync(tmp, `${MARK}${JSON.stringify(inputs)}\n${body}`);
  renameSync(`${tmp}.map`, `${out}.map`);
  renameSync(tmp, out);
  const kb = (statSync(out).size / 1024).toFixed(0);
  process.stderr.write(`build: ${relative(root, out)} (${inputs.length} files, ${kb} KiB) in ${(performance.now() - started).toFixed(0)} ms\n`);
}
