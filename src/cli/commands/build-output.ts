// How `wharf build` shows the classic builder's stream: "Step N/M : ..." lines and what the
// steps print as they come, then one summary line per step with its time or CACHED ("[2/6] RUN
// make  1.3s"); the builder's bookkeeping lines (" ---> Running in", " ---> <id>", removals)
// are left out. On a terminal a step that printed nothing is replaced by its summary line.
import { StatusError } from '../command.ts';
import type { JSONMessage } from '../../client/types.ts';

interface Writer {
  write(text: string): void;
}

interface Step {
  n: string;
  text: string;
  started: number;
  cached: boolean;
  /** Lines printed since the step's header. */
  printed: number;
  /** Terminal rows the header took. */
  rows: number;
}

const STEP = /^Step (\d+\/\d+) : (.*)$/;
const BOOKKEEPING = /^(?: ---> (?:Running in [0-9a-f]+|[0-9a-f]{12,64}|Removed intermediate container [0-9a-f]+)|Removing intermediate container [0-9a-f]+)$/;

export class BuildRenderer {
  private readonly out: Writer;
  private readonly terminal: boolean;
  private readonly columns: number;
  private readonly now: () => number;
  private pending = '';
  private step: Step | undefined;
  /** The image ID from the last aux message. */
  imageId = '';

  constructor(out: Writer, opts: { terminal: boolean; columns?: number | undefined; now?: () => number }) {
    this.out = out;
    this.terminal = opts.terminal;
    // A terminal that does not know its size (0 columns) counts as 80 wide.
    this.columns = opts.columns && opts.columns > 0 ? opts.columns : 80;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Takes one message of the stream; an error message ends the build (StatusError, exit 1). */
  message(m: JSONMessage): void {
    if (m.aux !== undefined) {
      const id = (m.aux as { ID?: unknown }).ID;
      if (typeof id === 'string') this.imageId = id;
    }
    if (typeof m.stream === 'string') this.text(m.stream);
    if (m.errorDetail || m.error) {
      this.flushPending();
      this.finish('ERROR');
      const message = m.errorDetail?.message ?? m.error ?? '';
      throw new StatusError(message, m.errorDetail?.code || 1);
    }
  }

  /** The end of the stream. */
  end(): void {
    this.flushPending();
    this.finish();
  }

  private text(s: string): void {
    this.pending += s;
    let nl = this.pending.indexOf('\n');
    while (nl >= 0) {
      this.line(this.pending.slice(0, nl).replace(/\r$/, ''));
      this.pending = this.pending.slice(nl + 1);
      nl = this.pending.indexOf('\n');
    }
  }

  private flushPending(): void {
    if (this.pending !== '') this.line(this.pending);
    this.pending = '';
  }

  private line(l: string): void {
    const m = STEP.exec(l);
    if (m) {
      this.finish();
      const rows = Math.max(1, Math.ceil(l.length / Math.max(1, this.columns)));
      this.step = { n: m[1]!, text: m[2]!, started: this.now(), cached: false, printed: 0, rows };
      this.out.write(`${l}\n`);
      return;
    }
    if (l === ' ---> Using cache') {
      if (this.step) this.step.cached = true;
      return;
    }
    if (BOOKKEEPING.test(l)) return;
    if (l.startsWith('Successfully built ')) this.finish();
    if (this.step) this.step.printed++;
    this.out.write(`${l}\n`);
  }

  /** Prints the current step's summary line. */
  private finish(status?: 'ERROR'): void {
    const s = this.step;
    if (!s) return;
    this.step = undefined;
    const secs = (this.now() - s.started) / 1000;
    const result = status ?? (s.cached ? 'CACHED' : `${secs.toFixed(1)}s`);
    let text = s.text.replace(/\s*\n\s*/g, ' ');
    if (this.terminal) {
      const room = this.columns - s.n.length - result.length - 6;
      if (text.length > room) text = `${text.slice(0, Math.max(0, room - 3))}...`;
    }
    // On a terminal, a step that printed nothing has its header replaced by the summary.
    const replace = this.terminal && s.printed === 0 ? '\x1b[1A\x1b[2K'.repeat(s.rows) : '';
    this.out.write(`${replace}[${s.n}] ${text}  ${result}\n`);
  }
}
