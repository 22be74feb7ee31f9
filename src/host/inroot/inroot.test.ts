// The in-root resolver, packer and extractor against the real kernel in a temp dir (no root
// needed): symlinks and `..` resolve inside the root, hostile archives are refused or kept
// inside it, and a sentinel tree next to the root never changes.
import assert from 'node:assert/strict';
import { closeSync, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { isKind } from '../../lib/errors.ts';
import { readTarEntries } from '../../lib/tar/entries.ts';
import { type TarWriteEntry, packTar } from '../../lib/tar/writer.ts';
import { O_DIRECTORY, O_PATH } from '../openat2.ts';
import { extractInRoot, memberPath } from './extract.ts';
import { packObject } from './pack.ts';
import { cleanAbs, followSymlinksInScope, openPathIn, statFd, withFd } from './resolve.ts';

let base: string;
let outside: string;
let rootDir: string;
let root: number;
let n = 0;

before(() => {
  base = mkdtempSync('/tmp/wharf-inroot-');
  outside = join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim'), 'original');
});
after(() => rmSync(base, { recursive: true, force: true }));
beforeEach(() => {
  rootDir = join(base, `root-${n++}`);
  mkdirSync(join(rootDir, 'etc'), { recursive: true });
  mkdirSync(join(rootDir, 'dst'));
  writeFileSync(join(rootDir, 'etc', 'passwd'), 'root:x:0:0\n');
  root = openSync(rootDir, O_PATH | O_DIRECTORY);
});
afterEach(() => {
  closeSync(root);
  assert.deepEqual(readdirSync(outside), ['victim'], 'nothing appeared next to the sentinel');
  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'original');
  assert.equal(statSync(join(outside, 'victim')).nlink, 1, 'no hard link to the sentinel');
});

const file = (name: string, body = 'pwned', extra: object = {}): TarWriteEntry => ({ header: { name, type: 'file', size: body.length, ...extra }, body: Buffer.from(body) });
const symlink = (name: string, linkname: string): TarWriteEntry => ({ header: { name, type: 'symlink', linkname } });
const hardlink = (name: string, linkname: string): TarWriteEntry => ({ header: { name, type: 'hardlink', linkname } });
const dir = (name: string, extra: object = {}): TarWriteEntry => ({ header: { name, type: 'directory', ...extra } });

async function extract(entries: TarWriteEntry[], dest = '/dst', opts: Partial<Parameters<typeof extractInRoot>[3]> = {}): Promise<void> {
  await extractInRoot(packTar(entries), root, dest, { noOverwriteDirNonDir: false, owner: 'header', ...opts });
}

describe('resolving in the root', () => {
  it('keeps absolute and climbing symlinks inside the root', () => {
    symlinkSync('/', join(rootDir, 'dst', 'toroot'));
    symlinkSync('../../../../../..', join(rootDir, 'dst', 'up'));
    symlinkSync(outside, join(rootDir, 'dst', 'host'));
    assert.equal(followSymlinksInScope(root, '/dst/toroot/etc/passwd'), '/etc/passwd');
    assert.equal(followSymlinksInScope(root, '/dst/up/etc'), '/etc');
    assert.equal(followSymlinksInScope(root, '/dst/host/victim'), `${outside}/victim`); // a name in the root, which has no such path
    assert.equal(withFd(openPathIn(root, '/dst/up/etc/passwd', true), statFd).size, 11n);
    assert.throws(() => openPathIn(root, '/dst/host/victim', true), { code: 'ENOENT' });
  });

  it('follows relative links, chains and `..` after a link as the kernel does', () => {
    mkdirSync(join(rootDir, 'a', 'b'), { recursive: true });
    symlinkSync('a/b', join(rootDir, 'ab'));
    symlinkSync('/ab', join(rootDir, 'chain'));
    assert.equal(followSymlinksInScope(root, '/chain'), '/a/b');
    assert.equal(followSymlinksInScope(root, '/chain/../x'), '/a/x');
    assert.equal(followSymlinksInScope(root, '/missing/../etc/'), '/etc');
  });

  it('refuses symlink loops', () => {
    symlinkSync('loop2', join(rootDir, 'loop1'));
    symlinkSync('loop1', join(rootDir, 'loop2'));
    assert.throws(() => followSymlinksInScope(root, '/loop1'), { code: 'ELOOP' });
  });

  it('cleans paths and member names as Docker does', () => {
    assert.equal(cleanAbs('a/b/../c/'), '/a/c');
    assert.equal(cleanAbs('/'), '/');
    assert.equal(memberPath('/etc/x'), 'etc/x');
    assert.equal(memberPath('/../x'), 'x');
    assert.equal(memberPath('./a/./b/'), 'a/b');
    assert.equal(memberPath('.'), '');
    assert.equal(memberPath('../escape'), undefined);
    assert.equal(memberPath('a/../../escape'), undefined);
  });
});

