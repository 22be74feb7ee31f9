// Exec instances: POST /containers/{id}/exec, /exec/{id}/start, /json, /resize. Like dockerd
// they live in memory only (an exec does not survive the daemon), and are dropped with their
// container. The process is the container's own OCI process with exec's overrides.
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { join } from 'node:path';
import { randomId } from '../lib/fsutil.ts';
import { conflict, invalidParameter, messageOf, notFound } from '../lib/errors.ts';
import { log } from '../lib/log.ts';
import type { AttachOptions, ExecSession, OciProcess } from '../runtime/runtime.ts';
import type { SpecInput } from '../runtime/spec/index.ts';
import { SPEC_INPUT_FILE } from './start.ts';
import type { ContainerService } from './service.ts';
import type { ExecConfig, ExecInspect } from './types.ts';

export interface ExecInstance {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  session: ExecSession | undefined;
  /** A resize that came before the session existed (the CLI resizes right after start). */
  pendingSize: { height: number; width: number } | undefined;
}

export class ExecStore {
  private readonly byId = new Map<string, ExecInstance>();

  add(e: ExecInstance): void {
    this.byId.set(e.id, e);
  }

  get(id: string): ExecInstance {
    const e = this.byId.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return e;
  }

  idsOf(containerId: string): string[] {
    return [...this.byId.values()].filter((e) => e.containerId === containerId).map((e) => e.id);
  }

  /** Forgets a container's execs (it stopped or was removed). */
  dropContainer(containerId: string): void {
    for (const [id, e] of this.byId) if (e.containerId === containerId && !e.running) this.byId.delete(id);
  }
}

export function createExec(svc: ContainerService, ref: string, cfg: ExecConfig): { Id: string } {
  const rec = svc.records.resolve(ref);
  if (!rec.state.Running || rec.state.Restarting) throw conflict(`Container ${rec.id} is not running`);
  if (rec.state.Paused) throw conflict(`Container ${rec.id} is paused, unpause the container before exec`);
  if (!cfg.Cmd || cfg.Cmd.length === 0) throw invalidParameter('No exec command specified');
  for (const e of cfg.Env ?? []) if (e === '' || e.startsWith('=')) throw invalidParameter(`invalid environment variable: ${e}`);
  const id = randomId();
  svc.execs.add({ id, containerId: rec.id, config: cfg, running: false, started: false, exitCode: null, pid: 0, session: undefined, pendingSize: undefined });
  svc.emit(rec, `exec_create: ${cfg.Cmd.join(' ')}`, { execID: id });
  return { Id: id };
}

export interface ExecStartOptions extends Omit<AttachOptions, 'detachKeys'> {
  tty?: boolean;
  consoleSize?: { height: number; width: number };
}

/**
 * Starts the exec. Resolves with the session (the caller streams until `done`); the exit is
 * recorded when the process ends, with an `exec_die` event.
 */
export async function startExec(svc: ContainerService, execId: string, opts: ExecStartOptions): Promise<ExecSession> {
  const e = svc.execs.get(execId);
  if (e.running) throw conflict(`Error: Exec command ${execId} is already running`);
  if (e.started) throw conflict(`Error: Exec command ${execId} has already run`);
  const rec = svc.records.resolve(e.containerId);
  if (!rec.state.Running || rec.state.Restarting) throw conflict(`Container ${rec.id} is not running`);
  if (rec.state.Paused) throw conflict(`Container ${rec.id} is paused, unpause the container before exec`);
  e.started = true;
  e.running = true;
  const tty = opts.tty ?? e.config.Tty ?? false;
  let session: ExecSession;
  try {
    const process = await execProcess(svc, rec.id, e.config, tty, opts.consoleSize ?? e.pendingSize);
    const attach: AttachOptions = {};
    if (opts.stdin && e.config.AttachStdin) attach.stdin = opts.stdin;
    if (opts.stdout) attach.stdout = opts.stdout;
    if (opts.stderr) attach.stderr = opts.stderr;
    if (e.config.DetachKeys !== undefined) attach.detachKeys = e.config.DetachKeys;
    session = await svc.runtime.exec(rec.id, { ...attach, process, tty });
  } catch (err) {
    e.running = false;
    e.exitCode = /executable file not found|no such file or directory/.test(messageOf(err)) ? 127 : 126;
    throw execError(err);
  }
  e.session = session;
  e.pid = session.pid;
  svc.emit(rec, `exec_start: ${(e.config.Cmd ?? []).join(' ')}`, { execID: e.id });
  void session.exitCode.then(
    (code) => finish(svc, e, code),
    (err: unknown) => {
      log.warn('exec: no exit status', { exec: e.id, error: messageOf(err) });
      finish(svc, e, 126);
    },
  );
  return session;
}

