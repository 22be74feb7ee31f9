// The Engine API client: the only way the CLI, compose and the dashboard talk to the daemon.
// `new WharfClient({host, tls})` gives the transport (request/json/stream/upload/download/
// hijack) plus typed groups of endpoints; more groups join as the engine grows.
import { AuthApi } from './auth.ts';
import { BuildApi } from './build.ts';
import { Client, type ClientOptions } from './client.ts';
import { ContainerApi } from './containers.ts';
import { ExecApi } from './exec.ts';
import { NetworkApi } from './networks.ts';
import { ImageApi } from './images.ts';
import { SystemApi } from './system.ts';
import { VolumeApi } from './volumes.ts';

export class WharfClient extends Client {
  readonly auth: AuthApi;
  readonly build: BuildApi;
  readonly containers: ContainerApi;
  readonly exec: ExecApi;
  readonly networks: NetworkApi;
  readonly images: ImageApi;
  readonly system: SystemApi;
  readonly volumes: VolumeApi;
  constructor(opts: ClientOptions = {}) {
    super(opts);
    this.auth = new AuthApi(this);
    this.build = new BuildApi(this);
    this.containers = new ContainerApi(this);
    this.exec = new ExecApi(this);
    this.networks = new NetworkApi(this);
    this.images = new ImageApi(this);
    this.system = new SystemApi(this);
    this.volumes = new VolumeApi(this);
  }
}

export { BUILD_SECRETS_HEADER, type BuildOptions, type BuildPruneResponse, encodeBuildSecrets } from './build.ts';
export { type AuthConfig, type AuthenticateOKBody, encodeRegistryAuth } from './auth.ts';
export { CLIENT_API_VERSION, Client, type ClientOptions, compareVersions, encodeQuery } from './client.ts';
export type { PingInfo, Query, RawResponse, RequestOptions } from './client.ts';
export {
  type AttachOptions,
  type CommitOptions,
  containerPath,
  type ListOptions as ContainerListOptions,
  type LogsOptions,
  type StopOptions,
} from './containers.ts';
export { ApiError, ConnectionError, StreamError } from './errors.ts';
export type { NetworkCreateRequest, NetworkCreateResponse, NetworkPruneResponse, NetworkResource } from './networks.ts';
export { DEFAULT_HOST, parseHost, resolveHostAddress, resolveTls, type TlsOptions } from './host.ts';
export { encodeFilters, type ImportOptions, type LoadResult } from './images.ts';
export { jsonLines, type Reviver } from './jsonlines.ts';
export { STDERR, STDIN, STDOUT, StdcopyDemuxer, SYSTEMERR, stdcopyFrame } from './stdcopy.ts';
export { type EventsOptions, exactTimeNano } from './system.ts';
export type { VolumeCreateRequest, VolumeListResponse, VolumePruneResponse } from './volumes.ts';
export type * from './types.ts';
