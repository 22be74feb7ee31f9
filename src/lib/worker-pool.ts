// A small pool of worker threads running one script, started on first use and reused: a new
// worker costs ≈100 ms to start, more than many jobs. Idle workers are unref'd so they never
// keep the process alive; close() stops them (tests, shutdown). Each slot carries the
// handlers of the job it runs; a worker that dies is dropped and its job told.
import { Worker } from 'node:worker_threads';
import { systemError } from './errors.ts';

export interface PoolSlot<FromWorker> {
  worker: Worker;
  onMessage: ((m: FromWorker) => void) | undefined;
  onGone: ((err: Error) => void) | undefined;
}

export class WorkerPool<FromWorker> {
  private readonly script: URL;
  private readonly max: number;
  /** How errors name the worker ("layer unpack worker"). */
  private readonly what: string;
  private readonly idle: PoolSlot<FromWorker>[] = [];
  private readonly all = new Set<PoolSlot<FromWorker>>();
  private readonly waiting: ((s: PoolSlot<FromWorker>) => void)[] = [];

  constructor(script: URL, max: number, what: string) {
    this.script = script;
    this.max = max;
    this.what = what;
  }

  /** A free worker (started if the pool is below its size, else the next one released). */
  async acquire(): Promise<PoolSlot<FromWorker>> {
    const s = this.idle.pop() ?? (this.all.size < this.max ? this.spawn() : await new Promise<PoolSlot<FromWorker>>((r) => this.waiting.push(r)));
    s.worker.ref();
    return s;
  }

  /** Gives a worker back after its job (a dead one is already gone). */
  release(s: PoolSlot<FromWorker>): void {
    s.onMessage = undefined;
    s.onGone = undefined;
    if (!this.all.has(s)) return;
    const w = this.waiting.shift();
    if (w) {
      w(s);
      return;
    }
    s.worker.unref();
    this.idle.push(s);
  }

  /** Whether the slot's worker is still alive. */
  alive(s: PoolSlot<FromWorker>): boolean {
    return this.all.has(s);
  }

  /** Stops all workers (idle ones at once; call when no job is running). */
  async close(): Promise<void> {
    const slots = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private spawn(): PoolSlot<FromWorker> {
    const slot: PoolSlot<FromWorker> = { worker: new Worker(this.script), onMessage: undefined, onGone: undefined };
    slot.worker.on('message', (m: FromWorker) => slot.onMessage?.(m));
    const gone = (err: Error) => {
      this.all.delete(slot);
      const i = this.idle.indexOf(slot);
      if (i >= 0) this.idle.splice(i, 1);
      slot.onGone?.(err);
    };
    slot.worker.on('error', (err) => gone(systemError(`${this.what} failed: ${err.message}`, err)));
    slot.worker.on('exit', (code) => gone(systemError(`${this.what} exited (code ${code})`)));
    this.all.add(slot);
    return slot;
  }
}
