// The runtime driver's contract: what the container service (src/container/) calls to run a
// container. Each container runs under its own monitor (conmon), which runs the OCI runtime
// (runc or crun), holds the container's stdio, writes its log and records its exit code. No
// Node process is kept per container, so containers outlive a daemon crash and are re-adopted
// with recover().
//
// Division of work: the caller prepares the bundle (config.json from src/runtime/spec, rootfs
// mounted) and owns the container's record in the database; this driver owns everything under
// its state root (monitor files, attach socket, exit files, the OCI runtime's own state) and the
// container's log files.
import type { Readable, Writable } from 'node:stream';

/** An OCI runtime as the daemon chose it (src/daemon/runtime-choice.ts). */
export interface RuntimeBinary {
  /** "runc", "crun" or a configured name; recorded so recovery uses the same runtime. */
  name: string;
  path: string;
  /** Extra global arguments (dockerd's runtimeArgs), placed before the subcommand. */
  args?: string[];
}

export type LogDriverName = 'json-file' | 'local' | 'none';

/**
 * Where and how a container's output is kept. json-file and local store the same on-disk
 * format (conmon's CRI "k8s-file" lines: `<RFC3339Nano> <stdout|stderr> <F|P> <text>`), which
 * readLogs() serves in Docker's shape; rotation keeps `maxFile` generations of `maxSize` bytes
 * (path, path.1, ... path.N-1).
 */
export interface LogConfig {
  driver: LogDriverName;
  /** The live log file (LogPath). Ignored for "none". */
  path: string;
  /** Bytes per file before rotation; undefined or 0 = unlimited. */
  maxSize?: number;
  /** Generations kept, including the live file; default 1. */
  maxFile?: number;
}

/** Everything needed to start one container's monitor. */
export interface ContainerLaunch {
  /** The container's full 64-hex id; also the OCI runtime's container id. */
  id: string;
  /** The container's name (for the monitor's logs only). */
  name: string;
  /** OCI bundle directory holding config.json; the rootfs must already be mounted. */
  bundle: string;
  runtime: RuntimeBinary;
  /** Allocate a pseudo-terminal (docker -t); conmon then holds the pty master. */
  terminal: boolean;
  /** Keep a stdin pipe open for attach (docker -i / OpenStdin). */
  openStdin: boolean;
  /** Close the container's stdin when the first attached client detaches or sends EOF (StdinOnce). */
  stdinOnce: boolean;
  log: LogConfig;
}

/** What create() returns; also what recover() reports for live containers. */
export interface MonitorHandle {
  id: string;
  /** The container's init process, as seen from the host pid namespace. */
  pid: number;
  /** The conmon process holding the container. */
  monitorPid: number;
}

/** The OCI runtime's view of a container (`runtime state`). */
export type RuntimeStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface RuntimeState {
  id: string;
  status: RuntimeStatus;
  /** 0 once stopped. */
  pid: number;
  bundle: string;
}

/** Reported once per container exit (and per exit found by recover()). */
export interface ExitEvent {
  id: string;
  /** The exit status; 128+signal when killed by a signal (137 for SIGKILL). */
  exitCode: number;
  exitedAt: Date;
  /** The kernel's OOM killer killed a process of the container (cgroup v1 and v2). */
  oomKilled: boolean;
}

export interface AttachOptions {
  /** Caller's input; piped to the container's stdin until it ends or detach keys are read. */
  stdin?: Readable;
  /** Receives the container's stdout (and, with a TTY, everything). */
  stdout?: Writable;
  /** Receives the container's stderr (never used with a TTY). */
  stderr?: Writable;
  /** Docker's detach key sequence ("ctrl-p,ctrl-q" by default); "" disables detaching. */
  detachKeys?: string;
}

/** Why an attach or exec session ended. */
export type SessionEnd = 'detached' | 'exited' | 'closed';

/** A live connection between the caller's streams and the container's stdio. */
export interface AttachSession {
  /** Settles when output ends (container exited), the detach keys were typed, or close() was called. */
  readonly done: Promise<SessionEnd>;
  /** Disconnects without affecting the container. Idempotent. */
  close(): void;
}

/** OCI runtime-spec `process` object (args, env, cwd, user, terminal, capabilities, ...). */
export type OciProcess = Record<string, unknown> & { args: string[]; terminal?: boolean };

/** OCI runtime-spec `linux.resources` object, passed verbatim to `runtime update --resources`. */
export type OciLinuxResources = Record<string, unknown>;

export interface ExecOptions extends AttachOptions {
  /** The process to run (the container's process with exec's overrides applied by the caller). */
  process: OciProcess;
  /** Allocate a pseudo-terminal; process.terminal is set to match. */
  tty: boolean;
}

export interface ExecSession extends AttachSession {
  /** The exec'd process, host pid namespace. */
  readonly pid: number;
  /** Settles with the exit status (128+signal when signalled) once the process has exited. */
  readonly exitCode: Promise<number>;
  /** Changes the exec's terminal size (tty only; ignored otherwise). */
  resize(height: number, width: number): Promise<void>;
}

