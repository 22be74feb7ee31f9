// The container as the daemon keeps it: the record stored in SQLite (one JSON document per
// container) and the pure rules of its lifecycle state (moby's container.State).
import type { ContainerConfig, ContainerState, ContainerStatus, Health, HostConfig, MountPoint } from './types.ts';

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface ContainerRecord {
  id: string;
  /** "/name". */
  name: string;
  created: string;
  /** The image as the user named it (Config.Image). */
  image: string;
  /** The resolved image ID ("sha256:..."). */
  imageId: string;
  path: string;
  args: string[];
  config: ContainerConfig;
  hostConfig: HostConfig;
  state: ContainerState;
  restartCount: number;
  /** Set once started; restart policies and unless-stopped look at it. */
  hasBeenStarted: boolean;
  /** Stopped by the user (stop/kill/die after stop): `always` does not bring it back on daemon start, unless-stopped neither. */
  manuallyStopped: boolean;
  /** The rw snapshot's key in the snapshotter. */
  snapshotKey: string;
  /** The image's top layer (the rw snapshot's parent): a GC root while the container exists. */
  layer: string | null;
  /** The OCI runtime's name (crun, runc, or a configured one). */
  runtime: string;
  /** Network mode resolved at create ("none", "host", "container:<id>"). */
  networkMode: string;
  /** "linux" (Docker's Platform field). */
  platform: string;
  /**
   * The mounts resolved at create, in the shape inspect's `Mounts` shows (HostConfig.Tmpfs
   * mounts are not among them, as in Docker). Source is the host path (a volume's _data
   * directory, a bind's source; '' for tmpfs; the image reference for type=image). Records
   * written before volumes existed lack it: ContainerRecords.get fills in [].
   */
  mountPoints: ContainerMount[];
}

/** A resolved mount: inspect's MountPoint plus what start needs (`Details`, never shown by the API). */
export interface ContainerMount extends MountPoint {
  Details?: MountDetails;
}

export interface MountDetails {
  /** volume: no source was named (`-v /path`, image VOLUME): `rm -v` removes it. */
  anonymous?: boolean;
  /** volume: a directory inside the volume mounted instead of its root (volume-subpath). */
  subpath?: string;
  /** tmpfs: the mount data ("size=65536k,mode=1777"). */
  tmpfsData?: string;
  /** bind (`-v`): a missing source directory is made at start, as Docker does for -v. */
  createSource?: boolean;
  /** bind: a plain bind, submounts not included (bind-recursive=disabled). */
  nonRecursive?: boolean;
  /** read-only at the top only (bind-recursive=writable). */
  readOnlyNonRecursive?: boolean;
  /** read-only must be recursive, or the start fails (bind-recursive=readonly). */
  readOnlyForceRecursive?: boolean;
  /** image: the image's ID, its top layer (chain ID; null for an empty image) and a subpath. */
  imageId?: string;
  layer?: string | null;
  imageSubpath?: string;
}

export function initialState(): ContainerState {
  return {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
  };
}

/** The state with Status and the booleans agreeing, from the status alone. */
export function withStatus(s: ContainerState, status: ContainerStatus): ContainerState {
  return {
    ...s,
    Status: status,
    Running: status === 'running' || status === 'paused' || status === 'restarting',
    Paused: status === 'paused',
    Restarting: status === 'restarting',
    Dead: status === 'dead',
  };
}

export function runningState(s: ContainerState, pid: number, startedAt: string): ContainerState {
  const health: Health | undefined = s.Health ? { Status: 'starting', FailingStreak: 0, Log: s.Health.Log } : undefined;
  const out: ContainerState = { ...withStatus(s, 'running'), Pid: pid, ExitCode: 0, Error: '', OOMKilled: false, StartedAt: startedAt };
  if (health) out.Health = health;
  return out;
}

export function exitedState(s: ContainerState, exitCode: number, finishedAt: string, oomKilled: boolean, error = ''): ContainerState {
  const out: ContainerState = { ...withStatus(s, 'exited'), Pid: 0, ExitCode: exitCode, OOMKilled: oomKilled, Error: error, FinishedAt: finishedAt };
  // A stopped container is no longer healthy (moby's State.SetStopped).
  if (out.Health) out.Health = { ...out.Health, Status: 'unhealthy' };
  return out;
}

export function isRunning(r: ContainerRecord): boolean {
  return r.state.Running;
}

/** The short "Up 5 minutes (Paused)" / "Exited (0) 2 seconds ago" text of `docker ps`. */
export function statusText(r: ContainerRecord, now = Date.now()): string {
  const s = r.state;
  switch (s.Status) {
    case 'running':
    case 'paused': {
      const up = `Up ${humanDuration(now - Date.parse(s.StartedAt))}`;
      const health = s.Health && s.Health.Status !== 'none' ? ` (${s.Health.Status === 'starting' ? 'health: starting' : s.Health.Status})` : '';
      return s.Paused ? `${up} (Paused)` : up + health;
    }
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'exited':
      if (s.FinishedAt === ZERO_TIME || !r.hasBeenStarted) return 'Created';
      return `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
    default:
      return 'Created';
  }
}

/** go-units HumanDuration, as `docker ps` shows ages. */
export function humanDuration(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec < 1) return 'Less than a second';
  if (sec === 1) return '1 second';
  if (sec < 60) return `${sec} seconds`;
  const min = Math.floor(ms / 60000);
  if (min === 1) return 'About a minute';
  if (min < 60) return `${min} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}
