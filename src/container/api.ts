// The containers service as the API routes and the rest of the daemon see it: one method per
// operation, each delegating to the file that implements it. Also the hooks other services
// take from containers: image GC roots and rmi conflicts, /info counts, /system/df.
import type { Readable } from 'node:stream';
import type { AttachOptions, AttachSession, ExecSession } from '../runtime/runtime.ts';
import { archiveContainerPath, type ContainerPathStat, type ExtractOptions, extractToContainer, statContainerPath } from './archive.ts';
import { commitContainer, type CommitOptions } from './commit.ts';
import { createContainer, type CreateOptions } from './create.ts';
import { containerChanges } from './diff.ts';
import { createExec, inspectExec, resizeExec, startExec, type ExecStartOptions } from './exec.ts';
import { exportContainer } from './export.ts';
import { inspectContainer } from './inspect.ts';
import { listContainers, type ListOptions } from './list.ts';
import { containerLogs, type LogLine, type LogsQuery } from './logs.ts';
import { pauseContainer, unpauseContainer } from './pause.ts';
import { pruneContainers } from './prune.ts';
import { removeContainer } from './remove.ts';
import { renameContainer } from './rename.ts';
import type { ContainerRecord } from './model.ts';
import type { ContainerService } from './service.ts';
import { startContainer } from './start.ts';
import { containerStats } from './stats.ts';
import { killContainer, restartContainer, stopContainer, type StopOptions } from './stop.ts';
import { topContainer } from './top.ts';
import { conflict } from '../lib/errors.ts';
import { updateContainer } from './update.ts';
import type {
  ContainerCreateBody,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerPruneResponse,
  ContainerSummary,
  ContainerTopResponse,
  ContainerWaitResponse,
  ExecConfig,
  ExecInspect,
  FilesystemChange,
  WaitCondition,
} from './types.ts';

export class Containers {
  readonly svc: ContainerService;

  constructor(svc: ContainerService) {
    this.svc = svc;
  }

  list(opts: ListOptions): Promise<ContainerSummary[]> {
    return listContainers(this.svc, opts);
  }
  create(body: ContainerCreateBody, opts: CreateOptions): Promise<ContainerCreateResponse> {
    return createContainer(this.svc, body, opts);
  }
  prune(filters: Map<string, string[]>): Promise<ContainerPruneResponse> {
    return pruneContainers(this.svc, filters);
  }
  inspect(ref: string, opts: { size: boolean }): Promise<ContainerInspect> {
    return inspectContainer(this.svc, ref, opts);
  }
  top(ref: string, psArgs: string): Promise<ContainerTopResponse> {
    return topContainer(this.svc, ref, psArgs);
  }
  diff(ref: string): Promise<FilesystemChange[]> {
    return containerChanges(this.svc, ref);
  }
  export(ref: string): Promise<Readable> {
    return exportContainer(this.svc, ref);
  }
  archiveStat(ref: string, path: string): Promise<ContainerPathStat> {
    return statContainerPath(this.svc, ref, path);
  }
  archive(ref: string, path: string): Promise<{ stat: ContainerPathStat; tar: Readable }> {
    return archiveContainerPath(this.svc, ref, path);
  }
  extractArchive(ref: string, path: string, body: AsyncIterable<Uint8Array>, opts: ExtractOptions): Promise<void> {
    return extractToContainer(this.svc, ref, path, body, opts);
  }
  logs(ref: string, q: LogsQuery): AsyncGenerator<LogLine[]> {
    return containerLogs(this.svc, ref, q);
  }
  stats(ref: string, q: { stream: boolean; oneShot: boolean; signal: AbortSignal }): AsyncGenerator<object> {
    return containerStats(this.svc, ref, q);
  }
  async resize(ref: string, height: number, width: number): Promise<void> {
    const rec = this.svc.records.resolve(ref);
    if (!rec.state.Running) throw conflict(`Container ${rec.id} is not running`);
    await this.svc.runtime.resize(rec.id, height, width);
    this.svc.emit(rec, 'resize', { height: String(height), width: String(width) });
  }
  start(ref: string): Promise<void> {
    return startContainer(this.svc, ref);
  }
  stop(ref: string, opts: StopOptions): Promise<void> {
    return stopContainer(this.svc, ref, opts);
  }
  restart(ref: string, opts: StopOptions): Promise<void> {
    return restartContainer(this.svc, ref, opts);
  }
  kill(ref: string, signal: string | undefined): Promise<void> {
    return killContainer(this.svc, ref, signal);
  }
  update(ref: string, body: Record<string, unknown>): Promise<{ Warnings: string[] }> {
    return updateContainer(this.svc, ref, body);
  }
  rename(ref: string, name: string): Promise<void> {
    return renameContainer(this.svc, ref, name);
  }
  pause(ref: string): Promise<void> {
    return pauseContainer(this.svc, ref);
  }
  unpause(ref: string): Promise<void> {
    return unpauseContainer(this.svc, ref);
  }
  wait(ref: string, condition: WaitCondition): Promise<ContainerWaitResponse> {
    return this.svc.wait(ref, condition);
  }
  remove(ref: string, opts: { force: boolean; volumes: boolean }): Promise<void> {
    return removeContainer(this.svc, ref, opts);
  }
  async attach(ref: string, opts: AttachOptions): Promise<AttachSession> {
    const rec = this.svc.records.resolve(ref);
    const session = await this.svc.attachments.attach(rec, opts);
    this.svc.emit(rec, 'attach');
    return session;
  }
  isTty(ref: string): boolean {
    return this.svc.records.resolve(ref).config.Tty ?? false;
  }
  commit(ref: string, q: CommitOptions): Promise<string> {
    return commitContainer(this.svc, ref, q);
  }

