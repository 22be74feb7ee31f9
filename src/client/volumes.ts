// Volume endpoints of the Engine API (VolumeCreate, VolumeList, VolumeInspect, VolumeDelete,
// VolumePrune).
import type { Client } from './client.ts';
import { encodeFilters } from './images.ts';
import type { Filters, Volume } from './types.ts';

export interface VolumeCreateRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
}

export interface VolumeListResponse {
  Volumes: Volume[] | null;
  Warnings: string[] | null;
}

export interface VolumePruneResponse {
  VolumesDeleted: string[] | null;
  SpaceReclaimed: number;
}

const volumePath = (name: string) => `/volumes/${encodeURIComponent(name)}`;

export class VolumeApi {
  private readonly c: Client;
  constructor(client: Client) {
    this.c = client;
  }

  create(req: VolumeCreateRequest): Promise<Volume> {
    return this.c.json<Volume>({ method: 'POST', path: '/volumes/create', body: req });
  }

  async list(filters?: Filters): Promise<VolumeListResponse> {
    const res = await this.c.json<VolumeListResponse | undefined>({ path: '/volumes', query: { filters: encodeFilters(filters) } });
    return res ?? { Volumes: [], Warnings: null };
  }

  inspect(name: string): Promise<Volume> {
    return this.c.json<Volume>({ path: volumePath(name) });
  }

  /** The inspect answer as the daemon sent it, for printing without re-encoding. */
  inspectRaw(name: string): Promise<string> {
    return this.c.text({ path: volumePath(name) });
  }

  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.c.empty({ method: 'DELETE', path: volumePath(name), query: { force: opts.force || undefined } });
  }

  async prune(filters?: Filters): Promise<VolumePruneResponse> {
    const res = await this.c.json<VolumePruneResponse | undefined>({ method: 'POST', path: '/volumes/prune', query: { filters: encodeFilters(filters) } });
    return res ?? { VolumesDeleted: null, SpaceReclaimed: 0 };
  }
}
