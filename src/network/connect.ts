// POST /networks/{id}/connect and /disconnect for one container, under its lock: a created
// container's wish is recorded (applied at start); a running one gets (or loses) a veth, an
// address and its /etc/hosts line at once, as dockerd does it live.
import { conflict, forbidden, invalidParameter, messageOf, notFound, systemError } from '../lib/errors.ts';
import { tx } from '../store/db.ts';
import type { ContainerNet } from './deps.ts';
import { CONFLICT_HOST, CONFLICT_NONE, CONFLICT_SHARED, endpointRequest, NetworkSetupError, validateEndpoint } from './endpoint-config.ts';
import { rewriteHosts } from './etc-files.ts';
import { parseNetworkMode } from './mode.ts';
import type { Attachment, NetworkRecord } from './records.ts';
import { addressesOf, allocate, bindings, endpointSpec, extraHosts } from './sandbox.ts';
import type { NetworkService } from './service.ts';
import type { EndpointSettings } from './types.ts';

async function refreshHosts(svc: NetworkService, c: ContainerNet): Promise<void> {
  const ips = addressesOf(svc.records.attachmentsOf(c.id).map((a) => a.endpoint));
  await rewriteHosts(c.dir, { hostname: c.hostname, ...(c.domainname ? { domainname: c.domainname } : {}), ips, extraHosts: extraHosts(svc, c) });
}

/** POST /networks/{id}/connect for one container, under its lock. */
export async function connectContainer(svc: NetworkService, containerId: string, n: NetworkRecord, cfg: Partial<EndpointSettings>): Promise<void> {
  const c = svc.containers.get(containerId);
  if (!c) throw notFound(`No such container: ${containerId}`);
  if (c.removing) throw conflict(`Container ${c.id} is marked for removal and cannot be connected or disconnected to the network`);
  const mode = parseNetworkMode(c.networkMode).mode;
  if (mode.kind === 'container') throw invalidParameter(CONFLICT_SHARED);
  if (mode.kind === 'host' || n.driver === 'host') throw invalidParameter(CONFLICT_HOST);
  const atts = svc.records.attachmentsOf(c.id);
  if (atts.some((a) => a.networkId === n.id)) throw forbidden(`endpoint with name ${c.name} already exists in network ${n.name}`);
  const onNone = atts.some((a) => svc.records.get(a.networkId)?.driver === 'null');
  if (mode.kind === 'none' || onNone || n.driver === 'null') throw invalidParameter(CONFLICT_NONE);
  const req = endpointRequest(cfg);
  validateEndpoint(n, req);
  const att: Attachment = { containerId: c.id, networkId: n.id, networkName: n.name, seq: svc.records.nextSeq(c.id), config: req, endpoint: null };
  const netns = svc.records.sandbox(c.id);
  if (!c.running || !netns || !n.bridge) {
    tx(svc.deps.db, () => svc.records.putAttachment(att));
    return;
  }
  const used = new Set(atts.map((a) => a.endpoint?.ifName));
  let k = 0;
  while (used.has(`eth${k}`)) k++;
  const hasRoute = atts.some((a) => a.endpoint?.ifName && !svc.records.get(a.networkId)?.internal);
  tx(svc.deps.db, () => {
    att.endpoint = allocate(svc, c.id, n, att, `eth${k}`);
    svc.records.putAttachment(att);
  });
  try {
    await svc.deps.dataPlane.connect(svc.spec(n), endpointSpec(c.id, netns, att.endpoint!, !hasRoute && !n.internal));
  } catch (err) {
    await svc.deps.dataPlane.disconnect(svc.spec(n), endpointSpec(c.id, netns, att.endpoint!, false)).catch(() => {});
    tx(svc.deps.db, () => {
      svc.records.deleteAttachment(c.id, n.id);
      svc.records.releaseLease(n.id, c.id);
    });
    throw err instanceof NetworkSetupError ? err : systemError(`failed to connect container ${c.name} to network ${n.name}: ${messageOf(err)}`, err);
  }
  svc.names.changed();
  await refreshHosts(svc, c);
  svc.emit(n, 'connect', { container: c.id });
}

/** POST /networks/{id}/disconnect for one container, under its lock. */
export async function disconnectContainer(svc: NetworkService, containerId: string, ref: string, force: boolean): Promise<void> {
  const c = svc.containers.get(containerId);
  if (!c) throw notFound(`No such container: ${containerId}`);
  const n = svc.records.find(ref);
  const att = svc.records.attachmentsOf(c.id).find((a) => (n ? a.networkId === n.id : a.networkName === ref));
  if (!c.running || !att?.endpoint || (!n && force)) {
    if (!att) {
      if (!n && !force) throw notFound(`network ${ref} not found`);
      throw systemError(`container ${c.id} is not connected to network ${n?.name ?? ref}`);
    }
    tx(svc.deps.db, () => svc.records.deleteAttachment(c.id, att.networkId));
    return;
  }
  if (!n) throw notFound(`network ${ref} not found`);
  if (parseNetworkMode(c.networkMode).mode.kind === 'host' && n.driver === 'host') throw invalidParameter(CONFLICT_HOST);
  const ep = att.endpoint;
  const netns = svc.records.sandbox(c.id);
  if (n.bridge && netns) {
    const spec = endpointSpec(c.id, netns, ep, false);
    if (ep.ports.length > 0) {
      await svc.deps.dataPlane.unpublish(svc.spec(n), spec, bindings(ep, ep.ports));
      svc.ports.release(c.id, ep.ports);
    }
    await svc.deps.dataPlane.disconnect(svc.spec(n), spec);
  }
  tx(svc.deps.db, () => {
    svc.records.deleteAttachment(c.id, n.id);
    svc.records.releaseLease(n.id, c.id);
  });
  svc.names.changed();
  await refreshHosts(svc, c);
  svc.emit(n, 'disconnect', { container: c.id });
}
