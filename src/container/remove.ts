// DELETE /containers/{id}: a running container only with force (SIGKILL first). The record
// goes last, so a failure half-way leaves a "dead" container that a second remove finishes,
// never files without a record.
import { rm } from 'node:fs/promises';
import { conflict, isKind, messageOf } from '../lib/errors.ts';
import { tx } from '../store/db.ts';
import { log } from '../lib/log.ts';
import { cancelRestart } from './exit.ts';
import { withStatus } from './model.ts';
import { unmountRootfs } from './rootfs.ts';
import type { ContainerService } from './service.ts';
import { stopProcess } from './stop.ts';
import { anonymousVolumes } from '../volume/mounts.ts';

export interface RemoveOptions {
  force: boolean;
  /** Remove the container's anonymous volumes (`rm -v`, `--rm`). */
  volumes: boolean;
}

export async function removeContainer(svc: ContainerService, ref: string, opts: RemoveOptions): Promise<void> {
  const rec = svc.records.resolve(ref);
  if (rec.state.Running && !opts.force) {
    const what = rec.state.Paused ? 'paused' : rec.state.Restarting ? 'restarting' : 'running';
    throw conflict(`cannot remove container "${rec.name}": container is ${what}: stop the container before removing or force remove`);
  }
  if (rec.state.Status === 'removing') throw conflict(`removal of container ${rec.id.slice(0, 12)} is already in progress`);
  svc.stopping.add(rec.id);
  svc.removing.add(rec.id);
  try {
    if (rec.state.Running && !rec.state.Restarting) await stopProcess(svc, rec, { signal: 'SIGKILL' });
    await svc.withLock(rec.id, async () => {
      let cur = svc.records.get(rec.id);
      if (!cur) return; // removed meanwhile (--rm): the caller's wish is done

      cur = cancelRestart(svc, cur);
      if (cur.state.Running) throw conflict(`cannot remove container "${cur.name}": container is running: stop the container before removing or force remove`);
      const removing = { ...cur, state: withStatus(cur.state, 'removing') };
      svc.save(removing);
      svc.stoppedHooks(removing);
      try {
        await svc.runtime.delete(cur.id, { force: true }).catch((e: unknown) => {
          if (!isKind(e, 'NotFound')) log.debug('remove: runtime delete', { id: cur.id, error: String(e) });
        });
        await unmountRootfs(svc, cur.id);
        await svc.deps.network.forget(cur.id);
        if (await svc.deps.snapshotter.stat(cur.snapshotKey)) await svc.deps.snapshotter.remove(cur.snapshotKey);
        await rm(svc.containerDir(cur.id), { recursive: true, force: true });
        tx(svc.deps.db, () => svc.records.delete(cur.id));
      } catch (err) {
        svc.save({ ...removing, state: { ...withStatus(removing.state, 'dead'), Error: messageOf(err) } });
        svc.notifyRemoved(removing, messageOf(err));
        throw err;
      }
      svc.attachments.drop(cur.id);
      svc.execs.dropContainer(cur.id);
      svc.deps.mounts.release(cur.id, cur.mountPoints);
      // `rm -v`: anonymous volumes go too (named ones never), unless another container uses them.
      if (opts.volumes) await svc.deps.volumes.removeAnonymous(anonymousVolumes(cur.mountPoints));
      svc.emit(cur, 'destroy');
      svc.notifyRemoved(cur);
    });
  } finally {
    svc.stopping.delete(rec.id);
    svc.removing.delete(rec.id);
  }
}
