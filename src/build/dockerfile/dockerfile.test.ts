// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text, not templates
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Instruction, readInstructions } from './instructions.ts';
import { parseDockerfile } from './parse.ts';
import { processWord, processWords } from './shell-lex.ts';

const read = (text: string) => readInstructions(parseDockerfile(text));

function as<K extends Instruction['kind']>(i: Instruction | undefined, kind: K): Instruction & { kind: K } {
  assert.equal(i?.kind, kind);
  return i as Instruction & { kind: K };
}

describe('parseDockerfile', () => {
  it('reads directives, comments, continuations and keeps line numbers', () => {
    const p = parseDockerfile(['# syntax=docker/dockerfile:1', '# escape=`', '', 'FROM busybox', '# a comment', 'RUN echo a `', '  # inside', '', '  && echo b', 'CMD ["sh"]'].join('\n'));
    assert.equal(p.directives.escape, '`');
    assert.equal(p.directives.syntax, 'docker/dockerfile:1');
    assert.deepEqual(
      p.instructions.map((i) => [i.cmd, i.rest, i.startLine, i.endLine]),
      [
        ['from', 'busybox', 4, 4],
        ['run', 'echo a   && echo b', 6, 9],
        ['cmd', '["sh"]', 10, 10],
      ],
    );
    assert.equal(p.warnings.length, 1, 'the empty continuation line is warned about');
  });

  it('stops reading directives at the first other line', () => {
    const p = parseDockerfile('# comment\n# escape=`\nFROM x\n');
    assert.equal(p.directives.escape, '\\');
  });

  it('refuses a repeated directive and a bad escape', () => {
    assert.throws(() => parseDockerfile('# escape=`\n# escape=\\\nFROM x'), /only one escape parser directive/);
    assert.throws(() => parseDockerfile('# escape=x\nFROM x'), /invalid escape token/);
  });

  it('reads heredocs, with <<- tab stripping and quoted delimiters', () => {
    const p = parseDockerfile('FROM x\nRUN <<EOF\necho $HOME\n  two\nEOF\nCOPY <<-"A" /a\n\tliteral $X\n\tA\nCMD x\n');
    const [, run, copy, cmd] = p.instructions;
    assert.deepEqual(run!.heredocs, [{ name: 'EOF', content: 'echo $HOME\n  two\n', expand: true, chomp: false }]);
    assert.deepEqual(copy!.heredocs, [{ name: 'A', content: 'literal $X\n', expand: false, chomp: true }]);
    assert.equal(cmd!.startLine, 9);
    assert.throws(() => parseDockerfile('RUN <<EOF\nno end\n'), /unterminated heredoc EOF/);
  });

  it('splits leading flags from the arguments', () => {
    const [i] = parseDockerfile('COPY --from=build --chown="a b" --link src dst').instructions;
    assert.deepEqual(i!.flags, ['--from=build', '--chown="a b"', '--link']);
    assert.equal(i!.rest, 'src dst');
  });
});

