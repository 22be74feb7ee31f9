// Instructions that only change the image's config (ENV, LABEL, CMD, ENTRYPOINT, USER, EXPOSE,
// VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL, ONBUILD, MAINTAINER, ARG), and the history line
// each leaves, worded as the classic builder words them ("/bin/sh -c #(nop)  CMD [\"sh\"]").
import { invalidParameter } from '../lib/errors.ts';
import type { ContainerConfigTemplate, HealthConfig } from '../image/types.ts';
import type { CommandForm, Instruction } from './dockerfile/instructions.ts';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** Go's %q of a []string: ["a" "b"]. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** The classic builder's comment commits: shell + "#(nop) " + comment, joined by spaces. */
export function nopCreatedBy(shell: readonly string[], comment: string): string {
  return [...shell, '#(nop) ', comment].join(' ');
}

/** The argv a CMD/ENTRYPOINT/RUN/HEALTHCHECK gets: exec form as is, shell form through SHELL. */
export function argv(cmd: CommandForm, shell: readonly string[]): string[] {
  return cmd.form === 'exec' ? cmd.args : [...shell, cmd.text];
}

/** Sets or replaces KEY in a KEY=value list, in place of the old one. */
export function setEnv(env: readonly string[], key: string, value: string): string[] {
  const out = [...env];
  const i = out.findIndex((e) => e.split('=', 1)[0] === key);
  if (i >= 0) out[i] = `${key}=${value}`;
  else out.push(`${key}=${value}`);
  return out;
}

type Expand = (word: string) => string;
type ExpandWords = (text: string) => string[];

/**
 * Applies a config-only instruction. Returns the comment for the history line, or undefined
 * for an instruction that the caller handles itself.
 */
export function applyMetadata(
  ins: Instruction,
  config: ContainerConfigTemplate,
  expand: Expand,
  expandWords: ExpandWords,
  stage: { cmdSet: boolean },
): string | undefined {
  const shell = config.Shell ?? DEFAULT_SHELL;
  switch (ins.kind) {
    case 'env': {
      let env = config.Env ?? [];
      const parts: string[] = [];
      for (const p of ins.pairs) {
        const key = expand(p.key);
        const value = expand(p.value);
        env = setEnv(env, key, value);
        parts.push(`${key}=${value}`);
      }
      config.Env = env;
      return `ENV ${parts.join(' ')}`;
    }
    case 'label': {
      const labels = { ...(config.Labels ?? {}) };
      const parts: string[] = [];
      for (const p of ins.pairs) {
        const key = expand(p.key);
        const value = expand(p.value);
        labels[key] = value;
        parts.push(`${key}=${value}`);
      }
      config.Labels = labels;
      return `LABEL ${parts.join(' ')}`;
    }
    case 'cmd': {
      config.Cmd = argv(ins.command, shell);
      stage.cmdSet = true;
      return `CMD ${goQuoteList(config.Cmd)}`;
    }
    case 'entrypoint': {
      config.Entrypoint = argv(ins.command, shell);
      // As Docker: a new ENTRYPOINT resets a CMD inherited from the base image.
      if (!stage.cmdSet) config.Cmd = null;
      return `ENTRYPOINT ${goQuoteList(config.Entrypoint)}`;
    }
    case 'user':
      config.User = expand(ins.user);
      return `USER ${config.User}`;
    case 'expose': {
      const ports = { ...(config.ExposedPorts ?? {}) };
      const list: string[] = [];
      for (const raw of ins.ports.flatMap((p) => expandWords(p))) {
        for (const p of exposedPorts(raw)) {
          ports[p] = {};
          list.push(p);
        }
      }
      config.ExposedPorts = ports;
      return `EXPOSE ${list.join(' ')}`;
    }
    case 'volume': {
      const vols = { ...(config.Volumes ?? {}) };
      const paths = ins.paths.map((p) => expand(p));
      for (const p of paths) {
        if (p.trim() === '') throw invalidParameter('VOLUME specified can not be an empty string');
        vols[p] = {};
      }
      config.Volumes = vols;
      return `VOLUME [${paths.join(' ')}]`;
    }
    case 'stopsignal':
      config.StopSignal = expand(ins.signal);
      return `STOPSIGNAL ${config.StopSignal}`;
    case 'shell':
      config.Shell = ins.shell;
      return `SHELL [${ins.shell.join(' ')}]`;
    case 'onbuild':
      config.OnBuild = [...(config.OnBuild ?? []), ins.expression];
      return `ONBUILD ${ins.expression}`;
    case 'healthcheck': {
      const hc = healthcheck(ins);
      config.Healthcheck = hc;
      return `HEALTHCHECK &{${goQuoteList(hc.Test ?? [])} ${goDuration(hc.Interval)} ${goDuration(hc.Timeout)} ${goDuration(hc.StartPeriod)} ${goDuration(hc.StartInterval)} '\\x${(hc.Retries ?? 0).toString(16).padStart(2, '0')}'}`;
    }
    default:
      return undefined;
  }
}

/** "80", "80/udp", "8000-8002/tcp" → ["80/tcp"], ... */
function exposedPorts(raw: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(raw);
  if (!m) throw invalidParameter(`invalid containerPort: ${raw}`);
  const first = Number(m[1]);
  const last = m[2] ? Number(m[2]) : first;
  const proto = (m[3] ?? 'tcp').toLowerCase();
  const out: string[] = [];
  for (let p = first; p <= last; p++) out.push(`${p}/${proto}`);
  return out;
}

function healthcheck(ins: Instruction & { kind: 'healthcheck' }): HealthConfig {
  if (ins.test === 'NONE') return { Test: ['NONE'] };
  const test = ins.test.form === 'exec' ? ['CMD', ...ins.test.args] : ['CMD-SHELL', ins.test.text];
  const hc: HealthConfig = { Test: test };
  const d = (name: string) => {
    const v = ins.options[name];
    return v === undefined ? 0 : parseGoDuration(v, name);
  };
  // Zero values are left out, as Go's omitempty leaves them out of the image config.
  const set = (field: 'Interval' | 'Timeout' | 'StartPeriod' | 'StartInterval' | 'Retries', v: number) => {
    if (v !== 0) hc[field] = v;
  };
  set('Interval', d('interval'));
  set('Timeout', d('timeout'));
  set('StartPeriod', d('start-period'));
  set('StartInterval', d('start-interval'));
  const retries = ins.options['retries'];
  const n = retries === undefined ? 0 : Number(retries);
  if (!Number.isInteger(n) || n < 0) throw invalidParameter(`invalid retries value: ${retries}`);
  set('Retries', n);
  return hc;
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, to nanoseconds. */
export function parseGoDuration(text: string, flag: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  if (text === '0') return 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNIT_NS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== text.length || pos === 0) throw invalidParameter(`time: invalid duration "${text}" for flag ${flag}`);
  return Math.round(total);
}

/** Go's Duration.String() of nanoseconds, quoted as %q prints it. */
function goDuration(ns: number | undefined): string {
  const v = ns ?? 0;
  if (v === 0) return '"0s"';
  const parts: string[] = [];
  let rest = v / 1e9;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  if (h) parts.push(`${h}h`);
  if (h || m) parts.push(`${m}m`);
  parts.push(`${Number(rest.toFixed(9))}s`);
  return `"${parts.join('')}"`;
}
