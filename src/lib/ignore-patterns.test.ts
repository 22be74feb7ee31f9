import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cleanPath, IgnoreMatcher, readIgnoreFile } from './ignore-patterns.ts';

it('reads .dockerignore lines as the docker CLI does', () => {
  assert.deepEqual(readIgnoreFile('# comment\n\n  /node_modules/  \n!  keep.txt\n./a/../b\n#x\n'), ['node_modules', '!keep.txt', 'b']);
});

it('cleans paths like Go', () => {
  assert.equal(cleanPath('a//b/./c/..'), 'a/b');
  assert.equal(cleanPath('/../x'), '/x');
  assert.equal(cleanPath('../x'), '../x');
  assert.equal(cleanPath(''), '.');
});

it('matches with *, ?, ** and parents; the last matching pattern wins', () => {
  const m = new IgnoreMatcher(['*.md', '!README.md', 'build', '**/*.tmp', 'src/?.js', 'docs/**', '!docs/keep/**']);
  const cases: [string, boolean][] = [
    ['x.md', true],
    ['README.md', false],
    ['sub/x.md', false], // * does not cross "/"
    ['build', true],
    ['build/out/a.o', true], // a matched directory takes its contents
    ['a/b/c.tmp', true],
    ['c.tmp', true], // **/ matches no directory too
    ['src/a.js', true],
    ['src/ab.js', false],
    ['docs/x/y', true],
    ['docs/keep/y', false],
    ['other', false],
  ];
  for (const [path, want] of cases) assert.equal(m.matches(path), want, path);
  assert.ok(m.hasExclusions);
});

it('supports character classes and escapes', () => {
  const m = new IgnoreMatcher(['file[0-9].txt', 'lit\\*star', '[!a]x']);
  assert.ok(m.matches('file3.txt') && !m.matches('filex.txt'));
  assert.ok(m.matches('lit*star') && !m.matches('litXstar'));
  assert.ok(m.matches('bx') && !m.matches('ax'));
});
