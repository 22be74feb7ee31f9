// Start-up and shutdown. Live restore: containers the database believes alive are handed to
// the runtime's recover(): live ones are re-adopted as they are, exits that happened while
// the daemon was away are recorded (with `die`, restart policies and --rm as if seen live).
// Then, as dockerd does, containers whose policy says so are started again. On shutdown with
// live-restore off, running containers are stopped first.
import { readdir, rm } from 'node:fs/promises';
import { log } from '../lib/log.ts';
import { messageOf } from '../lib/errors.ts';
import { sweepArchiveViews } from './archive-view.ts';
import { handleExit } from './exit.ts';
import { withStatus, type ContainerRecord } from './model.ts';
import { removeContainer } from './remove.ts';
import { unmountRootfs } from './rootfs.ts';
import type { ContainerService } from './service.ts';
import { startLocked } from './start.ts';
import { stopProcess } from './stop.ts';

export async function recoverContainers(svc: ContainerService): Promise<void> {
  await removeOrphans(svc);
  await sweepArchiveViews(svc.deps.execDir, svc.deps.sys);
  const all = svc.records.all();
  const alive = all.filter((r) => r.state.Running && !r.state.Restarting);
  const results = alive.length > 0 ? await svc.runtime.recover(alive.map((r) => r.id)) : [];
  for (const r of results) {
    const rec = svc.records.get(r.id);
    if (!rec) continue;
    try {
      if (r.status === 'running' || r.status === 'paused') {
        const status = r.status === 'paused' ? 'paused' : 'running';
        const next = { ...rec, state: { ...withStatus(rec.state, status), Pid: r.handle.pid } };
        svc.save(next);
        svc.started(next);
        log.info('container re-adopted', { id: rec.id, pid: r.handle.pid });
      } else if (r.status === 'created') {
        // Created but never started: the daemon died in between. Undo it.
        await svc.runtime.delete(rec.id, { force: true }).catch(() => {});
        await unmountRootfs(svc, rec.id);
        await svc.deps.network.tearDown(rec.id);
        svc.save({ ...rec, state: { ...withStatus(rec.state, rec.hasBeenStarted ? 'exited' : 'created'), Pid: 0 } });
      } else if (r.status === 'exited') {
        await handleExit(svc, r.exit);
      }
    } catch (err) {
      log.warn('recovery failed for a container', { id: rec.id, error: messageOf(err) });
    }
  }
  const swept = await svc.runtime.sweepCgroups(svc.deps.defaults.cgroupParent, new Set(svc.records.all().map((r) => r.id))).catch((err: unknown) => {
    log.warn('recovery: cgroup sweep', { error: messageOf(err) });
    return [];
  });
  if (swept.length > 0) log.info('removed orphaned container cgroups', { count: swept.length });
  for (const rec of svc.records.all()) {
    if (rec.state.Status === 'removing') {
      await removeContainer(svc, rec.id, { force: true, volumes: false }).catch((err: unknown) => log.warn('recovery: remove', { id: rec.id, error: messageOf(err) }));
    } else if (rec.state.Restarting || (!rec.state.Running && restartsWithDaemon(rec))) {
      await svc
        .withLock(rec.id, async () => {
          const cur = svc.records.get(rec.id);
          if (cur && (!cur.state.Running || cur.state.Restarting)) await startLocked(svc, { ...cur, state: withStatus(cur.state, 'exited') });
        })
        .catch((err: unknown) => log.warn('recovery: restart', { id: rec.id, error: messageOf(err) }));
    }
  }
}

/**
 * What a crash in the middle of a create left: a container directory and maybe its rw
 * snapshot, but no record (the record is written last). Both go.
 */
async function removeOrphans(svc: ContainerService): Promise<void> {
  const dirs = await readdir(svc.deps.dataDir).catch(() => [] as string[]);
  for (const id of dirs) {
    if (!/^[0-9a-f]{64}$/.test(id) || svc.records.get(id)) continue;
    log.info('removing what an interrupted create left', { id });
    if (await svc.deps.snapshotter.stat(id)) await svc.deps.snapshotter.remove(id).catch((err: unknown) => log.warn('orphan snapshot', { id, error: messageOf(err) }));
    await rm(svc.containerDir(id), { recursive: true, force: true });
  }
}

/** dockerd's restore rule: always, unless-stopped when not stopped by hand, on-failure after a failure. */
function restartsWithDaemon(rec: ContainerRecord): boolean {
  if (!rec.hasBeenStarted) return false;
  const p = rec.hostConfig.RestartPolicy?.Name ?? 'no';
  if (p === 'always') return true;
  if (p === 'unless-stopped') return !rec.manuallyStopped;
  if (p === 'on-failure') {
    const max = rec.hostConfig.RestartPolicy?.MaximumRetryCount ?? 0;
    return rec.state.ExitCode !== 0 && !rec.manuallyStopped && (max === 0 || rec.restartCount < max);
  }
  return false;
}

/**
 * Daemon shutdown: no more policy restarts; with live-restore off, every running container is
 * stopped (its stop signal, then SIGKILL after its timeout, capped by the daemon's).
 */
export async function shutdownContainers(svc: ContainerService): Promise<void> {
  svc.shuttingDown = true;
  for (const t of svc.restartTimers.values()) clearTimeout(t);
  svc.restartTimers.clear();
  if (svc.deps.defaults.liveRestore) return;
  const running = svc.records.all().filter((r) => r.state.Running && !r.state.Restarting);
  const cap = svc.deps.defaults.shutdownTimeout;
  await Promise.all(
    running.map((rec) =>
      stopProcess(svc, rec, { timeout: Math.min(rec.config.StopTimeout ?? 10, cap) }).catch((err: unknown) =>
        log.warn('shutdown: stop failed', { id: rec.id, error: messageOf(err) }),
      ),
    ),
  );
}
