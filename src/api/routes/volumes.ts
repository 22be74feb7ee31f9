// /volumes routes: parse, call one volume-service function, serialize.
import type { RouteTable } from '../context.ts';
import { invalidParameter } from '../../lib/errors.ts';
import { listVolumes, pruneVolumes } from '../../volume/list.ts';
import type { VolumeService } from '../../volume/service.ts';
import type { VolumeCreateOptions } from '../../volume/types.ts';

export function registerVolumeRoutes(routes: RouteTable, volumes: VolumeService): void {
  routes.add('GET', '/volumes', async (ctx) => ctx.json(listVolumes(volumes, ctx.filters())));

  routes.add('POST', '/volumes/create', async (ctx) => {
    const body = (await ctx.jsonBody()) as VolumeCreateOptions | undefined;
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) throw invalidParameter('invalid JSON: the body must be an object');
    ctx.json(await volumes.create(body ?? {}), 201);
  });

  routes.add('POST', '/volumes/prune', async (ctx) => {
    const filters = ctx.filters();
    // API 1.42 made prune take anonymous volumes only; older clients keep the old meaning.
    if (!ctx.versionAtLeast('1.42') && !filters.has('all')) filters.set('all', ['true']);
    ctx.json(await pruneVolumes(volumes, filters));
  });

  routes.add('GET', '/volumes/{name}', async (ctx) => ctx.json(volumes.inspect(ctx.params.name!)));

  routes.add('DELETE', '/volumes/{name}', async (ctx) => {
    await volumes.remove(ctx.params.name!, { force: ctx.queryBool('force') });
    ctx.noContent();
  });
}