function finish(svc: ContainerService, e: ExecInstance, code: number): void {
  e.running = false;
  e.exitCode = code;
  e.session = undefined;
  const rec = svc.records.get(e.containerId);
  if (rec) svc.emit(rec, 'exec_die', { execID: e.id, exitCode: String(code) });
}

/** A process with no exec record (healthchecks): stdout and stderr both go to `out`. */
export async function probeExec(svc: ContainerService, id: string, argv: string[], out: Writable): Promise<ExecSession> {
  const process = await execProcess(svc, id, { Cmd: argv }, false, undefined);
  return svc.runtime.exec(id, { process, tty: false, stdout: out, stderr: out });
}

/** A runtime's exec failure in Docker's words (the CLI reads "executable file not found"). */
function execError(err: unknown): Error {
  const reason = messageOf(err);
  const suffix = reason.endsWith(': unknown') ? '' : ': unknown';
  if (/OCI runtime/.test(reason)) return new Error(`${reason}${suffix}`);
  return new Error(`OCI runtime exec failed: exec failed: ${reason}${suffix}`);
}

/** The container's own process settings (saved at start) with exec's command, env, cwd, user and tty. */
async function execProcess(
  svc: ContainerService,
  id: string,
  cfg: ExecConfig,
  tty: boolean,
  size: { height: number; width: number } | undefined,
): Promise<OciProcess> {
  // A small local file, read at once (as the user lookup below reads /etc/passwd): no thread-pool round trips before the runtime starts.
  const input = JSON.parse(readFileSync(join(svc.bundleDir(id), SPEC_INPUT_FILE), 'utf8')) as SpecInput;
  return svc.deps.execProcess(input, {
    args: cfg.Cmd ?? [],
    env: cfg.Env ?? [],
    user: cfg.User || undefined,
    cwd: cfg.WorkingDir || undefined,
    tty,
    consoleSize: tty && size && size.height > 0 && size.width > 0 ? size : undefined,
    privileged: cfg.Privileged ?? false,
  });
}

export function inspectExec(svc: ContainerService, execId: string): ExecInspect {
  const e = svc.execs.get(execId);
  const cmd = e.config.Cmd ?? [];
  return {
    CanRemove: false,
    DetachKeys: e.config.DetachKeys ?? '',
    ID: e.id,
    Running: e.running,
    ExitCode: e.exitCode,
    ProcessConfig: {
      privileged: e.config.Privileged ?? false,
      user: e.config.User ?? '',
      tty: e.config.Tty ?? false,
      entrypoint: cmd[0] ?? '',
      arguments: cmd.slice(1),
    },
    OpenStdin: e.config.AttachStdin ?? false,
    OpenStderr: e.config.AttachStderr ?? false,
    OpenStdout: e.config.AttachStdout ?? false,
    ContainerID: e.containerId,
    Pid: e.pid,
  };
}

export async function resizeExec(svc: ContainerService, execId: string, height: number, width: number): Promise<void> {
  const e = svc.execs.get(execId);
  if (e.session) await e.session.resize(height, width);
  else e.pendingSize = { height, width };
}
