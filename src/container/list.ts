// GET /containers/json: newest first, with all/limit/size and every filter docker documents
// (moby's daemon/list.go): ancestor, before, expose, exited, health, id, isolation, is-task,
// label, name, network, publish, since, status, volume.
import { invalidParameter, notFound } from '../lib/errors.ts';
import { matchLabels } from '../lib/filters.ts';
import { mountsForApi } from '../volume/mounts.ts';
import { portSummaries } from '../network/settings.ts';
import type { PortMap } from '../network/types.ts';
import { networkInfo } from './network-view.ts';
import { statusText, type ContainerRecord } from './model.ts';
import type { ContainerService } from './service.ts';
import type { ContainerSummary } from './types.ts';

export interface ListOptions {
  all: boolean;
  limit?: number | undefined;
  size: boolean;
  filters: Map<string, string[]>;
}

const FILTERS = new Set(['ancestor', 'before', 'expose', 'exited', 'health', 'id', 'isolation', 'is-task', 'label', 'name', 'network', 'publish', 'since', 'status', 'volume']);
const STATUSES = new Set(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']);
const HEALTH = new Set(['starting', 'healthy', 'unhealthy', 'none']);

export async function listContainers(svc: ContainerService, opts: ListOptions): Promise<ContainerSummary[]> {
  const f = opts.filters;
  for (const key of f.keys()) if (!FILTERS.has(key)) throw invalidParameter(`invalid filter '${key}'`);
  for (const s of f.get('status') ?? []) if (!STATUSES.has(s)) throw invalidParameter(`Unrecognised filter value for status: ${s}`);
  for (const s of f.get('health') ?? []) if (!HEALTH.has(s)) throw invalidParameter(`Unrecognised filter value for health: ${s}`);
  const exited = (f.get('exited') ?? []).map((v) => {
    if (!/^-?\d+$/.test(v)) throw invalidParameter(`invalid filter 'exited=${v}'`);
    return Number(v);
  });
  const isTask = f.get('is-task');
  for (const v of isTask ?? []) if (!['true', 'false', '1', '0'].includes(v)) throw invalidParameter(`Invalid filter 'is-task=${v}'`);
  const all = svc.records.all();
  const before = createdOf(svc, f.get('before'), 'before');
  const since = createdOf(svc, f.get('since'), 'since');
  const ancestors = ancestorIds(svc, f.get('ancestor'));
  const showAll = opts.all || (opts.limit ?? 0) > 0 || f.has('status') || before !== undefined || since !== undefined;

  const out: ContainerSummary[] = [];
  for (const rec of all) {
    if (!showAll && !rec.state.Running) continue;
    if (before !== undefined && !isBefore(rec, before)) continue;
    if (since !== undefined && !isBefore(since, rec)) continue;
    if (!matchAny(f.get('id'), (v) => rec.id.startsWith(v) || safeRegex(v).test(rec.id))) continue;
    if (!matchAny(f.get('name'), (v) => safeRegex(v).test(rec.name))) continue;
    if (!matchLabels(rec.config.Labels ?? {}, f.get('label'))) continue;
    if (!matchAny(f.get('status'), (v) => v === rec.state.Status)) continue;
    if (exited.length > 0 && !(rec.state.Status === 'exited' && rec.hasBeenStarted && exited.includes(rec.state.ExitCode))) continue;
    if (!matchAny(f.get('health'), (v) => (rec.state.Health?.Status ?? 'none') === v)) continue;
    if (ancestors && !ancestors.has(rec.imageId)) continue;
    const net = svc.deps.network.settings(networkInfo(rec));
    if (!matchAny(f.get('network'), (v) => Object.entries(net.networks).some(([name, es]) => name === v || (v !== '' && es.NetworkID.startsWith(v))))) continue;
    if (!matchAny(f.get('isolation'), (v) => v === 'default' || v === '')) continue;
    if (isTask?.every((v) => v === 'true' || v === '1')) continue; // no swarm tasks here
    if (!matchAny(f.get('expose'), (v) => exposes(rec, v))) continue;
    if (!matchAny(f.get('publish'), (v) => publishes(net.ports, v))) continue;
    if (!matchAny(f.get('volume'), (v) => rec.mountPoints.some((m) => m.Destination === v || (m.Name || m.Source) === v))) continue;
    out.push(await summary(svc, rec, opts.size, net));
    if (opts.limit !== undefined && opts.limit > 0 && out.length >= opts.limit) break;
  }
  return out;
}

function matchAny(values: string[] | undefined, pred: (v: string) => boolean): boolean {
  return values === undefined || values.length === 0 || values.some(pred);
}

function safeRegex(v: string): RegExp {
  try {
    return new RegExp(v);
  } catch {
    return new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}

function createdOf(svc: ContainerService, refs: string[] | undefined, _what: string): ContainerRecord | undefined {
  if (!refs || refs.length === 0) return undefined;
  const rec = svc.records.find(refs[0]!);
  if (!rec) throw notFound(`No such container: ${refs[0]!}`);
  return rec;
}

/** Creation order with the insertion order breaking ties (records.all() is newest first). */
function isBefore(a: ContainerRecord, b: ContainerRecord): boolean {
  return a.created < b.created || (a.created === b.created && a.id !== b.id && a.id < b.id);
}

/** Images given as ancestors, plus every image built on them (children through `parent`). */
function ancestorIds(svc: ContainerService, refs: string[] | undefined): Set<string> | undefined {
  if (!refs || refs.length === 0) return undefined;
  const images = svc.deps.images;
  const roots = new Set<string>();
  for (const r of refs) {
    const img = images.tryResolve(r);
    if (img) roots.add(img.id);
  }
  const out = new Set<string>();
  for (const rec of svc.records.all()) {
    for (let id: string | null = rec.imageId; id; id = images.records.get(id)?.parent ?? null) {
      if (roots.has(id)) {
        out.add(rec.imageId);
        break;
      }
    }
  }
  return out;
}

/** publish=80, 80/udp or a range: a container port published on the host (moby's PublishPorts). */
function publishes(ports: PortMap, v: string): boolean {
  if (v.includes(':')) throw invalidParameter(`filter for 'publish' should not contain ':': ${v}`);
  const m = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(v);
  if (!m) throw invalidParameter(`invalid filter 'publish=${v}'`);
  const lo = Number(m[1]);
  const hi = Number(m[2] ?? m[1]);
  const proto = m[3] ?? 'tcp';
  return Object.entries(ports).some(([key, bindings]) => {
    const [port = '', pr = 'tcp'] = key.split('/');
    return (bindings ?? []).length > 0 && pr === proto && Number(port) >= lo && Number(port) <= hi;
  });
}

/** expose=80, 80/tcp or a range 8000-8080/tcp. */
function exposes(rec: ContainerRecord, v: string): boolean {
  const m = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(v);
  if (!m) throw invalidParameter(`invalid filter 'expose=${v}'`);
  const lo = Number(m[1]);
  const hi = Number(m[2] ?? m[1]);
  const proto = m[3] ?? 'tcp';
  return Object.keys(rec.config.ExposedPorts ?? {}).some((p) => {
    const [port = '', pr = 'tcp'] = p.split('/');
    return pr === proto && Number(port) >= lo && Number(port) <= hi;
  });
}

async function summary(svc: ContainerService, rec: ContainerRecord, size: boolean, net: ReturnType<ContainerService['deps']['network']['settings']>): Promise<ContainerSummary> {
  const images = svc.deps.images;
  // The name the user gave while it still names the same image, else the image ID (moby).
  let image = rec.image;
  try {
    if (images.tryResolve(rec.image)?.id !== rec.imageId) image = rec.imageId;
  } catch {
    image = rec.imageId;
  }
  const out: ContainerSummary = {
    Id: rec.id,
    Names: [rec.name],
    Image: image,
    ImageID: rec.imageId,
    Command: [rec.path, ...rec.args].join(' '),
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: portSummaries(net.ports),
    Labels: rec.config.Labels ?? {},
    State: rec.state.Status,
    Status: statusText(rec),
    HostConfig: { NetworkMode: rec.hostConfig.NetworkMode || 'default' },
    NetworkSettings: { Networks: net.networks },
    Mounts: mountsForApi(rec.mountPoints),
  };
  if (size) {
    const s = await svc.sizes(rec);
    out.SizeRw = s.rw;
    out.SizeRootFs = s.rootFs;
  }
  return out;
}