describe('extracting', () => {
  it('creates files, directories, symlinks and hard links with modes and times', async () => {
    await extract([
      dir('d', { mode: 0o750, mtime: { sec: 1_000_000, nsec: 0 } }),
      file('d/f', 'hello', { mode: 0o4755, mtime: { sec: 2_000_000, nsec: 5 } }),
      symlink('d/l', 'f'),
      hardlink('d/h', 'd/f'),
    ]);
    const d = join(rootDir, 'dst', 'd');
    assert.equal(statSync(d).mode & 0o7777, 0o750);
    assert.equal(statSync(d).mtimeMs, 1_000_000_000);
    assert.equal(readFileSync(join(d, 'f'), 'utf8'), 'hello');
    assert.equal(statSync(join(d, 'f')).mode & 0o7777, 0o4755);
    assert.equal(statSync(join(d, 'f'), { bigint: true }).mtimeNs, 2_000_000_000_000_005n);
    assert.equal(readlinkSync(join(d, 'l')), 'f');
    assert.equal(statSync(join(d, 'h')).ino, statSync(join(d, 'f')).ino);
  });

  it('replaces files, merges directories, and honours noOverwriteDirNonDir', async () => {
    writeFileSync(join(rootDir, 'dst', 'x'), 'old');
    mkdirSync(join(rootDir, 'dst', 'keep'));
    writeFileSync(join(rootDir, 'dst', 'keep', 'old'), '1');
    await extract([file('x', 'new'), dir('keep'), file('keep/new', '2')]);
    assert.equal(readFileSync(join(rootDir, 'dst', 'x'), 'utf8'), 'new');
    assert.deepEqual(readdirSync(join(rootDir, 'dst', 'keep')).sort(), ['new', 'old']);
    await assert.rejects(extract([file('keep')], '/dst', { noOverwriteDirNonDir: true }), /cannot overwrite directory/);
    await assert.rejects(extract([dir('x')], '/dst', { noOverwriteDirNonDir: true }), /cannot overwrite non-directory/);
    await extract([dir('x')]);
    assert.ok(statSync(join(rootDir, 'dst', 'x')).isDirectory());
  });

  it('writes large files fed in odd pieces byte for byte', async () => {
    const data = randomBytes((5 << 20) + 123);
    const tar = await buffer(Readable.from(packTar([file('big', '', { size: data.length }), file('after', 'x')].map((m, i) => (i === 0 ? { ...m, body: data } : m)))));
    const pieces: Buffer[] = [];
    for (let o = 0; o < tar.length; o += 7777) pieces.push(tar.subarray(o, o + 7777));
    await extractInRoot(Readable.from(pieces), root, '/dst', { noOverwriteDirNonDir: false, owner: 'keep' });
    assert.ok(readFileSync(join(rootDir, 'dst', 'big')).equals(data));
    assert.equal(readFileSync(join(rootDir, 'dst', 'after'), 'utf8'), 'x');
  });

  it('accepts gzip-compressed archives', async () => {
    const tar = await buffer(Readable.from(packTar([file('z', 'zipped')])));
    await extractInRoot(Readable.from([gzipSync(tar)]), root, '/dst', { noOverwriteDirNonDir: false, owner: 'keep' });
    assert.equal(readFileSync(join(rootDir, 'dst', 'z'), 'utf8'), 'zipped');
  });

  it('refuses members climbing out of the destination', async () => {
    await assert.rejects(extract([file('../escape')]), (e) => isKind(e, 'InvalidParameter') && /"\.\.\/escape" is outside of "\/dst"/.test(String(e)));
    await assert.rejects(extract([file('a/../../escape')]), /outside/);
    assert.ok(!lstatSync(join(rootDir, 'escape'), { throwIfNoEntry: false }));
  });

  it('roots absolute member names at the destination', async () => {
    await extract([file(`${outside}/victim`), file('/etc/passwd')]);
    assert.equal(readFileSync(join(rootDir, 'dst', outside, 'victim'), 'utf8'), 'pwned');
    assert.equal(readFileSync(join(rootDir, 'dst', 'etc', 'passwd'), 'utf8'), 'pwned');
    assert.equal(readFileSync(join(rootDir, 'etc', 'passwd'), 'utf8'), 'root:x:0:0\n');
  });

  it('keeps a file written through an archive symlink inside the root', async () => {
    await assert.rejects(extract([symlink('evil', outside), file('evil/victim')]), /dst\/evil is a symbolic link to a missing directory/);
    mkdirSync(join(rootDir, outside), { recursive: true }); // the same path inside the root
    await extract([symlink('evil2', outside), file('evil2/victim'), symlink('up', '../../../../../../..'), file('up/planted')]);
    assert.equal(readFileSync(join(rootDir, outside, 'victim'), 'utf8'), 'pwned');
    assert.equal(readFileSync(join(rootDir, 'planted'), 'utf8'), 'pwned');
  });

  it('keeps a destination reached through a planted symlink inside the root', async () => {
    symlinkSync(outside, join(rootDir, 'dst', 'host'));
    symlinkSync('/', join(rootDir, 'dst', 'slash'));
    await assert.rejects(extract([file('host/victim')]), /symbolic link to a missing directory/);
    await extract([file('slash/top')]);
    assert.equal(readFileSync(join(rootDir, 'top'), 'utf8'), 'pwned');
  });

  it('refuses hard links out of the destination and links only inside the root', async () => {
    await assert.rejects(extract([hardlink('h', '../etc/passwd')]), /invalid hardlink/);
    await assert.rejects(extract([hardlink('h', `${outside}/victim`)]), /hardlink/); // no such file under /dst
    symlinkSync(outside, join(rootDir, 'dst', 'host'));
    await assert.rejects(extract([hardlink('h2', 'host/victim')]), /hardlink/);
    await extract([hardlink('shadow', '/etc/../host')]); // links the symlink itself, inside
    assert.equal(readlinkSync(join(rootDir, 'dst', 'shadow')), outside);
  });

  it('does not descend into a replaced directory through a symlink', async () => {
    mkdirSync(join(rootDir, 'dst', 'sub'));
    symlinkSync(outside, join(rootDir, 'dst', 'sub', 'link'));
    await extract([file('sub')]); // removes dst/sub recursively: the link, not its target
    assert.equal(readFileSync(join(rootDir, 'dst', 'sub'), 'utf8'), 'pwned');
  });

  it('refuses unsupported member types and compression', async () => {
    await assert.rejects(extractInRoot(Readable.from([Buffer.from('BZh91AY&SY')]), root, '/dst', { noOverwriteDirNonDir: false, owner: 'keep' }), /bzip2/);
  });
});

