// HostConfig: dockerd's checks (verifyPlatformContainerSettings, adaptContainerSettings),
// the warnings it returns when the kernel cannot enforce a limit, and the normalized form
// inspect shows (every field, in dockerd's order).
import { invalidParameter } from '../lib/errors.ts';
import type { HostConfig, Resources, RestartPolicy } from './types.ts';

/** What the host's cgroups can enforce (daemon/host-facts.ts probes it). */
export interface HostCaps {
  ncpu: number;
  memoryLimit: boolean;
  swapLimit: boolean;
  cpuCfs: boolean;
  cpuShares: boolean;
  cpuset: boolean;
  pidsLimit: boolean;
  oomKillDisable: boolean;
  blkioWeight: boolean;
  blkioThrottle: boolean;
}

const MIN_MEMORY = 6 * 1024 * 1024;
const LOG_DRIVERS = ['json-file', 'local', 'none'];
const LOG_OPTS: Record<string, string[]> = {
  'json-file': ['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag', 'mode', 'max-buffer-size'],
  local: ['max-size', 'max-file', 'compress', 'mode', 'max-buffer-size'],
  none: [],
};

export function normalizeRestartPolicy(p: Partial<RestartPolicy> | undefined, autoRemove: boolean): RestartPolicy {
  const name = (p?.Name ?? '') as RestartPolicy['Name'];
  const count = p?.MaximumRetryCount ?? 0;
  if (!['', 'no', 'always', 'unless-stopped', 'on-failure'].includes(name)) {
    throw invalidParameter(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  if (name === 'on-failure' && count < 0) throw invalidParameter('invalid restart policy: maximum retry count cannot be negative');
  if (name !== 'on-failure' && count !== 0) throw invalidParameter(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  if (autoRemove && name !== '' && name !== 'no') {
    throw invalidParameter("can't create 'AutoRemove' container with restart policy");
  }
  return { Name: name === '' ? 'no' : name, MaximumRetryCount: count };
}

/** Checks resource values; returns the warnings dockerd gives and drops what cannot be enforced. */
export function checkResources(r: Resources, caps: HostCaps, update = false): string[] {
  const w: string[] = [];
  const mem = r.Memory ?? 0;
  if (mem !== 0 && mem < MIN_MEMORY) throw invalidParameter('Minimum memory limit allowed is 6MB');
  if (mem > 0 && !caps.memoryLimit) {
    w.push('Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.');
    r.Memory = 0;
    r.MemorySwap = -1;
  }
  const swap = r.MemorySwap ?? 0;
  if (mem > 0 && swap > 0 && !caps.swapLimit) {
    w.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
    r.MemorySwap = -1;
  } else if (mem > 0 && swap > 0 && swap < mem) {
    throw invalidParameter('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (mem === 0 && swap > 0 && !update) throw invalidParameter('You should always set the Memory limit when using Memoryswap limit, see usage');
  const sw = r.MemorySwappiness;
  if (sw !== undefined && sw !== null && sw !== -1 && (sw < 0 || sw > 100)) {
    throw invalidParameter(`Invalid value: ${sw}, valid memory swappiness range is 0-100`);
  }
  const res = r.MemoryReservation ?? 0;
  if (mem > 0 && res > 0 && mem < res) throw invalidParameter('Minimum memory limit can not be less than memory reservation limit, see usage');
  if (res > 0 && res < MIN_MEMORY) throw invalidParameter('Minimum memory reservation allowed is 6MB');
  if (r.KernelMemory) {
    w.push('Specifying a kernel memory limit is deprecated and will be removed in a future release.');
  }
  if (r.OomKillDisable && !caps.oomKillDisable) {
    w.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
    r.OomKillDisable = false;
  }
  if (r.OomKillDisable && mem === 0) w.push('OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.');
  const nano = r.NanoCpus ?? 0;
  if (nano > 0 && (r.CpuPeriod ?? 0) > 0) throw invalidParameter('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && (r.CpuQuota ?? 0) > 0) throw invalidParameter('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0 || nano > caps.ncpu * 1e9) {
    throw invalidParameter(`Range of CPUs is from 0.01 to ${caps.ncpu}.00, as there are only ${caps.ncpu} CPUs available`);
  }
  if ((r.CpuPeriod ?? 0) !== 0 && ((r.CpuPeriod ?? 0) < 1000 || (r.CpuPeriod ?? 0) > 1_000_000)) {
    throw invalidParameter('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if ((r.CpuQuota ?? 0) > 0 && (r.CpuQuota ?? 0) < 1000) throw invalidParameter('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (r.CpusetCpus && !/^(\d+(-\d+)?)(,\d+(-\d+)?)*$/.test(r.CpusetCpus)) {
    throw invalidParameter(`Invalid value ${r.CpusetCpus} for cpuset cpus`);
  }
  if (r.CpusetCpus && maxCpu(r.CpusetCpus) >= caps.ncpu) {
    throw invalidParameter(`Requested CPUs are not available - requested ${r.CpusetCpus}, available: 0-${caps.ncpu - 1}`);
  }
  if (r.CpusetMems && !/^(\d+(-\d+)?)(,\d+(-\d+)?)*$/.test(r.CpusetMems)) {
    throw invalidParameter(`Invalid value ${r.CpusetMems} for cpuset mems`);
  }
  if ((r.BlkioWeight ?? 0) > 0 && ((r.BlkioWeight ?? 0) < 10 || (r.BlkioWeight ?? 0) > 1000)) {
    throw invalidParameter('Range of blkio weight is from 10 to 1000');
  }
  if ((r.BlkioWeight ?? 0) > 0 && !caps.blkioWeight) {
    w.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    r.BlkioWeight = 0;
  }
  if ((r.BlkioWeightDevice ?? []).length > 0 && !caps.blkioWeight) {
    w.push('Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.');
    r.BlkioWeightDevice = [];
  }
  if ((r.PidsLimit ?? 0) > 0 && !caps.pidsLimit) {
    w.push('Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded.');
    r.PidsLimit = 0;
  }
  return w;
}

function maxCpu(set: string): number {
  return Math.max(...set.split(/[,-]/).map(Number));
}

/** HostConfig checks outside resources; returns the warnings. Mutates `hc` into its stored form. */
export function checkHostConfig(hc: HostConfig, caps: HostCaps): string[] {
  const warnings = checkResources(hc, caps);
  hc.RestartPolicy = normalizeRestartPolicy(hc.RestartPolicy, hc.AutoRemove ?? false);
  const oom = hc.OomScoreAdj ?? 0;
  if (oom < -1000 || oom > 1000) throw invalidParameter(`Invalid value ${oom}, range for oom score adj is [-1000, 1000]`);
  if ((hc.ShmSize ?? 0) < 0) throw invalidParameter('SHM size can not be less than 0');
  for (const mode of [hc.PidMode, hc.IpcMode, hc.UTSMode]) {
    if (mode && !['host', 'private', 'shareable', 'none'].includes(mode) && !mode.startsWith('container:')) {
      throw invalidParameter(`invalid namespace mode: ${mode}`);
    }
  }
  if (hc.UTSMode && hc.UTSMode !== 'host' && hc.UTSMode !== '') throw invalidParameter(`invalid UTS mode: ${hc.UTSMode}`);
  if (hc.CgroupnsMode && !['', 'host', 'private'].includes(hc.CgroupnsMode)) {
    throw invalidParameter(`invalid cgroup namespace mode: ${hc.CgroupnsMode}`);
  }
  if (hc.UsernsMode && hc.UsernsMode !== 'host') throw invalidParameter(`invalid USER mode: ${hc.UsernsMode}`);
  for (const u of hc.Ulimits ?? []) {
    if (u.Soft > u.Hard) throw invalidParameter(`ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`);
  }
  checkLogConfig(hc);
  return warnings;
}

function checkLogConfig(hc: HostConfig): void {
  const type = hc.LogConfig?.Type || 'json-file';
  const cfg = hc.LogConfig?.Config ?? {};
  if (!LOG_DRIVERS.includes(type)) throw invalidParameter(`failed to create container: logger: no log driver named '${type}' is registered`);
  for (const [k, v] of Object.entries(cfg)) {
    if (!(LOG_OPTS[type] ?? []).includes(k)) throw invalidParameter(`unknown log opt '${k}' for ${type} log driver`);
    if (k === 'max-size') parseSize(v);
    if (k === 'max-file' && !(/^\d+$/.test(v) && Number(v) >= 1)) throw invalidParameter('max-file cannot be less than 1');
  }
  if (cfg['max-file'] && Number(cfg['max-file']) > 1 && !cfg['max-size'] && type === 'json-file') {
    throw invalidParameter('max-file cannot be set without max-size');
  }
  hc.LogConfig = { Type: type, Config: cfg };
}

/** go-units RAMInBytes: "10m", "1.5g", "100" (bytes), binary multiples. */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtpKMGTP])?[iI]?[bB]?$/.exec(s.trim());
  if (!m) throw invalidParameter(`invalid size: '${s}'`);
  const mult: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.floor(Number(m[1]) * (m[2] ? (mult[m[2].toLowerCase()] ?? 1) : 1));
}

/** HostConfig with every field, in dockerd's order, as inspect returns it. */
export function hostConfigForInspect(h: HostConfig): HostConfig {
  const a = <T>(v: T[] | null | undefined): T[] | null => v ?? null;
  return {
    Binds: a(h.Binds),
    ContainerIDFile: h.ContainerIDFile ?? '',
    LogConfig: h.LogConfig ?? { Type: 'json-file', Config: {} },
    NetworkMode: h.NetworkMode || 'default',
    PortBindings: h.PortBindings ?? {},
    RestartPolicy: h.RestartPolicy ?? { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: h.AutoRemove ?? false,
    VolumeDriver: h.VolumeDriver ?? '',
    VolumesFrom: a(h.VolumesFrom),
    ConsoleSize: h.ConsoleSize ?? [0, 0],
    ...(h.Annotations ? { Annotations: h.Annotations } : {}),
    CapAdd: a(h.CapAdd),
    CapDrop: a(h.CapDrop),
    CgroupnsMode: h.CgroupnsMode || 'host',
    Dns: h.Dns ?? [],
    DnsOptions: h.DnsOptions ?? [],
    DnsSearch: h.DnsSearch ?? [],
    ExtraHosts: a(h.ExtraHosts),
    GroupAdd: a(h.GroupAdd),
    IpcMode: h.IpcMode || 'private',
    Cgroup: h.Cgroup ?? '',
    Links: a(h.Links),
    OomScoreAdj: h.OomScoreAdj ?? 0,
    PidMode: h.PidMode ?? '',
    Privileged: h.Privileged ?? false,
    PublishAllPorts: h.PublishAllPorts ?? false,
    ReadonlyRootfs: h.ReadonlyRootfs ?? false,
    SecurityOpt: a(h.SecurityOpt),
    ...(h.StorageOpt ? { StorageOpt: h.StorageOpt } : {}),
    ...(h.Tmpfs ? { Tmpfs: h.Tmpfs } : {}),
    UTSMode: h.UTSMode ?? '',
    UsernsMode: h.UsernsMode ?? '',
    ShmSize: h.ShmSize || 64 * 1024 * 1024,
    ...(h.Sysctls ? { Sysctls: h.Sysctls } : {}),
    Runtime: h.Runtime ?? 'runc',
    Isolation: h.Isolation ?? '',
    CpuShares: h.CpuShares ?? 0,
    Memory: h.Memory ?? 0,
    NanoCpus: h.NanoCpus ?? 0,
    CgroupParent: h.CgroupParent ?? '',
    BlkioWeight: h.BlkioWeight ?? 0,
    BlkioWeightDevice: h.BlkioWeightDevice ?? [],
    BlkioDeviceReadBps: h.BlkioDeviceReadBps ?? [],
    BlkioDeviceWriteBps: h.BlkioDeviceWriteBps ?? [],
    BlkioDeviceReadIOps: h.BlkioDeviceReadIOps ?? [],
    BlkioDeviceWriteIOps: h.BlkioDeviceWriteIOps ?? [],
    CpuPeriod: h.CpuPeriod ?? 0,
    CpuQuota: h.CpuQuota ?? 0,
    CpuRealtimePeriod: h.CpuRealtimePeriod ?? 0,
    CpuRealtimeRuntime: h.CpuRealtimeRuntime ?? 0,
    CpusetCpus: h.CpusetCpus ?? '',
    CpusetMems: h.CpusetMems ?? '',
    Devices: h.Devices ?? [],
    DeviceCgroupRules: a(h.DeviceCgroupRules),
    DeviceRequests: a(h.DeviceRequests),
    MemoryReservation: h.MemoryReservation ?? 0,
    MemorySwap: h.MemorySwap ?? 0,
    MemorySwappiness: h.MemorySwappiness ?? null,
    OomKillDisable: h.OomKillDisable ?? null,
    PidsLimit: h.PidsLimit ?? null,
    Ulimits: a(h.Ulimits),
    CpuCount: h.CpuCount ?? 0,
    CpuPercent: h.CpuPercent ?? 0,
    IOMaximumIOps: h.IOMaximumIOps ?? 0,
    IOMaximumBandwidth: h.IOMaximumBandwidth ?? 0,
    ...(h.Mounts && h.Mounts.length > 0 ? { Mounts: h.Mounts } : {}),
    MaskedPaths: a(h.MaskedPaths),
    ReadonlyPaths: a(h.ReadonlyPaths),
    ...(h.Init !== undefined && h.Init !== null ? { Init: h.Init } : {}),
  };
}
