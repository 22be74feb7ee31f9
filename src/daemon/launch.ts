// bin/wharfd's entry: runs the bundled daemon (dist/wharfd.mjs, `make build`) when it was built
// from exactly the sources present now (bundle.ts), else main.ts from src/. The bundle starts
// faster: one module instead of ~250 to resolve, read and link. WHARFD_FROM_SOURCE=1 always runs src/.
import { BUNDLE_PATH, bundleFresh } from './bundle.ts';

const root = new URL('../../', import.meta.url);
const fromSource = ['1', 'true', 'yes'].includes(process.env['WHARFD_FROM_SOURCE'] ?? '');
await import(!fromSource && bundleFresh(root) ? new URL(BUNDLE_PATH, root).href : './main.ts');
