// Containers as the networks service sees them (network/deps.ts's ContainerNet and
// ContainerLookup): names, hostname, ports and DNS settings of a record, and its lock.
import type { ContainerLookup, ContainerNet } from '../network/deps.ts';
import type { ContainerNetworkInfo } from '../network/settings.ts';
import type { ContainerRecord } from './model.ts';
import type { ContainerService } from './service.ts';

export function networkView(svc: ContainerService, rec: ContainerRecord): ContainerNet {
  const h = rec.hostConfig;
  return {
    id: rec.id,
    name: rec.name.slice(1),
    hostname: rec.config.Hostname || rec.id.slice(0, 12),
    domainname: rec.config.Domainname ?? '',
    running: rec.state.Running,
    removing: rec.state.Status === 'removing' || rec.state.Dead,
    networkMode: rec.networkMode,
    exposedPorts: rec.config.ExposedPorts ?? {},
    portBindings: h.PortBindings ?? {},
    publishAll: h.PublishAllPorts ?? false,
    extraHosts: h.ExtraHosts ?? [],
    dns: h.Dns ?? [],
    dnsSearch: h.DnsSearch ?? [],
    dnsOptions: h.DnsOptions ?? [],
    dir: svc.containerDir(rec.id),
  };
}

export function networkInfo(rec: ContainerRecord): ContainerNetworkInfo {
  return {
    id: rec.id,
    name: rec.name.slice(1),
    hostname: rec.config.Hostname || rec.id.slice(0, 12),
    running: rec.state.Running && !rec.state.Restarting,
    pid: rec.state.Pid,
    networkMode: rec.networkMode,
    exposedPorts: rec.config.ExposedPorts ?? {},
  };
}

export function containerLookup(svc: ContainerService): ContainerLookup {
  return {
    resolve: (ref) => networkView(svc, svc.records.resolve(ref)),
    get: (id) => {
      const rec = svc.records.get(id);
      return rec ? networkView(svc, rec) : undefined;
    },
    withLock: (id, fn) => svc.withLock(id, fn),
  };
}
