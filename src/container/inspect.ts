// GET /containers/{id}/json: the full ContainerJSON in dockerd's field order.
import { etcPaths } from '../network/etc-files.ts';
import { mountsForApi } from '../volume/mounts.ts';
import { configForInspect } from './config.ts';
import { hostConfigForInspect } from './hostconfig.ts';
import type { ContainerRecord } from './model.ts';
import type { ContainerService } from './service.ts';
import { networkInfo } from './network-view.ts';
import type { ContainerInspect, ContainerState, NetworkSettings } from './types.ts';

/** As dockerd: only json-file's file is shown; local's files are not an API. */
function logPath(svc: ContainerService, rec: ContainerRecord): string {
  const lc = svc.logConfig(rec);
  return lc.driver === 'json-file' ? lc.path : '';
}

export async function inspectContainer(svc: ContainerService, ref: string, opts: { size: boolean }): Promise<ContainerInspect> {
  const rec = svc.records.resolve(ref);
  const peer = rec.networkMode.startsWith('container:') ? svc.records.get(rec.networkMode.slice(10)) : undefined;
  const etc = etcPaths(svc.containerDir(peer?.id ?? rec.id));
  const out: ContainerInspect = {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: stateForInspect(rec.state),
    Image: rec.imageId,
    ResolvConfPath: etc.resolvConfPath,
    HostnamePath: etc.hostnamePath,
    HostsPath: etc.hostsPath,
    LogPath: logPath(svc, rec),
    Name: rec.name,
    RestartCount: rec.restartCount,
    Driver: svc.deps.snapshotter.driverName,
    Platform: rec.platform,
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: svc.execIdsOf(rec.id),
    HostConfig: hostConfigForInspect(rec.hostConfig),
    GraphDriver: await graphDriver(svc, rec),
    Mounts: mountsForApi(rec.mountPoints),
    Config: configForInspect(rec.config),
    NetworkSettings: networkSettings(svc, rec),
  };
  if (opts.size) {
    const sizes = await svc.sizes(rec);
    out.SizeRw = sizes.rw;
    out.SizeRootFs = sizes.rootFs;
    // dockerd places the sizes after GraphDriver; rebuild to keep that order.
    const { Mounts, Config, NetworkSettings: ns, ...head } = out;
    return { ...head, Mounts, Config, NetworkSettings: ns };
  }
  return out;
}

function stateForInspect(s: ContainerState): ContainerState {
  const out: ContainerState = {
    Status: s.Status,
    Running: s.Running,
    Paused: s.Paused,
    Restarting: s.Restarting,
    OOMKilled: s.OOMKilled,
    Dead: s.Dead,
    Pid: s.Pid,
    ExitCode: s.ExitCode,
    Error: s.Error,
    StartedAt: s.StartedAt,
    FinishedAt: s.FinishedAt,
  };
  if (s.Health) out.Health = s.Health;
  return out;
}

async function graphDriver(svc: ContainerService, rec: ContainerRecord): Promise<ContainerInspect['GraphDriver']> {
  const name = svc.deps.snapshotter.driverName;
  try {
    const [m] = await svc.deps.snapshotter.mounts(rec.snapshotKey);
    const data: Record<string, string> = {};
    for (const o of m?.options ?? []) {
      const [k, v] = o.split('=', 2) as [string, string | undefined];
      if (k === 'lowerdir' && v) data['LowerDir'] = v;
      if (k === 'upperdir' && v) data['UpperDir'] = v;
      if (k === 'workdir' && v) data['WorkDir'] = v;
    }
    if (!data['UpperDir']) data['UpperDir'] = await svc.deps.snapshotter.diffDir(rec.snapshotKey);
    data['MergedDir'] = svc.rootfsDir(rec.id);
    return { Data: data, Name: name };
  } catch {
    return { Data: null, Name: name };
  }
}

/** dockerd fills the deprecated top-level fields from the default bridge's endpoint. */
function networkSettings(svc: ContainerService, rec: ContainerRecord): NetworkSettings {
  const s = svc.deps.network.settings(networkInfo(rec));
  const b = s.bridge;
  return {
    Bridge: '',
    SandboxID: s.sandboxId,
    SandboxKey: s.sandboxKey,
    Ports: s.ports,
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: b?.EndpointID ?? '',
    Gateway: b?.Gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: b?.IPAddress ?? '',
    IPPrefixLen: b?.IPPrefixLen ?? 0,
    IPv6Gateway: '',
    MacAddress: b?.MacAddress ?? '',
    Networks: s.networks,
  };
}
