// /system/df: what each service holds on disk (images, containers, volumes); build cache
// joins as its service lands.
import type { DiskUsage, DiskUsageType, SystemBackend } from '../api/routes/system.ts';
import type { BuildBackend } from '../build/types.ts';
import type { ImageService } from '../image/service.ts';
import { imageDiskUsage } from '../image/usage.ts';
import { volumesDiskUsage } from '../volume/list.ts';
import type { VolumeService } from '../volume/service.ts';

/** What /system/df needs from the containers service. */
export interface ContainerUsage {
  diskUsage(): Promise<readonly object[]>;
}

export class DiskUsageService implements SystemBackend {
  private readonly images: ImageService;
  private readonly containers: ContainerUsage;
  private readonly volumes: VolumeService;
  private readonly builder: Pick<BuildBackend, 'cacheRecords'> | undefined;
  constructor(images: ImageService, containers: ContainerUsage, volumes: VolumeService, builder?: Pick<BuildBackend, 'cacheRecords'>) {
    this.images = images;
    this.containers = containers;
    this.volumes = volumes;
    this.builder = builder;
  }

  async df(opts: { types?: DiskUsageType[]; verbose?: boolean }): Promise<DiskUsage> {
    const want = (t: DiskUsageType) => !opts.types || opts.types.length === 0 || opts.types.includes(t);
    const out: DiskUsage = {};
    if (want('image')) {
      const usage = await imageDiskUsage(this.images);
      out.LayersSize = usage.layersSize;
      out.Images = usage.images;
    }
    if (want('container')) out.Containers = await this.containers.diskUsage();
    if (want('volume')) out.Volumes = await volumesDiskUsage(this.volumes);
    if (want('build-cache')) {
      // The API's Parents list (1.42+) in place of the record's single parent.
      out.BuildCache = (this.builder?.cacheRecords() ?? []).map(({ Parent, ...r }) => ({ ...r, Parents: Parent ? [Parent] : [] }));
    }
    return out;
  }
}
