// A counting semaphore, first come first served: uploads (dockerd's transfer manager limit,
// max-concurrent-uploads) and blocks being compressed, each shared by every push of the daemon.
export class Limiter {
  private readonly max: number;
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(max: number) {
    this.max = max;
  }

  /** Runs `fn` when a slot is free; `onWait` is called first if it has to queue. */
  async run<T>(onWait: () => void, fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) {
      onWait();
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next(); // the slot passes on
      else this.running--;
    }
  }
}