  // --- exec ----------------------------------------------------------------------------------

  execCreate(ref: string, cfg: ExecConfig): { Id: string } {
    return createExec(this.svc, ref, cfg);
  }
  execCheck(id: string): ExecInspect {
    return inspectExec(this.svc, id);
  }
  execStart(id: string, q: ExecStartOptions): Promise<ExecSession> {
    return startExec(this.svc, id, q);
  }
  execInspect(id: string): ExecInspect {
    return inspectExec(this.svc, id);
  }
  execResize(id: string, height: number, width: number): Promise<void> {
    return resizeExec(this.svc, id, height, width);
  }

  // --- what other services ask of containers ---------------------------------------------------

  /** ImageUsers: containers of an image (rmi conflicts, image list counts). */
  containersUsing(imageId: string): { id: string; running: boolean }[] {
    return this.svc.records.idsUsingImage(imageId).map((id) => ({ id, running: this.svc.records.get(id)?.state.Running ?? false }));
  }
  /** GcRoots: every container keeps its image's layers, and those of the images it mounts (type=image). */
  layersInUse(): string[] {
    return this.svc.records.all().flatMap((r) => [r.layer, ...r.mountPoints.map((m) => m.Details?.layer)].filter((l): l is string => typeof l === 'string'));
  }

  /** VolumeUsers: the containers whose mounts reference a volume (in use, dangling, RefCount). */
  containersUsingVolume(name: string): string[] {
    return this.svc.records
      .all()
      .filter((r) => r.mountPoints.some((m) => m.Type === 'volume' && m.Name === name))
      .map((r) => r.id);
  }

  /** Running containers and their mounts (volume recovery at start-up). */
  runningMounts(): { id: string; mountPoints: ContainerRecord['mountPoints'] }[] {
    return this.svc.records.all().filter((r) => r.state.Running).map((r) => ({ id: r.id, mountPoints: r.mountPoints }));
  }

  counts(): { Containers: number; ContainersRunning: number; ContainersPaused: number; ContainersStopped: number } {
    let running = 0;
    let paused = 0;
    let stopped = 0;
    const all = this.svc.records.all();
    for (const r of all) {
      if (r.state.Paused) paused++;
      else if (r.state.Running) running++;
      else stopped++;
    }
    return { Containers: all.length, ContainersRunning: running, ContainersPaused: paused, ContainersStopped: stopped };
  }

  /** /system/df's Containers: every container with its sizes. */
  diskUsage(): Promise<ContainerSummary[]> {
    return listContainers(this.svc, { all: true, size: true, filters: new Map() });
  }
}
