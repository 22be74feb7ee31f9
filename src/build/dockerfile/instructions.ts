// The Dockerfile's instructions, typed: each raw instruction from parse.ts checked and read
// into its arguments, with Docker's error messages and line numbers. Values stay unexpanded:
// variables are substituted when the build evaluates them, with the ARG and ENV of that point.
import { invalidParameter } from '../../lib/errors.ts';
import type { Heredoc, ParsedDockerfile, RawInstruction } from './parse.ts';

/** CMD, ENTRYPOINT, RUN, HEALTHCHECK: JSON "exec" form or a shell string. */
export type CommandForm = { form: 'exec'; args: string[] } | { form: 'shell'; text: string };

export interface KeyValue {
  /** Unexpanded, quotes kept: processWord() gives the final text. */
  key: string;
  value: string;
}

interface Common {
  line: number;
  original: string;
}

export type Instruction = Common &
  (
    | { kind: 'from'; image: string; stageName?: string; platform?: string }
    | { kind: 'arg'; args: { name: string; value?: string }[] }
    | { kind: 'env'; pairs: KeyValue[] }
    | { kind: 'label'; pairs: KeyValue[] }
    | { kind: 'run'; command: CommandForm; mounts: string[]; network?: string; security?: string; heredocs: Heredoc[] }
    | { kind: 'cmd' | 'entrypoint'; command: CommandForm }
    | { kind: 'shell'; shell: string[] }
    | {
        kind: 'copy' | 'add';
        sources: string[];
        dest: string;
        from?: string;
        chown?: string;
        chmod?: string;
        link: boolean;
        checksum?: string;
        keepGitDir: boolean;
        exclude: string[];
        heredocs: Heredoc[];
      }
    | { kind: 'workdir'; path: string }
    | { kind: 'user'; user: string }
    | { kind: 'expose'; ports: string[] }
    | { kind: 'volume'; paths: string[] }
    | { kind: 'stopsignal'; signal: string }
    | { kind: 'maintainer'; name: string }
    | { kind: 'healthcheck'; test: CommandForm | 'NONE'; options: Record<string, string> }
    | { kind: 'onbuild'; expression: string }
  );

