// The Dockerfile's first pass, as BuildKit's parser reads it: parser directives at the top
// (`# escape=`, `# syntax=`), comments, line continuations with the escape character, empty
// continuation lines, heredocs (`RUN <<EOF`, `<<-EOF`, quoted delimiters), and each
// instruction split into its keyword, its leading `--flags` and the rest. Expanding variables
// and reading each instruction's arguments come later (shell-lex.ts, instructions.ts).
import { invalidParameter } from '../../lib/errors.ts';

export interface Directives {
  escape: '\\' | '`';
  /** The `# syntax=` frontend image, when given. */
  syntax?: string;
}

export interface Heredoc {
  name: string;
  /** The lines between the marker and the delimiter, each ending in "\n". */
  content: string;
  /** False when the delimiter was quoted (`<<"EOF"`): no variable expansion in the body. */
  expand: boolean;
  /** `<<-EOF`: leading tabs stripped from each line. */
  chomp: boolean;
}

export interface RawInstruction {
  /** Lower-case keyword: "from", "run", ... */
  cmd: string;
  /** `--name=value` / `--name` words that preceded the arguments. */
  flags: string[];
  /** Everything after the keyword and flags, continuation lines joined. */
  rest: string;
  /** The instruction as written (keyword included), continuations joined: history's created_by. */
  original: string;
  heredocs: Heredoc[];
  /** 1-based lines in the file. */
  startLine: number;
  endLine: number;
}

export interface ParsedDockerfile {
  directives: Directives;
  instructions: RawInstruction[];
  warnings: string[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);
/** Instructions whose arguments may open heredocs. */
const HEREDOC_COMMANDS = new Set(['run', 'copy', 'add']);
const HEREDOC_MARKER = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const directives: Directives = { escape: '\\' };
  const warnings: string[] = [];
  let i = 0;
  const seen = new Set<string>();
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!.trim());
    if (!m || !KNOWN_DIRECTIVES.has(m[1]!.toLowerCase())) break;
    const key = m[1]!.toLowerCase();
    if (seen.has(key)) throw invalidParameter(`dockerfile parse error on line ${i + 1}: only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw invalidParameter(`invalid escape token '${m[2]}' does not match ` + '` or \\');
      directives.escape = m[2];
    } else if (key === 'syntax') {
      directives.syntax = m[2]!;
    }
  }

  const esc = directives.escape;
  const instructions: RawInstruction[] = [];
  while (i < lines.length) {
    const start = i;
    const first = lines[i]!.trimStart();
    i++;
    if (first === '' || first.startsWith('#')) continue;
    let joined = '';
    let line = first;
    let end = start;
    // Continuations: comment and empty lines inside an instruction are dropped.
    for (;;) {
      const cont = continues(line, esc);
      joined += cont === undefined ? line : cont;
      if (cont === undefined) break;
      let next: string | undefined;
      while (i < lines.length) {
        const candidate = lines[i]!;
        i++;
        const t = candidate.trimStart();
        if (t.startsWith('#')) continue;
        if (t === '') {
          warnings.push(`[WARNING]: Empty continuation line found in: ${joined}`);
          continue;
        }
        next = candidate;
        break;
      }
      end = i - 1;
      if (next === undefined) break; // the file ended inside a continuation
      line = next;
    }
    const inst = splitInstruction(joined.trim(), start + 1, end + 1);
    if (HEREDOC_COMMANDS.has(inst.cmd)) {
      for (const m of inst.rest.matchAll(HEREDOC_MARKER)) {
        const name = m[3]!;
        const chomp = m[1] === '-';
        let content = '';
        let closed = false;
        while (i < lines.length) {
          const body = lines[i]!;
          i++;
          const compare = chomp ? body.replace(/^\t+/, '') : body;
          if (compare === name) {
            closed = true;
            break;
          }
          content += `${compare}\n`;
        }
        if (!closed) throw invalidParameter(`dockerfile parse error on line ${start + 1}: unterminated heredoc ${name}`);
        inst.heredocs.push({ name, content, expand: m[2] === '', chomp });
      }
      inst.endLine = i;
    }
    instructions.push(inst);
  }
  return { directives, instructions, warnings };
}

/** The line without its trailing escape character when it continues, else undefined. */
function continues(line: string, esc: string): string | undefined {
  const trimmed = line.replace(/[ \t]+$/, '');
  // As BuildKit: any trailing escape character continues, even an escaped one.
  return trimmed.endsWith(esc) ? trimmed.slice(0, -1) : undefined;
}

function splitInstruction(text: string, startLine: number, endLine: number): RawInstruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text)!;
  const cmd = m[1]!.toLowerCase();
  let rest = m[2]!;
  const flags: string[] = [];
  // Leading "--flag[=value]" words (values may be quoted).
  for (;;) {
    const f = /^--[A-Za-z][\w-]*(?:=(?:"[^"]*"|'[^']*'|\S)*)?(?=\s|$)/.exec(rest);
    if (!f) break;
    flags.push(f[0]);
    rest = rest.slice(f[0].length).trimStart();
  }
  return { cmd, flags, rest, original: text, heredocs: [], startLine, endLine };
}
