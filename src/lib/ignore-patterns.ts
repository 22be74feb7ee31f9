// .dockerignore files and their matching, with the semantics of moby's patternmatcher (which
// both the docker CLI, when it makes the build context, and the builder follow): one pattern
// per line, `#` comments, patterns cleaned like Go's filepath.Clean with a leading "/"
// dropped, `!` negates, `*` and `?` stay within a path element, `**` crosses any number of
// them, and the LAST matching pattern decides. A pattern that matches a directory matches
// everything under it.

export interface IgnorePattern {
  /** The cleaned pattern, without "!". */
  pattern: string;
  exclusion: boolean;
  regex: RegExp;
}

/** Reads a .dockerignore file's text into patterns (comments and blank lines dropped). */
export function readIgnoreFile(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    let line = raw.trim();
    if (line === '') continue;
    let neg = '';
    if (line.startsWith('!')) {
      neg = '!';
      line = line.slice(1).trim();
      if (line === '') continue;
    }
    let p = cleanPath(line);
    if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    out.push(neg + p);
  }
  return out;
}

export class IgnoreMatcher {
  readonly patterns: IgnorePattern[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns
      .map((p) => p.trim())
      .filter((p) => p !== '' && p !== '!')
      .map((p) => {
        const exclusion = p.startsWith('!');
        const pattern = cleanPath(exclusion ? p.slice(1).trim() : p).replace(/^\/+/, '') || '.';
        return { pattern, exclusion, regex: compile(pattern) };
      });
  }

  get hasExclusions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }

  /**
   * Whether a path (relative to the context, "/"-separated) is excluded: the path or any of
   * its parents matched by the last pattern that matches it.
   */
  matches(path: string): boolean {
    const file = cleanPath(path).replace(/^\/+/, '');
    const parents: string[] = [];
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) parents.push(parts.slice(0, i).join('/'));
    let matched = false;
    for (const p of this.patterns) {
      if (p.exclusion !== matched) continue; // only a pattern of the other kind can change the answer
      if (p.regex.test(file) || parents.some((dir) => p.regex.test(dir))) matched = !p.exclusion;
    }
    return matched;
  }
}

/** Go's filepath.Clean for "/"-separated paths. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out.at(-1) !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined || '.';
}

/** patternmatcher's compile: the pattern as an anchored regular expression. */
function compile(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // "**/" also matches nothing at all: "**/x" matches "x".
        if (pattern[i + 1] === '/') {
          i++;
          re += '(.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error(`syntax error in pattern: ${pattern}`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('!') || cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (ch === '\\') {
      const next = pattern[i + 1];
      if (next !== undefined) {
        re += next.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        i++;
      }
    } else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}
