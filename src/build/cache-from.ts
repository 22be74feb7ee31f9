// --cache-from, as the classic builder does it (moby's image cache "restore"): an image whose
// history continues the current image's with the same step serves as that step's cache. The
// step's result is made from it — the step's config, the source's history and layers up to
// that step — without running anything. The source's layers are local, so nothing is copied.
import type { ContainerConfigTemplate, ImageConfig } from '../image/types.ts';

export interface CacheSource {
  id: string;
  image: ImageConfig;
}

/** The image config a step would make, taken from the first source that holds the step. */
export function restoreFromSources(sources: readonly CacheSource[], parent: ImageConfig, createdBy: string, stepConfig: ContainerConfigTemplate): ImageConfig | undefined {
  const ph = parent.history ?? [];
  const pl = parent.rootfs.diff_ids;
  for (const { image } of sources) {
    const sh = image.history ?? [];
    const sl = image.rootfs.diff_ids;
    const step = sh[ph.length];
    if (!step || step.created_by !== createdBy) continue;
    if (!ph.every((h, i) => h.created_by === sh[i]!.created_by && (h.empty_layer ?? false) === (sh[i]!.empty_layer ?? false))) continue;
    if (!pl.every((d, i) => sl[i] === d)) continue;
    const layers = pl.length + (step.empty_layer ? 0 : 1);
    if (sl.length < layers) continue;
    return {
      ...parent,
      config: stepConfig,
      ...(step.created ? { created: step.created } : {}),
      history: sh.slice(0, ph.length + 1),
      rootfs: { type: 'layers', diff_ids: sl.slice(0, layers) },
    };
  }
  return undefined;
}
