// The /v2 URL space. Repository names contain slashes, so a path is read from its end:
// /v2/<name>/manifests/<ref>, /v2/<name>/blobs/uploads/<id>, /v2/<name>/blobs/<digest>, ...
import type { Access } from '../auth/token.ts';
import { checkName } from '../names.ts';

export type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; ref: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'referrers'; name: string; digest: string };

const PATTERNS: Array<[RegExp, (m: RegExpMatchArray) => Route]> = [
  [/^\/v2\/?$/, () => ({ kind: 'base' })],
  [/^\/v2\/_catalog$/, () => ({ kind: 'catalog' })],
  [/^\/v2\/(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1]! })],
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1]! })],
  [/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1]!, id: m[2]! })],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1]!, digest: m[2]! })],
  [/^\/v2\/(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1]!, ref: m[2]! })],
  [/^\/v2\/(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1]!, digest: m[2]! })],
];

/** The route of a decoded path; undefined for paths outside the API. NAME_INVALID for a bad name. */
export function matchRoute(path: string): Route | undefined {
  for (const [re, make] of PATTERNS) {
    const m = path.match(re);
    if (!m) continue;
    const r = make(m);
    if ('name' in r) checkName(r.name);
    return r;
  }
  return undefined;
}

/** The methods each route answers. */
export const METHODS: Record<Route['kind'], readonly string[]> = {
  base: ['GET', 'HEAD'],
  catalog: ['GET'],
  tags: ['GET'],
  manifest: ['GET', 'HEAD', 'PUT', 'DELETE'],
  blob: ['GET', 'HEAD', 'DELETE'],
  uploads: ['POST'],
  upload: ['GET', 'PATCH', 'PUT', 'DELETE'],
  referrers: ['GET'],
};

/** The access a request needs, in the token spec's terms (a push also needs pull, as in distribution). */
export function neededAccess(route: Route, method: string): Access[] {
  if (route.kind === 'base') return [];
  if (route.kind === 'catalog') return [{ type: 'registry', name: 'catalog', actions: ['*'] }];
  const repo = (actions: string[]): Access[] => [{ type: 'repository', name: route.name, actions }];
  if (method === 'DELETE' && (route.kind === 'manifest' || route.kind === 'blob')) return repo(['delete']);
  if (method === 'GET' || method === 'HEAD') return route.kind === 'upload' ? repo(['pull', 'push']) : repo(['pull']);
  return repo(['pull', 'push']);
}
