// HEAD/GET/PUT /containers/{id}/archive: a path's stat in the X-Docker-Container-Path-Stat
// header (base64 JSON), a tar of it, or a tar extracted into it.
import type { Readable } from 'node:stream';
import { invalidParameter } from '../../lib/errors.ts';
import type { ContainerPathStat } from '../../container/archive-stat.ts';
import type { RequestContext, RouteTable } from '../context.ts';

export interface ArchiveBackend {
  archiveStat(ref: string, path: string): Promise<ContainerPathStat>;
  /** The stat, and the tar of the path (its members named from the path's base name). */
  archive(ref: string, path: string): Promise<{ stat: ContainerPathStat; tar: Readable }>;
  extractArchive(ref: string, path: string, body: AsyncIterable<Uint8Array>, opts: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }): Promise<void>;
}

export const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

export function registerArchiveRoutes(routes: RouteTable, c: ArchiveBackend): void {
  routes.add('HEAD', '/containers/{id}/archive', async (ctx) => {
    const stat = await c.archiveStat(ctx.params.id!, pathParam(ctx));
    ctx.res.writeHead(200, { [PATH_STAT_HEADER]: encodeStat(stat), 'Content-Type': 'application/json' });
    ctx.res.end();
  });

  routes.add('GET', '/containers/{id}/archive', async (ctx) => {
    const { stat, tar } = await c.archive(ctx.params.id!, pathParam(ctx));
    ctx.res.writeHead(200, { [PATH_STAT_HEADER]: encodeStat(stat), 'Content-Type': 'application/x-tar' });
    tar.on('error', () => ctx.res.destroy()); // a broken archive must not look complete
    ctx.res.once('close', () => tar.destroy());
    tar.pipe(ctx.res);
    await new Promise<void>((resolve) => ctx.res.once('close', resolve));
  });

  routes.add('PUT', '/containers/{id}/archive', async (ctx) => {
    await c.extractArchive(ctx.params.id!, pathParam(ctx), ctx.bodyStream(), {
      noOverwriteDirNonDir: ctx.queryBool('noOverwriteDirNonDir'),
      copyUIDGID: ctx.queryBool('copyUIDGID'),
    });
    ctx.noContent(200);
  });
}

function pathParam(ctx: RequestContext): string {
  const path = ctx.query.get('path') ?? '';
  if (path === '') throw invalidParameter('bad parameter: path cannot be empty');
  return path;
}

function encodeStat(s: ContainerPathStat): string {
  const json = JSON.stringify({ name: s.name, size: s.size, mode: s.mode, mtime: s.mtime, linkTarget: s.linkTarget });
  return Buffer.from(json).toString('base64');
}
