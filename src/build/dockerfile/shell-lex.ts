// Variable substitution and word splitting in Dockerfile arguments, as BuildKit's shell lexer
// does them: single quotes are literal; double quotes allow `$` and escape only `"`, `$` and
// the escape character; outside quotes the escape character escapes anything. Forms:
// $VAR ${VAR} ${VAR:-w} ${VAR-w} ${VAR:+w} ${VAR+w} ${VAR:?m} ${VAR?m} ${VAR#p} ${VAR##p}
// ${VAR%p} ${VAR%%p} ${VAR/p/r} ${VAR//p/r}. Unset variables expand to nothing.
import { invalidParameter } from '../../lib/errors.ts';

export type Env = ReadonlyMap<string, string>;

export interface LexOptions {
  escape?: '\\' | '`';
}

/** One word: quotes removed, variables expanded, no splitting. */
export function processWord(word: string, env: Env, opts: LexOptions = {}): string {
  return new Lexer(word, env, opts.escape ?? '\\').word();
}

/** Splits on unquoted whitespace, then expands each word (ENV/ARG/LABEL pairs, COPY sources). */
export function processWords(text: string, env: Env, opts: LexOptions = {}): string[] {
  return new Lexer(text, env, opts.escape ?? '\\').words();
}

class Lexer {
  private pos = 0;
  private readonly src: string;
  private readonly env: Env;
  private readonly esc: string;

  constructor(src: string, env: Env, esc: string) {
    this.src = src;
    this.env = env;
    this.esc = esc;
  }

  word(): string {
    return this.until(() => false);
  }

  words(): string[] {
    const out: string[] = [];
    for (;;) {
      while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
      if (this.pos >= this.src.length) return out;
      out.push(this.until((ch) => /\s/.test(ch)));
    }
  }

  /** Reads until `stop` says so (outside quotes) or the end. */
  private until(stop: (ch: string) => boolean): string {
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos]!;
      if (stop(ch)) break;
      this.pos++;
      if (ch === "'") out += this.single();
      else if (ch === '"') out += this.double();
      else if (ch === '$') out += this.variable();
      else if (ch === this.esc) {
        if (this.pos < this.src.length) out += this.src[this.pos++];
      } else out += ch;
    }
    return out;
  }

  private single(): string {
    const end = this.src.indexOf("'", this.pos);
    if (end < 0) throw invalidParameter('unexpected end of statement while looking for matching single-quote');
    const s = this.src.slice(this.pos, end);
    this.pos = end + 1;
    return s;
  }

  private double(): string {
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos++]!;
      if (ch === '"') return out;
      if (ch === '$') out += this.variable();
      else if (ch === this.esc && this.pos < this.src.length) {
        const next = this.src[this.pos]!;
        if (next === '"' || next === '$' || next === this.esc) {
          out += next;
          this.pos++;
        } else out += ch;
      } else out += ch;
    }
    throw invalidParameter('unexpected end of statement while looking for matching double-quote');
  }

  private variable(): string {
    const rest = this.src.slice(this.pos);
    if (rest[0] === '{') return this.braced();
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]/.exec(rest);
    if (!m) return '$'; // a lone "$" stays
    this.pos += m[0].length;
    return this.env.get(m[0]) ?? '';
  }

  private braced(): string {
    this.pos++; // "{"
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]+/.exec(this.src.slice(this.pos));
    if (!m) throw invalidParameter(`missing ':' in substitution: ${this.src}`);
    const name = m[0];
    this.pos += name.length;
    const value = this.env.get(name);
    if (this.src[this.pos] === '}') {
      this.pos++;
      return value ?? '';
    }
    const op = /^(:-|:\+|:\?|-|\+|\?|##|#|%%|%|\/\/|\/)/.exec(this.src.slice(this.pos));
    if (!op) throw invalidParameter(`unsupported modifier (${this.src[this.pos] ?? ''}) in substitution: ${this.src}`);
    this.pos += op[0].length;
    const word = this.nestedWord();
    const set = value !== undefined;
    const nonEmpty = set && value !== '';
    switch (op[0]) {
      case ':-':
        return nonEmpty ? value : word;
      case '-':
        return set ? value : word;
      case ':+':
        return nonEmpty ? word : '';
      case '+':
        return set ? word : '';
      case ':?':
        if (!nonEmpty) throw invalidParameter(`${name}: ${word || 'is not allowed to be unset'}`);
        return value;
      case '?':
        if (!set) throw invalidParameter(`${name}: ${word || 'is not allowed to be unset'}`);
        return value;
      case '#':
      case '##':
        return trimPrefix(value ?? '', word, op[0] === '##');
      case '%':
      case '%%':
        return trimSuffix(value ?? '', word, op[0] === '%%');
      default: {
        const slash = word.indexOf('/');
        const pattern = slash < 0 ? word : word.slice(0, slash);
        const replacement = slash < 0 ? '' : word.slice(slash + 1);
        return replacePattern(value ?? '', pattern, replacement, op[0] === '//');
      }
    }
  }

  /** The word of a ${VAR<op>word} up to its closing brace, itself expanded. */
  private nestedWord(): string {
    let depth = 0;
    const start = this.pos;
    for (; this.pos < this.src.length; this.pos++) {
      const ch = this.src[this.pos]!;
      if (ch === this.esc) this.pos++;
      else if (ch === '{') depth++;
      else if (ch === '}') {
        if (depth === 0) break;
        depth--;
      }
    }
    if (this.pos >= this.src.length) throw invalidParameter(`missing '}' in substitution: ${this.src}`);
    const raw = this.src.slice(start, this.pos);
    this.pos++; // "}"
    return new Lexer(raw, this.env, this.esc).word();
  }
}

/** A shell glob (`*`, `?`, `[...]`) as an anchored-at-neither-end regex source. */
function globSource(pattern: string): string {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return re;
}

function trimPrefix(value: string, pattern: string, longest: boolean): string {
  const whole = new RegExp(`^(?:${globSource(pattern)})$`);
  const lengths = [...Array(value.length + 1).keys()];
  if (longest) lengths.reverse();
  for (const n of lengths) if (whole.test(value.slice(0, n))) return value.slice(n);
  return value;
}

function trimSuffix(value: string, pattern: string, longest: boolean): string {
  const whole = new RegExp(`^(?:${globSource(pattern)})$`);
  const starts = [...Array(value.length + 1).keys()];
  if (!longest) starts.reverse();
  for (const s of starts) if (whole.test(value.slice(s))) return value.slice(0, s);
  return value;
}

function replacePattern(value: string, pattern: string, replacement: string, all: boolean): string {
  if (pattern === '') return value;
  const re = new RegExp(globSource(pattern), all ? 'g' : '');
  return value.replace(re, () => replacement);
}
