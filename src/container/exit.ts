// What happens when a container's process exits (the runtime's exit event): the monitor and
// rootfs are released, the exit is recorded in one transaction, `die` is published, waiters
// wake, and then the restart policy (with Docker's back-off) or --rm takes over.
import { goRfc3339Nano } from '../lib/gotime.ts';
import { log } from '../lib/log.ts';
import type { ExitEvent } from '../runtime/runtime.ts';
import { exitedState, withStatus, type ContainerRecord } from './model.ts';
import { unmountRootfs } from './rootfs.ts';
import type { ContainerService } from './service.ts';
import { startLocked } from './start.ts';
import { removeContainer } from './remove.ts';

/** Docker's restart manager timings: 100 ms doubling to a minute, reset after 10 s of running. */
const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 60_000;
const RESET_AFTER_MS = 10_000;

export async function handleExit(svc: ContainerService, exit: ExitEvent): Promise<void> {
  let after: (() => void) | undefined;
  await svc.withLock(exit.id, async () => {
    const rec = svc.records.get(exit.id);
    if (!rec?.state.Running || rec.state.Restarting) return;
    svc.stoppedHooks(rec);
    await svc.runtime.delete(rec.id, { force: true }).catch((e: unknown) => log.warn('exit: runtime delete', { id: rec.id, error: String(e) }));
    await unmountRootfs(svc, rec.id).catch((e: unknown) => log.warn('exit: unmount', { id: rec.id, error: String(e) }));
    await svc.deps.network.tearDown(rec.id).catch((e: unknown) => log.warn('exit: networking', { id: rec.id, error: String(e) }));
    const finishedAt = goRfc3339Nano(exit.exitedAt.toISOString());
    const ranMs = exit.exitedAt.getTime() - Date.parse(rec.state.StartedAt);
    let next: ContainerRecord = { ...rec, state: exitedState(rec.state, exit.exitCode, finishedAt, exit.oomKilled) };
    const delay = restartDelay(svc, next, ranMs);
    if (delay !== undefined) next = { ...next, state: withStatus(next.state, 'restarting') };
    svc.save(next);
    if (exit.oomKilled) svc.emit(next, 'oom');
    svc.emit(next, 'die', { exitCode: String(exit.exitCode), execDuration: String(Math.max(0, Math.floor(ranMs / 1000))) });
    svc.notifyExit(next);
    if (delay !== undefined) after = () => scheduleRestart(svc, next.id, delay);
    else if (next.hostConfig.AutoRemove && !svc.removing.has(next.id)) after = () => void autoRemove(svc, next.id);
  });
  after?.();
}

/** The back-off before a policy restart, or undefined when the policy says no. */
function restartDelay(svc: ContainerService, rec: ContainerRecord, ranMs: number): number | undefined {
  if (svc.stopping.has(rec.id) || svc.shuttingDown) return undefined;
  const p = rec.hostConfig.RestartPolicy ?? { Name: 'no', MaximumRetryCount: 0 };
  const code = rec.state.ExitCode;
  let restart = false;
  if (p.Name === 'always') restart = true;
  else if (p.Name === 'unless-stopped') restart = !rec.manuallyStopped;
  else if (p.Name === 'on-failure') restart = code !== 0 && (p.MaximumRetryCount === 0 || rec.restartCount < p.MaximumRetryCount);
  if (!restart) {
    svc.backoff.delete(rec.id);
    return undefined;
  }
  const prev = svc.backoff.get(rec.id);
  const delay = prev === undefined || ranMs >= RESET_AFTER_MS ? BACKOFF_START_MS : Math.min(prev * 2, BACKOFF_MAX_MS);
  svc.backoff.set(rec.id, delay);
  return delay;
}

function scheduleRestart(svc: ContainerService, id: string, delayMs: number): void {
  const timer = setTimeout(() => {
    svc.restartTimers.delete(id);
    void svc
      .withLock(id, async () => {
        const rec = svc.records.get(id);
        if (rec?.state.Status !== 'restarting') return;
        const counted = { ...rec, restartCount: rec.restartCount + 1 };
        try {
          await startLocked(svc, { ...counted, state: withStatus(rec.state, 'exited') });
        } catch (err) {
          log.warn('restart policy: start failed', { id, error: String(err) });
          const now = svc.records.get(id);
          if (now) svc.save({ ...now, restartCount: counted.restartCount, state: withStatus(now.state, 'exited') });
        }
      })
      .catch((err: unknown) => log.warn('restart policy', { id, error: String(err) }));
  }, delayMs);
  timer.unref();
  svc.restartTimers.set(id, timer);
}

async function autoRemove(svc: ContainerService, id: string): Promise<void> {
  try {
    await removeContainer(svc, id, { force: false, volumes: true });
  } catch (err) {
    log.warn('auto-remove failed', { id, error: String(err) });
  }
}

/** Cancels a pending policy restart (stop, remove); the container is left exited. */
export function cancelRestart(svc: ContainerService, rec: ContainerRecord): ContainerRecord {
  const timer = svc.restartTimers.get(rec.id);
  if (timer) clearTimeout(timer);
  svc.restartTimers.delete(rec.id);
  svc.backoff.delete(rec.id);
  if (rec.state.Status !== 'restarting') return rec;
  const next = { ...rec, state: withStatus(rec.state, 'exited') };
  svc.save(next);
  return next;
}
