// Maps a container's Config + HostConfig onto the runtime's SpecInput (src/runtime/spec):
// the process, namespaces (incl. "container:<x>" and "host" modes), the /etc files, limits
// and security options. Pure: everything from the host comes in through `env`.
import { invalidParameter } from '../lib/errors.ts';
import { parseSecurityOpt } from '../runtime/spec/index.ts';
import type { MountInput, NamespaceMode, ResourcesInput, SpecInput } from '../runtime/spec/input.ts';
import type { EtcPaths } from '../network/etc-files.ts';
import { tmpfsInput } from '../volume/activate.ts';
import type { ContainerRecord } from './model.ts';
import type { Resources } from './types.ts';

export interface SpecEnv {
  rootfs: string;
  etc: EtcPaths;
  /** The container's volumes, binds, tmpfs and image mounts (src/volume/activate.ts). */
  mounts: MountInput[];
  /** Host path of tini/catatonit, when --init is asked for. */
  initPath: string | undefined;
  /** Daemon defaults (dockerd's --init, --default-ulimit, --cgroup-parent, --no-new-privileges). */
  defaultInit: boolean;
  defaultUlimits: { name: string; soft: number; hard: number }[];
  cgroupParent: string;
  noNewPrivileges: boolean;
  /** The init pid of another running container ("container:<x>" modes); throws if not running. */
  peerPid(ref: string, what: string): number;
  /** Whether the container's network namespace is the host's. */
  hostNetwork: boolean;
  /** Another container's pid whose net namespace this one joins. */
  netPeerPid: number | undefined;
  /** The network namespace the networks service made for this container (bridge networks). */
  netnsPath?: string | undefined;
}

function nsMode(mode: string | undefined, what: string, env: SpecEnv): NamespaceMode | undefined {
  if (!mode || mode === 'private' || mode === 'shareable') return undefined;
  if (mode === 'host') return 'host';
  if (mode.startsWith('container:')) {
    const pid = env.peerPid(mode.slice('container:'.length), what);
    return { path: `/proc/${pid}/ns/${what}` };
  }
  return undefined;
}

export function resourcesInput(r: Resources): ResourcesInput {
  const out: ResourcesInput = {};
  const num = (v: number | null | undefined) => v !== undefined && v !== null && v !== 0;
  if (num(r.Memory)) out.memory = r.Memory!;
  if (num(r.MemorySwap)) out.memorySwap = r.MemorySwap!;
  if (num(r.MemoryReservation)) out.memoryReservation = r.MemoryReservation!;
  if (r.MemorySwappiness !== undefined && r.MemorySwappiness !== null && r.MemorySwappiness >= 0) out.memorySwappiness = r.MemorySwappiness;
  if (r.OomKillDisable) out.oomKillDisable = true;
  if (num(r.NanoCpus)) out.nanoCpus = r.NanoCpus!;
  if (num(r.CpuQuota)) out.cpuQuota = r.CpuQuota!;
  if (num(r.CpuPeriod)) out.cpuPeriod = r.CpuPeriod!;
  if (num(r.CpuShares)) out.cpuShares = r.CpuShares!;
  if (r.CpusetCpus) out.cpusetCpus = r.CpusetCpus;
  if (r.CpusetMems) out.cpusetMems = r.CpusetMems;
  if (num(r.PidsLimit)) out.pidsLimit = r.PidsLimit!;
  if (num(r.BlkioWeight)) out.blkioWeight = r.BlkioWeight!;
  if (r.BlkioWeightDevice?.length) out.blkioWeightDevice = r.BlkioWeightDevice.map((d) => ({ path: d.Path, weight: d.Weight }));
  const rates = (l: { Path: string; Rate: number }[] | null | undefined) => (l ?? []).map((d) => ({ path: d.Path, rate: d.Rate }));
  if (r.BlkioDeviceReadBps?.length) out.blkioDeviceReadBps = rates(r.BlkioDeviceReadBps);
  if (r.BlkioDeviceWriteBps?.length) out.blkioDeviceWriteBps = rates(r.BlkioDeviceWriteBps);
  if (r.BlkioDeviceReadIOps?.length) out.blkioDeviceReadIOps = rates(r.BlkioDeviceReadIOps);
  if (r.BlkioDeviceWriteIOps?.length) out.blkioDeviceWriteIOps = rates(r.BlkioDeviceWriteIOps);
  return out;
}

