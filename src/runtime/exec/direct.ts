// An exec without a terminal: the OCI runtime's `exec` runs as our child with its stdio on
// pipes, forwards signals, and exits with the process's status. No monitor is involved, which
// makes `exec true` cost one runtime invocation (about 10–30 ms with runc, 6 ms with crun) —
// the exec lives as long as the daemon, as its output has nowhere else to go. Nothing else is
// on the way: two small files (the process JSON, written at once, and the pid file the runtime
// writes), no directory, and the exit is the child's own.
//
// The runtime reports a failure to start (executable not found, permission denied) on stderr
// and exits 255 without writing the pid file; stderr is therefore held back until the pid file
// exists, so that message becomes the error and not the process's output.
import { existsSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { systemError } from '../../lib/errors.ts';
import { onEnd as onStreamEnd } from '../../lib/stream-end.ts';
import { DEFAULT_DETACH_KEYS, DetachKeysFilter, parseDetachKeys } from '../attach/detach-keys.ts';
import { type OciCli, runtimeMessage } from '../oci-cli.ts';
import type { ExecOptions, ExecSession, SessionEnd } from '../runtime.ts';
import { signalNumber } from './exit-status.ts';

export interface DirectExecPaths {
  /** The process JSON: written here at once (a local file, no thread-pool round trips). */
  processFile: string;
  /** Where the runtime writes the process's pid: a file of its own in a directory we watch. */
  pidFile: string;
}

export async function execDirect(cli: OciCli, id: string, paths: DirectExecPaths, opts: ExecOptions): Promise<ExecSession> {
  writeFileSync(paths.processFile, JSON.stringify({ ...opts.process, terminal: false }), { mode: 0o600 });
  const child = cli.spawnExec(id, paths.processFile, paths.pidFile);
  let started = false;
  let resolveStarted!: () => void;
  const startedP = new Promise<void>((resolve) => {
    resolveStarted = resolve;
  });
  const markStarted = () => {
    if (started || !existsSync(paths.pidFile)) return;
    started = true;
    resolveStarted();
  };
  const watcher = watch(dirname(paths.pidFile), { persistent: false }, (_e, name) => {
    if (name === basename(paths.pidFile)) markStarted();
  });
  watcher.on('error', () => {});

  // Output stops reaching the caller once the session is detached or closed.
  const gate = { open: true };
  const held: Buffer[] = [];
  const stderrDest = opts.stderr;
  child.stderr.on('data', (chunk: Buffer) => {
    markStarted();
    if (!started) held.push(chunk);
    else if (gate.open) stderrDest?.write(chunk);
  });
  forward(child.stdout, opts.stdout, markStarted, gate);
  child.stdin.on('error', () => {});

  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
  });
  child.on('error', () => {});

  const outcome = await Promise.race([startedP.then(() => 'started' as const), exited.then(() => 'exited' as const)]);
  markStarted();
  watcher.close();
  if (outcome === 'exited' && !started) {
    const msg = runtimeMessage(Buffer.concat(held).toString()) || `exit status ${await exited}`;
    throw systemError(`OCI runtime exec failed: ${msg}`);
  }
  for (const chunk of held.splice(0)) stderrDest?.write(chunk);
  const pid = Number.parseInt(readFileSync(paths.pidFile, 'utf8'), 10);
  return new DirectExec(pid, child.stdin, exited, opts, gate);
}

/** Copies a child's output to the caller's stream with backpressure, never ending it. */
function forward(src: Readable, dest: Writable | undefined, onData: () => void, gate: { open: boolean }): void {
  src.on('data', (chunk: Buffer) => {
    onData();
    if (gate.open && dest && !dest.destroyed && !dest.write(chunk)) {
      src.pause();
      dest.once('drain', () => src.resume());
    }
  });
}

class DirectExec implements ExecSession {
  readonly pid: number;
  readonly exitCode: Promise<number>;
  readonly done: Promise<SessionEnd>;
  private resolveDone!: (end: SessionEnd) => void;
  private ended = false;
  private readonly gate: { open: boolean };

  constructor(pid: number, stdin: Writable, exited: Promise<number>, opts: ExecOptions, gate: { open: boolean }) {
    this.gate = gate;
    this.pid = pid;
    this.exitCode = exited;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    exited.then(() => this.end('exited'));
    const input = opts.stdin;
    if (!input) {
      stdin.end();
      return;
    }
    const filter = new DetachKeysFilter(parseDetachKeys(opts.detachKeys ?? DEFAULT_DETACH_KEYS));
    const onData = (chunk: Buffer | string) => {
      const { data, detach } = filter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      if (data.length > 0 && !stdin.destroyed && !stdin.write(data)) {
        input.pause();
        stdin.once('drain', () => input.resume());
      }
      if (detach) this.end('detached');
    };
    input.on('data', onData);
    const offEnd = onStreamEnd(input, () => stdin.end()); // it may have ended before we came
    this.done.finally(() => {
      input.off('data', onData);
      offEnd();
    });
  }

  async resize(): Promise<void> {}

  close(): void {
    this.end('closed');
  }

  private end(how: SessionEnd): void {
    if (this.ended) return;
    this.ended = true;
    if (how !== 'exited') this.gate.open = false;
    this.resolveDone(how);
  }
}
