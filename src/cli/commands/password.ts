// Reading a password from the terminal without echo (docker's term.ReadPassword): raw mode,
// up to Enter; backspace edits, ctrl-c or ctrl-d cancels.
import type { InStream } from '../streams.ts';
import { CancelledError } from '../command.ts';

type RawCapable = { setRawMode?: (on: boolean) => unknown };

export function readPassword(input: InStream): Promise<string> {
  const stream = input.stream;
  const tty = stream as unknown as RawCapable;
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      tty.setRawMode?.(false);
      stream.pause();
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new CancelledError('canceled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const onEnd = () => done();
    tty.setRawMode?.(true);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.resume();
  });
}