export interface LogReadOptions {
  stdout: boolean;
  stderr: boolean;
  /** Only entries at or after this time. */
  since?: Date;
  /** Only entries before this time. */
  until?: Date;
  /** The last N entries (before following); undefined = all. */
  tail?: number;
  /** Keep reading as the container writes, across rotations, until `signal` or `stopFollowing`. */
  follow?: boolean;
  /** Ends a follow (and any read) at once. */
  signal?: AbortSignal;
  /** When this settles (the container exited), a follow reads what remains and ends. */
  stopFollowing?: Promise<unknown>;
}

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  /** Unix time of the entry, whole seconds. */
  sec: number;
  /** Nanoseconds within `sec` (the monitor writes nanosecond timestamps; Date keeps only ms). */
  nsec: number;
  /**
   * The text with its trailing "\n" when the line was complete, as Docker's json-file `log`
   * field; a line the monitor had to split (longer than its 8 KiB buffer) comes as several
   * entries, all but the last without "\n".
   */
  line: Buffer;
}

/** One blkio counter, as the Engine API's blkio_stats entries. */
export interface BlkioEntry {
  major: number;
  minor: number;
  /** "Read", "Write", "Sync", "Async", "Discard", "Total" (v1); "read"/"write" (v2), as dockerd. */
  op: string;
  value: number;
}

/**
 * A cgroup sample in the Engine API's units (bytes, nanoseconds), read from cgroup v1 or v2
 * files; the container service adds read time, system CPU usage, online CPUs and networks.
 */
export interface CgroupSample {
  cpu: {
    totalNs: number;
    perCpuNs: number[];
    userNs: number;
    kernelNs: number;
    throttling: { periods: number; throttledPeriods: number; throttledTimeNs: number };
  };
  memory: {
    usage: number;
    maxUsage?: number;
    failcnt?: number;
    limit: number;
    /** memory.stat keys and values as the kernel names them (v1 or v2). */
    stats: Record<string, number>;
  };
  pids: { current: number; limit?: number };
  blkio: { ioServiceBytesRecursive: BlkioEntry[]; ioServicedRecursive: BlkioEntry[] };
}

/**
 * Result of recover() for one container id. A container that stopped without leaving an exit
 * status (its monitor was killed, the host rebooted, the driver never knew it) is "exited"
 * with exit code 255, as dockerd reports it.
 */
export type Recovered =
  | { id: string; status: 'running' | 'paused' | 'created'; handle: MonitorHandle }
  | { id: string; status: 'exited'; exit: ExitEvent };

export interface ContainerRuntime {
  /**
   * Starts the container's monitor, detached (its own session; it survives the daemon), which
   * runs `runtime create`. Resolves once the container exists in the runtime's "created"
   * state, with its init pid. Rejects with the runtime's own message (e.g. "exec: "foo":
   * executable file not found in $PATH") when creation fails, leaving nothing behind.
   */
  create(launch: ContainerLaunch): Promise<MonitorHandle>;
  /** `runtime start`: runs the user process. Attach first to see its earliest output. */
  start(id: string): Promise<void>;
  /**
   * Connects the given streams to the container's stdio through the monitor's attach socket.
   * Output written before attaching is not replayed (it is in the log).
   */
  attach(id: string, opts: AttachOptions): Promise<AttachSession>;
  /** Sets the container's terminal size (tty containers only). */
  resize(id: string, height: number, width: number): Promise<void>;
  /** Sends a signal (number, "SIGTERM", "TERM", "15") to the container's init. */
  kill(id: string, signal: number | string): Promise<void>;
  /** Freezes / thaws every process of the container (cgroup freezer). */
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /**
   * The runtime's state, or undefined when the runtime does not know the container — which
   * includes a container whose exit was reported: the driver then removes its runtime state
   * (cgroup included) at once, as containerd deletes an exited task.
   */
  state(id: string): Promise<RuntimeState | undefined>;
  /**
   * Removes the container from the runtime and its monitor files. A running container is
   * refused (Conflict) unless `force`, which kills it first (its exit is reported before this
   * returns). Never touches the bundle's config.json, the rootfs or the logs. On return the
   * driver no longer knows the id; for an exited container the runtime's own cleanup (its
   * cgroup, its state) may still be finishing in the background: a create() of the same id
   * and close() wait for it.
   */
  delete(id: string, opts?: { force?: boolean }): Promise<void>;
  /** Changes resource limits of a created/running container. */
  update(id: string, resources: OciLinuxResources): Promise<void>;
  /** Runs an additional process in a running container. */
  exec(id: string, opts: ExecOptions): Promise<ExecSession>;
  /** Registers an exit listener; returns the unsubscribe function. */
  onExit(listener: (exit: ExitEvent) => void): () => void;
  /**
   * At daemon start-up, for containers the database believes are created/running/paused:
   * re-adopts live ones and reports exits that happened while the daemon was away.
   */
  recover(ids: readonly string[]): Promise<Recovered[]>;
  /** Reads the container's cgroup figures (docker stats). */
  stats(id: string): Promise<CgroupSample>;
  /**
   * Reads a container's log, oldest generation first, in batches (one per chunk read: a
   * per-entry iterator costs more than parsing). Unavailable for the "none" driver.
   */
  readLogs(log: LogConfig, opts: LogReadOptions): AsyncIterable<LogEntry[]>;
  /**
   * At start-up: removes empty container cgroups under `parent` whose ID is not in `keep`
   * (left by a daemon killed before the runtime's delete). Returns the directories removed.
   */
  sweepCgroups(parent: string, keep: ReadonlySet<string>): Promise<string[]>;
  /** Stops watching; leaves every container running. */
  close(): Promise<void>;
}