describe('readInstructions', () => {
  it('types every instruction', () => {
    const ins = read(
      [
        'ARG BASE=busybox V',
        'FROM --platform=linux/amd64 ${BASE} AS Build',
        'ENV A=1 B="two words"',
        'ENV LEGACY value with spaces',
        'LABEL x=y',
        'RUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t --network=none make',
        'CMD ["a", "b"]',
        'ENTRYPOINT exec sh',
        'SHELL ["/bin/sh", "-c"]',
        'COPY --from=build --chmod=755 a b /dst/',
        'ADD ["x y", "/d"]',
        'WORKDIR /w',
        'USER 1:2',
        'EXPOSE 80/tcp 53/udp',
        'VOLUME ["/v1", "/v2"]',
        'STOPSIGNAL SIGINT',
        'HEALTHCHECK --interval=5s --retries=3 CMD wget -q localhost',
        'ONBUILD RUN echo hi',
      ].join('\n'),
    );
    assert.deepEqual(
      ins.map((i) => i.kind),
      ['arg', 'from', 'env', 'env', 'label', 'run', 'cmd', 'entrypoint', 'shell', 'copy', 'add', 'workdir', 'user', 'expose', 'volume', 'stopsignal', 'healthcheck', 'onbuild'],
    );
    const [arg, from, env, legacy, , run, cmd, ep, , copy, add, , , expose, volume, , hc] = ins;
    assert.deepEqual(as(arg, 'arg').args, [{ name: 'BASE', value: 'busybox' }, { name: 'V' }]);
    assert.deepEqual([as(from, 'from').stageName, as(from, 'from').platform, as(from, 'from').image], ['build', 'linux/amd64', '${BASE}']);
    assert.deepEqual(as(env, 'env').pairs, [
      { key: 'A', value: '1' },
      { key: 'B', value: '"two words"' },
    ]);
    assert.deepEqual(as(legacy, 'env').pairs, [{ key: 'LEGACY', value: 'value with spaces' }]);
    const r = as(run, 'run');
    assert.deepEqual([r.mounts.length, r.network, r.command.form], [2, 'none', 'shell']);
    assert.deepEqual(as(cmd, 'cmd').command, { form: 'exec', args: ['a', 'b'] });
    assert.deepEqual(as(ep, 'entrypoint').command, { form: 'shell', text: 'exec sh' });
    const c = as(copy, 'copy');
    assert.deepEqual([c.from, c.chmod, c.dest, c.sources], ['build', '755', '/dst/', ['a', 'b']]);
    assert.deepEqual(as(add, 'add').sources, ['x y']);
    assert.deepEqual(as(expose, 'expose').ports, ['80/tcp', '53/udp']);
    assert.deepEqual(as(volume, 'volume').paths, ['/v1', '/v2']);
    assert.deepEqual(as(hc, 'healthcheck').options, { interval: '5s', retries: '3' });
  });

  it("gives Docker's errors with line numbers", () => {
    assert.throws(() => read('FROM x\nFOO bar'), /line 2: unknown instruction: FOO/);
    assert.throws(() => read('FROM a b'), /FROM requires either one or three arguments/);
    assert.throws(() => read('FROM x\nCOPY onlyone'), /COPY requires at least two arguments/);
    assert.throws(() => read('FROM x\nRUN --bogus=1 true'), /Unknown flag: bogus/);
    assert.throws(() => read('FROM x\nENV A=1 B'), /can't find = in "B"/);
    assert.throws(() => read('FROM x\nONBUILD ONBUILD RUN x'), /Chaining ONBUILD/);
    assert.throws(() => read('FROM x\nHEALTHCHECK NONE CMD x'), /HEALTHCHECK NONE takes no arguments/);
    assert.throws(() => read('FROM x\nCOPY --link=maybe a b'), /expecting boolean value/);
  });
});

describe('shell-lex', () => {
  const env = new Map([
    ['A', 'alpha'],
    ['EMPTY', ''],
    ['PATHV', '/usr/local/bin/app.tar.gz'],
  ]);

  it('expands $VAR and ${VAR}, unset to nothing, honouring quotes and escapes', () => {
    assert.equal(processWord('$A-${A}x$NOPE', env), 'alpha-alphax');
    assert.equal(processWord("'$A' \"$A\" \\$A", env), '$A alpha $A');
    assert.equal(processWord('"a \\" \\$A \\q"', env), 'a " $A \\q');
    assert.equal(processWord('cost $ 5', env), 'cost $ 5');
    assert.equal(processWord('`$A', env, { escape: '`' }), '$A');
  });

  it('applies the modifiers', () => {
    assert.equal(processWord('${NOPE:-def} ${EMPTY:-def} ${EMPTY-def} ${A:-def}', env), 'def def  alpha');
    assert.equal(processWord('${A:+set} ${EMPTY:+set} ${EMPTY+set} ${NOPE+set}', env), 'set  set ');
    assert.equal(processWord('${NOPE:-${A}}', env), 'alpha');
    assert.throws(() => processWord('${NOPE:?must be set}', env), /NOPE: must be set/);
    assert.equal(processWord('${PATHV#*/} ${PATHV##*/} ${PATHV%.*} ${PATHV%%.*}', env), 'usr/local/bin/app.tar.gz app.tar.gz /usr/local/bin/app.tar /usr/local/bin/app');
    assert.equal(processWord('${A/l/L} ${A//a/A}', env), 'aLpha AlphA');
  });

  it('splits words on unquoted whitespace', () => {
    assert.deepEqual(processWords('a "b c"  d\\ e ${A}', env), ['a', 'b c', 'd e', 'alpha']);
    assert.throws(() => processWords('"open', env), /matching double-quote/);
  });
});
