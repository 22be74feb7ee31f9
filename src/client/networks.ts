// Network endpoints of the Engine API (NetworkList, NetworkInspect, NetworkCreate,
// NetworkDelete, NetworkPrune, NetworkConnect, NetworkDisconnect).
import type { Client } from './client.ts';
import { encodeFilters } from './images.ts';
import type { EndpointSettings, Filters } from './types.ts';

export interface IPAMConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface NetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** The Network object of GET /networks and GET /networks/{id}. */
export interface NetworkResource {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv4?: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IPAMConfig[] | null };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom?: { Network: string };
  ConfigOnly?: boolean;
  Containers: Record<string, NetworkContainer> | null;
  Options: Record<string, string> | null;
  Labels: Record<string, string> | null;
}

export interface NetworkCreateRequest {
  Name: string;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network: string };
  IPAM?: { Driver?: string; Config?: IPAMConfig[]; Options?: Record<string, string> };
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
}

export interface NetworkCreateResponse {
  Id: string;
  Warning?: string;
}

export interface NetworkPruneResponse {
  NetworksDeleted: string[] | null;
}

const networkPath = (ref: string) => `/networks/${encodeURIComponent(ref)}`;

export class NetworkApi {
  private readonly c: Client;
  constructor(client: Client) {
    this.c = client;
  }

  async list(filters?: Filters): Promise<NetworkResource[]> {
    return (await this.c.json<NetworkResource[] | null>({ path: '/networks', query: { filters: encodeFilters(filters) } })) ?? [];
  }

  inspect(ref: string, opts: { verbose?: boolean } = {}): Promise<NetworkResource> {
    return this.c.json<NetworkResource>({ path: networkPath(ref), query: { verbose: opts.verbose || undefined } });
  }

  /** The inspect answer as the daemon sent it, for printing without re-encoding. */
  inspectRaw(ref: string, opts: { verbose?: boolean } = {}): Promise<string> {
    return this.c.text({ path: networkPath(ref), query: { verbose: opts.verbose || undefined } });
  }

  create(req: NetworkCreateRequest): Promise<NetworkCreateResponse> {
    return this.c.json<NetworkCreateResponse>({ method: 'POST', path: '/networks/create', body: req });
  }

  async remove(ref: string): Promise<void> {
    await this.c.empty({ method: 'DELETE', path: networkPath(ref) });
  }

  async prune(filters?: Filters): Promise<NetworkPruneResponse> {
    return (await this.c.json<NetworkPruneResponse | undefined>({ method: 'POST', path: '/networks/prune', query: { filters: encodeFilters(filters) } })) ?? { NetworksDeleted: null };
  }

  async connect(ref: string, container: string, endpoint?: EndpointSettings): Promise<void> {
    await this.c.empty({ method: 'POST', path: `${networkPath(ref)}/connect`, body: { Container: container, EndpointConfig: endpoint ?? null } });
  }

  async disconnect(ref: string, container: string, force = false): Promise<void> {
    await this.c.empty({ method: 'POST', path: `${networkPath(ref)}/disconnect`, body: { Container: container, Force: force } });
  }
}
