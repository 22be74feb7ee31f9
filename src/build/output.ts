// A stage's share of the build output. Stages may build at the same time; their output is
// shown one stage after the other, in Dockerfile order: a stage's lines wait in a buffer
// until every stage before it has finished, then flow live.
import type { Writable } from 'node:stream';
import { Writable as WritableStream } from 'node:stream';
import type { BuildProgress } from './types.ts';

export class StageOutput {
  private readonly sink: BuildProgress;
  private readonly buffer: string[] = [];
  private live = false;
  private finished = false;
  private next: StageOutput | undefined;

  constructor(sink: BuildProgress) {
    this.sink = sink;
  }

  /** Links the outputs in display order; the first one is live at once. */
  static chain(list: StageOutput[]): void {
    list.forEach((o, i) => {
      o.next = list[i + 1];
    });
    list[0]?.goLive();
  }

  line(text: string): void {
    this.write(`${text}\n`);
  }

  write(text: string): void {
    if (this.live) this.sink.stream(text);
    else this.buffer.push(text);
  }

  /** A writable for a RUN's output. */
  writable(): Writable {
    return new WritableStream({
      write: (chunk: Buffer, _enc, cb) => {
        this.write(chunk.toString('utf8'));
        cb();
      },
    });
  }

  done(): void {
    this.finished = true;
    if (this.live) this.next?.goLive();
  }

  private goLive(): void {
    this.live = true;
    for (const t of this.buffer.splice(0)) this.sink.stream(t);
    if (this.finished) this.next?.goLive();
  }
}
