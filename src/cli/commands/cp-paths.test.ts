// docker cp's path rules against the cases moby's archive/copy_unix_test.go and the docker
// CLI's cp tests spell out.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  copyInfoDestinationPath,
  copyInfoSourcePath,
  getRebaseName,
  goBase,
  goClean,
  goDir,
  prepareArchiveCopy,
  preserveTrailingDotOrSeparator,
  rebaseName,
  splitCpArg,
  splitPathDirEntry,
} from './cp-paths.ts';

describe('Go path helpers', () => {
  it('clean, base and dir as Go', () => {
    assert.equal(goClean(''), '.');
    assert.equal(goClean('/a/b/'), '/a/b');
    assert.equal(goClean('a/../..'), '..');
    assert.equal(goBase('/'), '/');
    assert.equal(goBase('/a/b/'), 'b');
    assert.equal(goBase('/a/.'), '.');
    assert.equal(goDir('/a/b'), '/a');
    assert.equal(goDir('a'), '.');
    assert.equal(goDir('/'), '/');
  });

  it('keeps trailing "/" and "/."', () => {
    assert.equal(preserveTrailingDotOrSeparator('/a/b', '/a/b/'), '/a/b/');
    assert.equal(preserveTrailingDotOrSeparator('/a/b', '/a/b/.'), '/a/b/.');
    assert.equal(preserveTrailingDotOrSeparator('/', '/.'), '/.');
    assert.deepEqual(splitPathDirEntry('/a/b/.'), ['/a/b', '.']);
    assert.deepEqual(splitPathDirEntry('/a/b/'), ['/a', 'b']);
    assert.deepEqual(splitPathDirEntry('/'), ['/', '/']);
  });

  it('splits CONTAINER:PATH as docker does', () => {
    assert.deepEqual(splitCpArg('c:/etc'), { container: 'c', path: '/etc' });
    assert.deepEqual(splitCpArg('/abs:colon'), { container: '', path: '/abs:colon' });
    assert.deepEqual(splitCpArg('./rel:colon'), { container: '', path: './rel:colon' });
    assert.deepEqual(splitCpArg('file'), { container: '', path: 'file' });
    assert.deepEqual(splitCpArg('c:'), { container: 'c', path: '' });
  });

  it('rebases names after a followed link', () => {
    assert.deepEqual(getRebaseName('/a/link/', '/a/target'), ['/a/target/', 'link']);
    assert.deepEqual(getRebaseName('/a/link/.', '/a/target'), ['/a/target/.', '']);
    assert.equal(rebaseName('etc/passwd', 'etc', 'x'), 'x/passwd');
    assert.equal(rebaseName('./passwd', '.', 'x'), 'x/passwd');
    assert.equal(rebaseName('/bin/sh', '/', 'root'), 'root/bin/sh');
  });
});

describe('copy decisions', () => {
  const info = (path: string, exists: boolean, isDir: boolean, rebase = '') => ({ path, exists, isDir, rebaseName: rebase });

  it('extracts into an existing directory as is', () => {
    assert.deepEqual(prepareArchiveCopy(info('/src/f', true, false), info('/dst', true, true)), { dir: '/dst', rebase: undefined });
  });

  it('renames to a new or existing file, or a new directory', () => {
    assert.deepEqual(prepareArchiveCopy(info('/src/f', true, false), info('/dst/g', false, false)), { dir: '/dst', rebase: { from: 'f', to: 'g' } });
    assert.deepEqual(prepareArchiveCopy(info('/src/f', true, false), info('/dst/g', true, false)), { dir: '/dst', rebase: { from: 'f', to: 'g' } });
    assert.deepEqual(prepareArchiveCopy(info('/src/d/.', true, true), info('/dst/new', false, false)), { dir: '/dst', rebase: { from: '.', to: 'new' } });
    assert.deepEqual(prepareArchiveCopy(info('/src/l', true, true, 'link'), info('/dst/n', false, false)), { dir: '/dst', rebase: { from: 'link', to: 'n' } });
  });

  it('refuses a directory onto a file and a file into a missing directory', () => {
    assert.throws(() => prepareArchiveCopy(info('/src/d', true, true), info('/dst/f', true, false)), /cannot copy directory/);
    assert.throws(() => prepareArchiveCopy(info('/src/f', true, false), info('/dst/none/', false, false)), /no such directory/);
  });
});

describe('local copy info', () => {
  const dir = mkdtempSync('/tmp/wharf-cp-paths-');
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'real'));
  writeFileSync(join(dir, 'real', 'f'), 'x');
  symlinkSync('real', join(dir, 'link'));
  symlinkSync('missing', join(dir, 'dangling'));

  it('resolves the parent of a source, and the source itself with -L', () => {
    assert.deepEqual(copyInfoSourcePath(join(dir, 'link', 'f'), false), { path: join(dir, 'real', 'f'), exists: true, isDir: false, rebaseName: '' });
    assert.deepEqual(copyInfoSourcePath(join(dir, 'link'), false), { path: join(dir, 'link'), exists: true, isDir: false, rebaseName: '' });
    assert.deepEqual(copyInfoSourcePath(join(dir, 'link'), true), { path: join(dir, 'real'), exists: true, isDir: true, rebaseName: 'link' });
    assert.throws(() => copyInfoSourcePath(join(dir, 'nope'), false), { message: `lstat ${join(dir, 'nope')}: no such file or directory` });
  });

  it('follows destination symlinks, broken ones too, and needs an existing parent', () => {
    assert.deepEqual(copyInfoDestinationPath(join(dir, 'link')), { path: join(dir, 'real'), exists: true, isDir: true, rebaseName: '' });
    assert.deepEqual(copyInfoDestinationPath(join(dir, 'dangling')), { path: join(dir, 'missing'), exists: false, isDir: false, rebaseName: '' });
    assert.throws(() => copyInfoDestinationPath(join(dir, 'nope', 'x')), /no such file or directory/);
  });
});