export function buildSpecInput(rec: ContainerRecord, env: SpecEnv): SpecInput {
  const c = rec.config;
  const h = rec.hostConfig;
  const spec: SpecInput = {
    args: [rec.path, ...rec.args],
    env: c.Env ?? [],
    rootfs: env.rootfs,
  };
  if (c.WorkingDir) spec.cwd = c.WorkingDir;
  if (c.User) spec.user = c.User;
  if (h.GroupAdd?.length) spec.groupAdd = h.GroupAdd;
  if (c.Tty) spec.terminal = true;
  if (c.Tty && h.ConsoleSize && h.ConsoleSize[0] > 0 && h.ConsoleSize[1] > 0) {
    spec.consoleSize = { height: h.ConsoleSize[0], width: h.ConsoleSize[1] };
  }
  const wantInit = h.Init ?? env.defaultInit;
  if (wantInit) {
    if (!env.initPath) throw invalidParameter('--init: no init binary (tini or catatonit) is installed on this host');
    spec.init = env.initPath;
  }
  if (h.ReadonlyRootfs) spec.readonlyRootfs = true;
  if (h.UTSMode !== 'host') {
    if (c.Hostname) spec.hostname = c.Hostname;
    if (c.Domainname) spec.domainname = c.Domainname;
  }

  const mounts: MountInput[] = [];
  const bind = (source: string, destination: string, ro: boolean) =>
    mounts.push({ destination, type: 'bind', source, options: ['rbind', 'rprivate', ro ? 'ro' : 'rw'] });
  // The user's own mount of an /etc file replaces Docker's (moby's HasMountFor).
  const userDest = new Set([...env.mounts.map((m) => m.destination), ...Object.keys(h.Tmpfs ?? {})]);
  if (!userDest.has('/etc/resolv.conf')) bind(env.etc.resolvConfPath, '/etc/resolv.conf', h.ReadonlyRootfs ?? false);
  if (!userDest.has('/etc/hostname')) bind(env.etc.hostnamePath, '/etc/hostname', h.ReadonlyRootfs ?? false);
  if (!userDest.has('/etc/hosts')) bind(env.etc.hostsPath, '/etc/hosts', h.ReadonlyRootfs ?? false);
  mounts.push(...env.mounts);
  for (const [dest, opts] of Object.entries(h.Tmpfs ?? {})) mounts.push(tmpfsInput(dest, opts));
  const ipc = h.IpcMode ?? '';
  if (ipc.startsWith('container:')) {
    const pid = env.peerPid(ipc.slice('container:'.length), 'ipc');
    bind(`/proc/${pid}/root/dev/shm`, '/dev/shm', false);
  } else if (ipc === 'host') {
    bind('/dev/shm', '/dev/shm', false);
  }
  spec.mounts = mounts;
  if (h.ShmSize) spec.shmSize = h.ShmSize;
  if (ipc === 'none') spec.noShm = true;

  const sec = parseSecurityOpt((h.SecurityOpt ?? []).filter((o) => !o.startsWith('systempaths=')));
  if (h.Privileged) spec.privileged = true;
  if (h.CapAdd?.length) spec.capAdd = h.CapAdd;
  if (h.CapDrop?.length) spec.capDrop = h.CapDrop;
  if (sec.seccomp !== undefined) spec.seccomp = sec.seccomp;
  if (sec.noNewPrivileges ?? env.noNewPrivileges) spec.noNewPrivileges = true;
  if (sec.apparmorProfile) spec.apparmorProfile = sec.apparmorProfile;
  if ((h.SecurityOpt ?? []).includes('systempaths=unconfined')) {
    spec.maskedPaths = [];
    spec.readonlyPaths = [];
  }
  if (h.MaskedPaths) spec.maskedPaths = h.MaskedPaths;
  if (h.ReadonlyPaths) spec.readonlyPaths = h.ReadonlyPaths;
  if (h.OomScoreAdj) spec.oomScoreAdj = h.OomScoreAdj;

  const ns: NonNullable<SpecInput['namespaces']> = {};
  const pid = nsMode(h.PidMode, 'pid', env);
  if (pid) ns.pid = pid;
  const ipcNs = ipc === 'none' ? undefined : nsMode(ipc, 'ipc', env);
  if (ipcNs) ns.ipc = ipcNs;
  if (h.UTSMode === 'host') ns.uts = 'host';
  if (env.hostNetwork) ns.net = 'host';
  else if (env.netPeerPid !== undefined) ns.net = { path: `/proc/${env.netPeerPid}/ns/net` };
  else if (env.netnsPath) ns.net = { path: env.netnsPath, own: true };
  if (h.CgroupnsMode === 'host') ns.cgroup = 'host';
  else if (h.CgroupnsMode === 'private') ns.cgroup = 'private';
  spec.namespaces = ns;

  if (h.Sysctls && Object.keys(h.Sysctls).length > 0) spec.sysctls = h.Sysctls;
  const ulimits = new Map(env.defaultUlimits.map((u) => [u.name, u]));
  for (const u of h.Ulimits ?? []) ulimits.set(u.Name, { name: u.Name, soft: u.Soft, hard: u.Hard });
  if (ulimits.size > 0) spec.ulimits = [...ulimits.values()];
  spec.resources = resourcesInput(h);
  if (h.Devices?.length) {
    spec.devices = h.Devices.map((d) => ({
      pathOnHost: d.PathOnHost,
      ...(d.PathInContainer ? { pathInContainer: d.PathInContainer } : {}),
      ...(d.CgroupPermissions ? { cgroupPermissions: d.CgroupPermissions } : {}),
    }));
  }
  if (h.DeviceCgroupRules?.length) spec.deviceCgroupRules = h.DeviceCgroupRules;
  spec.cgroupsPath = `${(h.CgroupParent || env.cgroupParent).replace(/\/$/, '')}/${rec.id}`;
  if (h.Annotations && Object.keys(h.Annotations).length > 0) spec.annotations = h.Annotations;
  return spec;
}
