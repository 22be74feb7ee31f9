// POST /containers/{id}/rename: one transaction; the name's uniqueness is the table's.
import { invalidParameter } from '../lib/errors.ts';
import { normalizeName } from './names.ts';
import type { ContainerService } from './service.ts';

export async function renameContainer(svc: ContainerService, ref: string, newName: string): Promise<void> {
  if (!newName) throw invalidParameter('Neither old nor new names may be empty');
  const name = normalizeName(newName);
  const { id } = svc.records.resolve(ref);
  await svc.withLock(id, async () => {
    const rec = svc.records.resolve(id);
    if (rec.name === name) throw invalidParameter('Renaming a container with the same name as its current name');
    const next = { ...rec, name };
    svc.save(next);
    svc.deps.network.renamed(id); // the embedded DNS answers to the new name
    svc.emit(next, 'rename', { oldName: rec.name });
  });
}