describe('packing', () => {
  async function members(path: string, name: string): Promise<{ name: string; type: string; linkname: string; body: string }[]> {
    const fd = openPathIn(root, path, false);
    try {
      const out = [];
      for await (const e of readTarEntries(packTar(packObject(fd, statFd(fd), { name })))) {
        out.push({ name: e.header.name, type: e.header.type, linkname: e.header.linkname, body: (await e.read()).toString() });
      }
      return out;
    } finally {
      closeSync(fd);
    }
  }

  it('archives a directory under its name, sorted, with hard links and symlinks as themselves', async () => {
    const d = join(rootDir, 'dst');
    writeFileSync(join(d, 'b'), 'B');
    linkSync(join(d, 'b'), join(d, 'a'));
    symlinkSync(outside, join(d, 'c'));
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'sub', 'x'), 'X');
    assert.deepEqual(await members('/dst', 'dst'), [
      { name: 'dst/', type: 'directory', linkname: '', body: '' },
      { name: 'dst/a', type: 'file', linkname: '', body: 'B' },
      { name: 'dst/b', type: 'hardlink', linkname: 'dst/a', body: '' },
      { name: 'dst/c', type: 'symlink', linkname: outside, body: '' },
      { name: 'dst/sub/', type: 'directory', linkname: '', body: '' },
      { name: 'dst/sub/x', type: 'file', linkname: '', body: 'X' },
    ]);
    assert.deepEqual((await members('/dst', '.')).map((m) => m.name).slice(0, 2), ['./', './a']);
  });

  it('round-trips through the extractor', async () => {
    mkdirSync(join(rootDir, 'src', 'deep'), { recursive: true });
    writeFileSync(join(rootDir, 'src', 'deep', 'f'), Buffer.alloc(3 << 20, 7));
    const fd = openPathIn(root, '/src', false);
    try {
      await extractInRoot(packTar(packObject(fd, statFd(fd), { name: 'copy' })), root, '/dst', { noOverwriteDirNonDir: true, owner: 'header' });
    } finally {
      closeSync(fd);
    }
    assert.deepEqual(readFileSync(join(rootDir, 'dst', 'copy', 'deep', 'f')), Buffer.alloc(3 << 20, 7));
  });

  it('shows /proc as an empty directory', async () => {
    const fd = openSync('/proc', O_PATH | O_DIRECTORY);
    try {
      const out = [];
      for await (const e of readTarEntries(packTar(packObject(fd, statFd(fd), { name: 'proc' })))) out.push(e.header.name);
      assert.deepEqual(out, ['proc/']);
    } finally {
      closeSync(fd);
    }
  });
});