/** Flags each instruction accepts; "*" marks repeatable ones, "?" booleans. */
const FLAGS: Record<string, string[]> = {
  from: ['platform'],
  run: ['mount*', 'network', 'security'],
  copy: ['from', 'chown', 'chmod', 'link?', 'parents?', 'exclude*'],
  add: ['chown', 'chmod', 'link?', 'checksum', 'keep-git-dir?', 'exclude*'],
  healthcheck: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

export function readInstructions(parsed: ParsedDockerfile): Instruction[] {
  return parsed.instructions.map(readInstruction);
}

export function readInstruction(raw: RawInstruction): Instruction {
  const fail = (msg: string) => invalidParameter(`dockerfile parse error on line ${raw.startLine}: ${msg}`);
  const flags = readFlags(raw, fail);
  const base = { line: raw.startLine, original: raw.original };
  const rest = raw.rest.trim();
  const one = (what: string) => {
    if (rest === '') throw fail(`${raw.cmd.toUpperCase()} requires exactly one argument`);
    return what;
  };
  switch (raw.cmd) {
    case 'from': {
      const words = rest.split(/\s+/).filter(Boolean);
      if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === 'as')) {
        throw fail('FROM requires either one or three arguments');
      }
      const out: Instruction = { ...base, kind: 'from', image: words[0]! };
      if (words.length === 3) {
        const name = words[2]!.toLowerCase();
        if (!/^[a-z][a-z0-9-_.]*$/.test(name)) throw fail(`invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
        out.stageName = name;
      }
      if (flags.platform) out.platform = flags.platform;
      return out;
    }
    case 'arg': {
      const words = splitWords(rest);
      if (words.length === 0) throw fail('ARG requires at least one argument');
      return {
        ...base,
        kind: 'arg',
        args: words.map((w) => {
          const eq = w.indexOf('=');
          return eq < 0 ? { name: w } : { name: w.slice(0, eq), value: w.slice(eq + 1) };
        }),
      };
    }
    case 'env':
    case 'label':
      return { ...base, kind: raw.cmd, pairs: keyValues(raw.cmd, rest, fail) };
    case 'run':
      if (rest === '' && raw.heredocs.length === 0) throw fail('RUN requires at least one argument');
      return {
        ...base,
        kind: 'run',
        command: commandForm(rest),
        mounts: flags.mount ? flags.mount.split('\0') : [],
        ...(flags.network ? { network: flags.network } : {}),
        ...(flags.security ? { security: flags.security } : {}),
        heredocs: raw.heredocs,
      };
    case 'cmd':
    case 'entrypoint':
      return { ...base, kind: raw.cmd, command: commandForm(rest) };
    case 'shell': {
      const c = commandForm(rest);
      if (c.form !== 'exec') throw fail('SHELL requires the arguments to be in JSON form');
      return { ...base, kind: 'shell', shell: c.args };
    }
    case 'copy':
    case 'add': {
      const c = commandForm(rest);
      const words = c.form === 'exec' ? c.args : splitWords(rest);
      if (words.length < 2) throw fail(`${raw.cmd.toUpperCase()} requires at least two arguments, but only one was provided. Destination could not be determined`);
      if (raw.cmd === 'add' && flags.from) throw fail('Unknown flag: from');
      const out: Instruction = {
        ...base,
        kind: raw.cmd,
        sources: words.slice(0, -1),
        dest: words.at(-1)!,
        link: flags.link === 'true',
        keepGitDir: flags['keep-git-dir'] === 'true',
        exclude: flags.exclude ? flags.exclude.split('\0') : [],
        heredocs: raw.heredocs,
      };
      if (flags.from) out.from = flags.from;
      if (flags.chown) out.chown = flags.chown;
      if (flags.chmod) out.chmod = flags.chmod;
      if (flags.checksum) out.checksum = flags.checksum;
      return out;
    }
    case 'workdir':
      return { ...base, kind: 'workdir', path: one(rest) };
    case 'user':
      return { ...base, kind: 'user', user: one(rest) };
    case 'stopsignal':
      return { ...base, kind: 'stopsignal', signal: one(rest) };
    case 'maintainer':
      return { ...base, kind: 'maintainer', name: one(rest) };
    case 'expose': {
      const ports = splitWords(rest);
      if (ports.length === 0) throw fail('EXPOSE requires at least one argument');
      return { ...base, kind: 'expose', ports };
    }
    case 'volume': {
      const c = commandForm(rest);
      const paths = c.form === 'exec' ? c.args : splitWords(rest);
      if (paths.length === 0 || paths.some((p) => p.trim() === '')) throw fail('VOLUME specified can not be an empty string');
      return { ...base, kind: 'volume', paths };
    }
    case 'healthcheck': {
      const words = rest.split(/\s+/);
      const type = (words[0] ?? '').toUpperCase();
      if (type === 'NONE') {
        if (words.length > 1 || Object.keys(flags).length > 0) throw fail('HEALTHCHECK NONE takes no arguments');
        return { ...base, kind: 'healthcheck', test: 'NONE', options: {} };
      }
      if (type !== 'CMD') throw fail(`Unknown type "${words[0] ?? ''}" in HEALTHCHECK (try CMD)`);
      const cmdText = rest.slice(words[0]!.length).trim();
      if (cmdText === '') throw fail('Missing command after HEALTHCHECK CMD');
      return { ...base, kind: 'healthcheck', test: commandForm(cmdText), options: flags };
    }
    case 'onbuild': {
      const inner = rest.split(/\s+/)[0]?.toLowerCase() ?? '';
      if (inner === '') throw fail('ONBUILD requires at least one argument');
      if (inner === 'onbuild') throw fail('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (inner === 'from' || inner === 'maintainer') throw fail(`${inner.toUpperCase()} isn't allowed as an ONBUILD trigger`);
      return { ...base, kind: 'onbuild', expression: rest };
    }
    default:
      throw fail(`unknown instruction: ${raw.cmd.toUpperCase()}`);
  }
}

/** Flag values by name; repeatable ones joined with NUL. Unknown flags are Docker's error. */
function readFlags(raw: RawInstruction, fail: (m: string) => Error): Record<string, string> {
  const allowed = FLAGS[raw.cmd] ?? [];
  const out: Record<string, string> = {};
  for (const f of raw.flags) {
    const eq = f.indexOf('=');
    const name = eq < 0 ? f.slice(2) : f.slice(2, eq);
    let value = eq < 0 ? undefined : unquote(f.slice(eq + 1));
    const spec = allowed.find((a) => a.replace(/[*?]$/, '') === name);
    if (!spec) throw fail(`Unknown flag: ${name}`);
    if (spec.endsWith('?')) {
      value ??= 'true';
      if (value !== 'true' && value !== 'false') throw fail(`expecting boolean value for flag ${name}, not: ${value}`);
    } else if (value === undefined) throw fail(`Missing a value on flag: ${f}`);
    if (spec.endsWith('*') && out[name] !== undefined) out[name] = `${out[name]}\0${value}`;
    else if (out[name] !== undefined) throw fail(`Duplicate flag specified: ${name}`);
    else out[name] = value;
  }
  return out;
}

function unquote(s: string): string {
  return /^"[^"]*"$|^'[^']*'$/.test(s) ? s.slice(1, -1) : s;
}

/** JSON array of strings → exec form; anything else is a shell command line. */
export function commandForm(rest: string): CommandForm {
  if (rest.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(rest);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { form: 'exec', args: v as string[] };
    } catch {
      // not JSON: the shell form, as Docker treats it
    }
  }
  return { form: 'shell', text: rest };
}

/** Splits on unquoted whitespace, keeping quotes and escapes for the later expansion. */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === '' && /\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    cur += ch;
    if (ch === '\\' && quote !== "'" && i + 1 < text.length) cur += text[++i];
    else if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
    else if (ch === quote) quote = '';
  }
  if (inWord) out.push(cur);
  return out;
}

/** ENV/LABEL: `k=v k2="v 2"` pairs, or the legacy `ENV key value with spaces`. */
function keyValues(cmd: string, rest: string, fail: (m: string) => Error): KeyValue[] {
  const words = splitWords(rest);
  const upper = cmd.toUpperCase();
  if (words.length === 0) throw fail(`${upper} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const key = words[0]!;
    const value = rest.slice(rest.indexOf(key) + key.length).trim();
    if (value === '') throw fail(`${upper} must have two arguments`);
    return [{ key, value }];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) throw fail(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    if (eq === 0) throw fail(`${upper} names can not be blank`);
    return { key: w.slice(0, eq), value: w.slice(eq + 1) };
  });
}
