// /networks/*: parse, call one networks-service method, serialize.
import { invalidParameter, notFound } from '../../lib/errors.ts';
import type { RouteTable } from '../context.ts';
import type {
  NetworkConnectRequest,
  NetworkCreateRequest,
  NetworkCreateResponse,
  NetworkDisconnectRequest,
  NetworkPruneResponse,
  NetworkResource,
} from '../../network/types.ts';

/** What the network routes need (the networks service implements it). */
export interface NetworkBackend {
  list(filters: Map<string, string[]>): NetworkResource[];
  inspect(ref: string): NetworkResource;
  create(req: NetworkCreateRequest): Promise<NetworkCreateResponse>;
  remove(ref: string): Promise<void>;
  prune(filters: Map<string, string[]>): Promise<NetworkPruneResponse>;
  connect(ref: string, body: NetworkConnectRequest): Promise<void>;
  disconnect(ref: string, body: NetworkDisconnectRequest): Promise<void>;
}

async function objectBody<T>(body: Promise<unknown>): Promise<T> {
  const b = await body;
  if (b === undefined || b === null) return {} as T;
  if (typeof b !== 'object' || Array.isArray(b)) throw invalidParameter('invalid JSON: the body must be an object');
  return b as T;
}

export function registerNetworkRoutes(routes: RouteTable, n: NetworkBackend): void {
  routes.add('GET', '/networks', async (ctx) => ctx.json(n.list(ctx.filters())));

  routes.add('POST', '/networks/create', async (ctx) => {
    ctx.json(await n.create(await objectBody<NetworkCreateRequest>(ctx.jsonBody())), 201);
  });

  routes.add('POST', '/networks/prune', async (ctx) => ctx.json(await n.prune(ctx.filters())));

  routes.add('GET', '/networks/{id}', async (ctx) => {
    const scope = ctx.query.get('scope');
    const net = n.inspect(ctx.params.id!);
    if (scope && scope !== net.Scope) throw notFound(`network ${ctx.params.id!} not found`);
    ctx.json(net);
  });

  routes.add('DELETE', '/networks/{id}', async (ctx) => {
    await n.remove(ctx.params.id!);
    ctx.noContent();
  });

  routes.add('POST', '/networks/{id}/connect', async (ctx) => {
    await n.connect(ctx.params.id!, await objectBody<NetworkConnectRequest>(ctx.jsonBody()));
    ctx.noContent(200);
  });

  routes.add('POST', '/networks/{id}/disconnect', async (ctx) => {
    await n.disconnect(ctx.params.id!, await objectBody<NetworkDisconnectRequest>(ctx.jsonBody()));
    ctx.noContent(200);
  });
}
