// A counting semaphore: at most `n` transfers at once across all pulls of the daemon
// (dockerd's max-concurrent-downloads is per daemon, not per pull).
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private readonly n: number;

  constructor(n: number) {
    this.n = Math.max(1, n);
  }

  /** True when acquire() would wait (for a "Waiting" status). */
  get full(): boolean {
    return this.active >= this.n;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active >= this.n) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.queue.indexOf(go);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.queue.push(go);
      });
    } else {
      this.active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next(); // the slot passes on; active stays the same
      else this.active--;
    };
  }
}
