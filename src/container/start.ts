// POST /containers/{id}/start: /etc files written, rootfs mounted, config.json built, the
// runtime's monitor created, pending attachments connected, the process started. A failure
// undoes all of it and records Docker's exit code (127 not found, 126 not executable, 128).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, invalidParameter, messageOf, notModified, WharfError } from '../lib/errors.ts';
import { goRfc3339Nano, nowRfc3339Nano } from '../lib/gotime.ts';
import { log } from '../lib/log.ts';
import { NetworkSetupError } from '../network/endpoint-config.ts';
import { etcPaths, type EtcPaths } from '../network/etc-files.ts';
import { parseNetworkMode } from '../network/mode.ts';
import type { ContainerRecord } from './model.ts';
import { mountRootfs, unmountRootfs } from './rootfs.ts';
import type { ContainerService } from './service.ts';
import { buildSpecInput } from './spec-input.ts';
import { runningState } from './model.ts';
import { removeContainer } from './remove.ts';
import { networkView } from './network-view.ts';

/** The SpecInput a container was started with, kept in its bundle: exec builds on it. */
export const SPEC_INPUT_FILE = 'spec-input.json';

export async function startContainer(svc: ContainerService, ref: string): Promise<void> {
  const id = svc.records.resolve(ref).id;
  let autoRemove = false;
  try {
    await svc.withLock(id, async () => {
      const rec = svc.records.resolve(id);
      if (rec.state.Paused) throw conflict('cannot start a paused container, try unpause instead');
      if (rec.state.Running) throw notModified('Container already started');
      if (rec.state.Status === 'removing' || rec.state.Dead) throw conflict(`container is marked for removal and cannot be started`);
      autoRemove = rec.hostConfig.AutoRemove ?? false;
      await startLocked(svc, rec);
    });
  } catch (err) {
    // A --rm container that cannot start is removed (the docker CLI waits for that).
    if (autoRemove) await removeContainer(svc, id, { force: true, volumes: true }).catch((e: unknown) => log.warn('auto-remove after a failed start', { id, error: String(e) }));
    throw err;
  }
}

/** Starts a container whose lock the caller holds (start, restart, restart policies, recovery). */
export async function startLocked(svc: ContainerService, rec: ContainerRecord): Promise<ContainerRecord> {
  let created = false;
  let networking = false;
  try {
    const net = parseNetworkMode(rec.hostConfig.NetworkMode);
    let netPeerPid: number | undefined;
    let hostNetwork = false;
    let netnsPath: string | undefined;
    let etc: EtcPaths;
    if (net.mode.kind === 'container') {
      const peer = svc.records.resolve(net.mode.ref);
      if (!peer.state.Running) throw conflict(`cannot join network of a non running container: ${peer.id}`);
      netPeerPid = peer.state.Pid;
      etc = etcPaths(svc.containerDir(peer.id));
    } else {
      // Namespace, endpoints, published ports and the /etc files (none and host: the files only).
      networking = true;
      const up = await svc.deps.network.setUp(networkView(svc, rec));
      etc = up.etc;
      hostNetwork = up.hostNetwork;
      netnsPath = up.netnsPath;
    }
    const rootfs = await mountRootfs(svc, rec);
    const volumeMounts = await svc.deps.mounts.prepare(rec.id, rec.mountPoints);
    const d = svc.deps.defaults;
    const input = buildSpecInput(rec, {
      rootfs,
      etc,
      mounts: volumeMounts,
      initPath: d.initPath,
      defaultInit: d.init,
      defaultUlimits: d.ulimits,
      cgroupParent: d.cgroupParent,
      noNewPrivileges: d.noNewPrivileges,
      hostNetwork,
      netPeerPid,
      netnsPath,
      peerPid: (ref, what) => {
        const peer = svc.records.resolve(ref);
        if (!peer.state.Running) throw conflict(`cannot join ${what} namespace of a non running container: ${peer.id}`);
        return peer.state.Pid;
      },
    });
    const spec = await svc.deps.buildSpec(input);
    await writeFile(join(svc.bundleDir(rec.id), 'config.json'), JSON.stringify(spec));
    await writeFile(join(svc.bundleDir(rec.id), SPEC_INPUT_FILE), JSON.stringify(input));

    const handle = await svc.runtime.create({
      id: rec.id,
      name: rec.name.slice(1),
      bundle: svc.bundleDir(rec.id),
      runtime: svc.runtimeBinary(rec.runtime),
      terminal: rec.config.Tty ?? false,
      openStdin: rec.config.OpenStdin ?? false,
      stdinOnce: rec.config.StdinOnce ?? false,
      log: svc.logConfig(rec),
    });
    created = true;
    await svc.attachments.connect(rec.id);
    await svc.runtime.start(rec.id);
    const next: ContainerRecord = {
      ...rec,
      state: runningState(rec.state, handle.pid, nowRfc3339Nano()),
      hasBeenStarted: true,
      manuallyStopped: false,
    };
    svc.save(next);
    svc.emit(next, 'start');
    svc.started(next);
    return next;
  } catch (err) {
    const failure = startError(err);
    if (created) await svc.runtime.delete(rec.id, { force: true }).catch((e: unknown) => log.warn('cleanup: runtime delete', { id: rec.id, error: String(e) }));
    await unmountRootfs(svc, rec.id).catch((e: unknown) => log.warn('cleanup: unmount', { id: rec.id, error: String(e) }));
    if (networking) await svc.deps.network.tearDown(rec.id).catch((e: unknown) => log.warn('cleanup: networking', { id: rec.id, error: String(e) }));
    svc.deps.mounts.release(rec.id, rec.mountPoints);
    svc.attachments.drop(rec.id);
    const failed: ContainerRecord = {
      ...rec,
      state: { ...rec.state, Error: failure.message, ExitCode: failure.exitCode, Pid: 0, FinishedAt: rec.hasBeenStarted ? goRfc3339Nano(new Date().toISOString()) : rec.state.FinishedAt },
    };
    try {
      svc.save(failed);
    } catch {
      // removed meanwhile
    }
    svc.notifyExit(failed);
    throw failure.error;
  }
}

/**
 * Docker's translation of a runtime's start failure: a missing executable is 127, one that
 * cannot be executed 126, anything else 128; the message keeps the runtime's own reason,
 * which is what the docker CLI reads to choose its exit code.
 */
export function startError(err: unknown): { error: Error; exitCode: number; message: string } {
  if (err instanceof NetworkSetupError) return { error: err, exitCode: 128, message: err.message };
  if (err instanceof WharfError && err.kind !== 'System') return { error: err, exitCode: 128, message: err.message };
  const reason = messageOf(err);
  const suffix = reason.endsWith(': unknown') ? '' : ': unknown';
  const message = /OCI runtime/.test(reason) ? `failed to create task for container: ${reason}${suffix}` : `failed to create task for container: OCI runtime create failed: ${reason}${suffix}`;
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(reason)) {
    return { error: invalidParameter(message), exitCode: 127, message };
  }
  if (/permission denied|is a directory/.test(reason)) return { error: invalidParameter(message), exitCode: 126, message };
  return { error: new WharfError('System', message), exitCode: 128, message };
}
