// Engine API shapes the client reads, named as in the spec (swagger.yaml definitions).
// Only fields API clients use are typed strictly; the rest stay open (`[key: string]`), so a
// newer daemon's extra fields pass through `inspect` untouched.
import type { EventMessage } from '../lib/events.ts';
import type { ContainerSummary } from './container-types.ts';

export type { EventMessage };

/** GET /images/json item. */
export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number;
  Labels: Record<string, string> | null;
  Containers: number;
  [key: string]: unknown;
}

/** GET /images/{name}/json. */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent?: string;
  Comment?: string;
  Created?: string;
  Author?: string;
  Architecture?: string;
  Os?: string;
  Size?: number;
  [key: string]: unknown;
}

/** GET /images/{name}/history item. */
export interface HistoryResponseItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/** DELETE /images/{name} and POST /images/prune items: one of the two is set. */
export interface ImageDeleteResponseItem {
  Untagged?: string;
  Deleted?: string;
}

export interface ImagePruneResponse {
  ImagesDeleted: ImageDeleteResponseItem[] | null;
  SpaceReclaimed: number;
}

export interface ComponentVersion {
  Name: string;
  Version: string;
  Details?: Record<string, string>;
}

/** GET /version. */
export interface SystemVersion {
  Platform?: { Name: string };
  Components?: ComponentVersion[];
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  GitCommit?: string;
  GoVersion?: string;
  Os: string;
  Arch: string;
  KernelVersion?: string;
  Experimental?: boolean;
  BuildTime?: string;
}

export interface Commit {
  ID: string;
  Expected?: string;
}

export interface IndexInfo {
  Name: string;
  Mirrors: string[];
  Secure: boolean;
  Official: boolean;
}

/** GET /info (the fields Wharf's `info` prints, plus whatever else the daemon sends). */
export interface SystemInfo {
  ID?: string;
  Containers?: number;
  ContainersRunning?: number;
  ContainersPaused?: number;
  ContainersStopped?: number;
  Images?: number;
  Driver?: string;
  DriverStatus?: [string, string][] | null;
  SystemStatus?: [string, string][] | null;
  DockerRootDir?: string;
  Plugins?: { Volume?: string[] | null; Network?: string[] | null; Authorization?: string[] | null; Log?: string[] | null };
  Debug?: boolean;
  NFd?: number;
  NGoroutines?: number;
  SystemTime?: string;
  LoggingDriver?: string;
  CgroupDriver?: string;
  CgroupVersion?: string;
  NEventsListener?: number;
  KernelVersion?: string;
  OperatingSystem?: string;
  OSVersion?: string;
  OSType?: string;
  Architecture?: string;
  NCPU?: number;
  MemTotal?: number;
  IndexServerAddress?: string;
  RegistryConfig?: {
    InsecureRegistryCIDRs?: string[] | null;
    IndexConfigs?: Record<string, IndexInfo> | null;
    Mirrors?: string[] | null;
  } | null;
  HttpProxy?: string;
  HttpsProxy?: string;
  NoProxy?: string;
  Name?: string;
  Labels?: string[] | null;
  ExperimentalBuild?: boolean;
  ServerVersion?: string;
  Runtimes?: Record<string, unknown> | null;
  DefaultRuntime?: string;
  Swarm?: { LocalNodeState?: string; NodeID?: string; NodeAddr?: string; ControlAvailable?: boolean; Error?: string };
  LiveRestoreEnabled?: boolean;
  Isolation?: string;
  InitBinary?: string;
  ContainerdCommit?: Commit;
  RuncCommit?: Commit;
  InitCommit?: Commit;
  SecurityOptions?: string[] | null;
  ProductLicense?: string;
  DefaultAddressPools?: { Base: string; Size: number }[] | null;
  FirewallBackend?: { Driver: string; Info?: [string, string][] | null } | null;
  CDISpecDirs?: string[] | null;
  Warnings?: string[] | null;
  [key: string]: unknown;
}

export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Labels?: Record<string, string> | null;
  Scope?: string;
  UsageData?: { Size: number; RefCount: number } | null;
  [key: string]: unknown;
}

export interface BuildCacheRecord {
  ID: string;
  Parents?: string[] | null;
  Type: string;
  Description?: string;
  InUse: boolean;
  Shared: boolean;
  Size: number;
  CreatedAt: string;
  LastUsedAt?: string | null;
  UsageCount: number;
}

/** The per-type totals of /system/df since API 1.52 (ImagesDiskUsage and friends). */
export interface DiskUsageTotals<T> {
  ActiveCount: number;
  TotalCount: number;
  Reclaimable: number;
  TotalSize: number;
  Items?: T[] | null;
}

/** GET /system/df: the legacy lists (API < 1.52) and/or the newer per-type totals. */
export interface SystemDataUsage {
  LayersSize?: number;
  Images?: ImageSummary[] | null;
  Containers?: ContainerSummary[] | null;
  Volumes?: Volume[] | null;
  BuildCache?: BuildCacheRecord[] | null;
  ImageUsage?: DiskUsageTotals<ImageSummary>;
  ContainerUsage?: DiskUsageTotals<ContainerSummary>;
  VolumeUsage?: DiskUsageTotals<Volume>;
  BuildCacheUsage?: DiskUsageTotals<BuildCacheRecord>;
}

/** One value of a JSON-progress stream (moby's jsonmessage.JSONMessage). */
export interface JSONMessage {
  stream?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number; start?: number; hidecounts?: boolean; units?: string };
  progress?: string;
  id?: string;
  from?: string;
  time?: number;
  timeNano?: number;
  errorDetail?: { code?: number; message?: string };
  error?: string;
  aux?: unknown;
}

/** Filters as the API takes them: {"dangling": ["true"], "label": ["a=b"]}. */
export type Filters = Record<string, string[]>;

export type * from './container-types.ts';
