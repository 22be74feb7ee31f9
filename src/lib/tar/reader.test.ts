import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../errors.ts';
import { BLOCK, readNumeric, writeChecksum } from './header.ts';
import { readTarEntries } from './entries.ts';
import { encodePaxRecords, parsePaxRecords } from './pax.ts';
import { LONG_FILE, gnuTar, makeTree, parseAll } from './testutil.ts';
import { END_OF_ARCHIVE, encodeHeader } from './writer.ts';

let base: string;
let tree: string;
before(() => {
  base = mkdtempSync('/tmp/wharf-tar-test-');
  tree = makeTree(base);
});
after(() => rmSync(base, { recursive: true, force: true }));

function byName(entries: ReturnType<typeof parseAll>['entries'], name: string) {
  const e = entries.find((x) => x.header.name === name);
  assert.ok(e, `entry ${name} missing; have ${entries.map((x) => x.header.name).join(', ')}`);
  return e;
}

const throwsTar = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (err: unknown) => isKind(err, 'InvalidParameter') && re.test((err as Error).message));

describe('tar reader on GNU tar output', () => {
  for (const format of ['gnu', 'posix'] as const) {
    it(`parses every member type (${format}) and rebuilds the exact bytes`, () => {
      const tar = gnuTar(tree, format);
      for (const chunk of [tar.length, 1, 7, 511, 513, 4096]) {
        const p = parseAll(tar, chunk);
        assert.ok(p.rebuilt.equals(tar), `rebuilt bytes differ at chunk size ${chunk}`);
        const { entries } = p;
        const blocks = byName(entries, './dir/blocks');
        assert.equal(blocks.header.type, 'file');
        assert.equal(blocks.header.size, 1537);
        assert.ok(blocks.data.equals(Buffer.alloc(1537, 'x')));
        assert.equal(blocks.padding.length, 511);
        assert.equal(blocks.header.uid, 1234);
        assert.equal(blocks.header.gid, 5678);
        const hard = byName(entries, './dir/hardlink');
        assert.equal(hard.header.type, 'hardlink');
        assert.equal(hard.header.linkname, './dir/blocks');
        assert.equal(hard.header.size, 0);
        assert.equal(byName(entries, './dir/abslink').header.linkname, '/etc/passwd');
        const long = byName(entries, `./${LONG_FILE}`);
        assert.equal(long.data.toString(), 'long name\n');
        assert.equal(byName(entries, './dir/longlink').header.linkname, `../${LONG_FILE}`);
        const nul = byName(entries, './dir/null');
        assert.deepEqual([nul.header.type, nul.header.devmajor, nul.header.devminor], ['char', 1, 3]);
        assert.equal(byName(entries, './dir/fifo').header.type, 'fifo');
        assert.equal(byName(entries, './dir/suid').header.mode, 0o4755);
        assert.equal(byName(entries, './sticky/').header.mode, 0o1777);
        assert.equal(byName(entries, './sticky/').header.type, 'directory');
        const empty = byName(entries, './dir/empty');
        if (format === 'posix') {
          assert.equal(empty.header.xattrs?.get('user.wharf')?.toString(), 'hello');
          assert.equal(empty.header.mtime.nsec, 123456789);
        }
        assert.equal(byName(entries, './dir/sub/').header.mtime.sec, 1_600_000_000);
      }
    });
  }

  it('uses GNU long-name members in gnu format', () => {
    const tar = gnuTar(tree, 'gnu');
    const { entries } = parseAll(tar);
    const long = byName(entries, `./${LONG_FILE}`);
    assert.equal(long.raw[156], 'L'.charCodeAt(0), 'first header block is the L member');
    assert.ok(long.raw.length >= 3 * BLOCK);
  });

  it('reports a PAX global header and applies its records to later members', () => {
    const tar = gnuTar(tree, 'posix', ['--pax-option=comment=hello']);
    const p = parseAll(tar);
    assert.ok(p.rebuilt.equals(tar));
    const g = p.entries[0];
    assert.equal(g?.header.type, 'global');
    assert.equal(g?.header.pax?.get('comment')?.toString(), 'hello');
    assert.equal(p.entries[1]?.header.pax?.get('comment')?.toString(), 'hello');
  });

  it('reads base-256 numbers (GNU format, ids above the octal range)', () => {
    const tar = gnuTar(tree, 'gnu', ['--owner=3000000', '--group=4000000']);
    const blocks = byName(parseAll(tar).entries, './dir/blocks');
    assert.equal(blocks.header.uid, 3_000_000);
    assert.equal(blocks.header.gid, 4_000_000);
    assert.equal(blocks.raw.at(-BLOCK + 108)! & 0x80, 0x80, 'uid field is base-256');
  });
});

describe('tar reader on hostile or damaged input', () => {
  const small = () => gnuTar(tree, 'ustar', ['--exclude=./d*', '--exclude=./sticky']);

  it('rejects truncation anywhere: in a header, in data, in padding, before the end marker', () => {
    const tar = gnuTar(tree, 'posix');
    const { entries } = parseAll(tar);
    const blocksAt = tar.indexOf(Buffer.alloc(1537, 'x'));
    for (const cut of [100, 512 + 10, blocksAt + 700, blocksAt + 1537 + 5]) {
      throwsTar(() => parseAll(tar.subarray(0, cut)), /truncated/);
    }
    const endAt = tar.length - parseAll(tar).trailer.length;
    throwsTar(() => parseAll(tar.subarray(0, endAt)), /missing end-of-archive/);
    assert.ok(entries.length > 5);
  });

  it('accepts a single zero block at the end but rejects data after it', () => {
    const tar = small();
    const endAt = tar.length - parseAll(tar).trailer.length;
    assert.equal(parseAll(tar.subarray(0, endAt + BLOCK)).trailer.length, BLOCK);
    const bad = Buffer.concat([tar.subarray(0, endAt + BLOCK), encodeHeader({ name: 'x', type: 'file' })]);
    throwsTar(() => parseAll(bad), /after end-of-archive/);
  });

  it('rejects empty input and bad checksums', () => {
    throwsTar(() => parseAll(Buffer.alloc(0)), /empty input/);
    const tar = Buffer.from(small());
    tar[0] = (tar[0] as number) ^ 1;
    throwsTar(() => parseAll(tar), /checksum/);
    throwsTar(() => parseAll(Buffer.alloc(4096, 'a')), /checksum/);
  });

  it('bounds PAX headers and GNU long names', () => {
    const huge = encodeHeader({ name: 'a/'.repeat(600_000).slice(0, 1_100_000), type: 'file' });
    throwsTar(() => parseAll(Buffer.concat([huge, END_OF_ARCHIVE])), /PAX header of \d+ bytes .* exceeds/);
    const tar = gnuTar(tree, 'gnu');
    throwsTar(() => parseAll(tar, tar.length, { maxMetaSize: 100 }), /GNU long name of \d+ bytes .* exceeds the 100-byte limit/);
  });

  it('rejects an extended header at the end with no member after it', () => {
    const h = encodeHeader({ name: 'x'.repeat(200), type: 'file' });
    throwsTar(() => parseAll(Buffer.concat([h.subarray(0, h.length - BLOCK), END_OF_ARCHIVE])), /extended header not followed/);
  });

  it('rejects GNU sparse members and malformed PAX records', () => {
    const b = Buffer.from(encodeHeader({ name: 'sparse', type: 'file' }));
    b[156] = 'S'.charCodeAt(0);
    writeChecksum(b);
    throwsTar(() => parseAll(Buffer.concat([b, END_OF_ARCHIVE])), /sparse/);
    throwsTar(() => parsePaxRecords(Buffer.from('99 path=x\n')), /bad length/);
    throwsTar(() => parsePaxRecords(Buffer.from('x path=x\n')), /length/);
    throwsTar(() => parsePaxRecords(Buffer.from('8 pathx\n')), /no "="/);
    const withNul = encodeHeader({ name: 'a', type: 'file', pax: new Map([['path', 'a\0b']]) });
    throwsTar(() => parseAll(Buffer.concat([withNul, END_OF_ARCHIVE])), /NUL/);
  });

  it('rejects names that are not UTF-8', () => {
    const b = Buffer.from(encodeHeader({ name: 'abc', type: 'file' }));
    b[1] = 0xff;
    writeChecksum(b);
    throwsTar(() => parseAll(Buffer.concat([b, END_OF_ARCHIVE])), /UTF-8/);
  });
});

describe('tar numeric and PAX fields', () => {
  it('decodes octal with spaces and NULs, and base-256 both signs', () => {
    assert.equal(readNumeric(Buffer.from(' 0000644\0'), 0, 8, 'mode'), 0o644);
    assert.equal(readNumeric(Buffer.from('\0\0\0\0\0\0\0\0'), 0, 8, 'mode'), 0);
    assert.equal(readNumeric(Buffer.from([0x80, 0, 0, 0, 0, 0, 1, 0]), 0, 8, 'uid'), 256);
    assert.equal(readNumeric(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]), 0, 8, 'mtime'), -2);
    assert.throws(() => readNumeric(Buffer.from('0000 9\0\0'), 0, 8, 'mode'), /invalid/);
  });

  it('encodes PAX record lengths that count their own digits', () => {
    for (const v of ['', 'a', 'x'.repeat(85), 'x'.repeat(86), 'y'.repeat(990), 'y'.repeat(995)]) {
      const enc = encodePaxRecords([['k', v]]);
      assert.equal(Number(enc.toString().split(' ')[0]), enc.length);
      assert.equal(parsePaxRecords(enc).get('k')?.toString(), v);
    }
  });
});

describe('readTarEntries', () => {
  it('iterates members, reading some bodies and skipping others', async () => {
    const tar = gnuTar(tree, 'posix');
    async function* chunks() {
      for (let i = 0; i < tar.length; i += 1000) yield tar.subarray(i, i + 1000);
    }
    const names: string[] = [];
    let blocks: Buffer | undefined;
    for await (const e of readTarEntries(chunks())) {
      names.push(e.header.name);
      if (e.header.name === './dir/blocks') blocks = await e.read();
    }
    assert.ok(blocks?.equals(Buffer.alloc(1537, 'x')));
    assert.ok(names.includes(`./${LONG_FILE}`));
    assert.equal(names.length, parseAll(tar).entries.length);
  });

  it('propagates truncation as an error', async () => {
    const tar = gnuTar(tree, 'posix');
    await assert.rejects(async () => {
      for await (const e of readTarEntries([tar.subarray(0, 3000)])) await e.read();
    }, /truncated/);
  });
});

describe('GNU tar agrees with our reader', () => {
  it('lists the same names', () => {
    const tar = gnuTar(tree, 'posix');
    const listed = execFileSync('tar', ['-tf', '-'], { input: tar }).toString().trim().split('\n');
    assert.deepEqual(
      parseAll(tar).entries.map((e) => e.header.name),
      listed,
    );
    assert.ok(join(tree, 'x'));
  });
});

describe('lenientEnd', () => {
  it("accepts an archive cut right after an entry's data (the docker CLI's -f contexts), and only with the option", async () => {
    const { packTar } = await import('./writer.ts');
    const { readTarEntries } = await import('./entries.ts');
    const chunks: Buffer[] = [];
    for await (const c of packTar([{ header: { name: 'Dockerfile', type: 'file', size: 5 }, body: Buffer.from('FROM\n') }])) chunks.push(Buffer.from(c));
    const cut = Buffer.concat(chunks).subarray(0, 512 + 5); // header + data, no padding, no marker
    const names: string[] = [];
    for await (const e of readTarEntries([cut], { lenientEnd: true })) names.push(`${e.header.name}:${(await e.read()).toString()}`);
    assert.deepEqual(names, ['Dockerfile:FROM\n']);
    await assert.rejects(async () => {
      for await (const e of readTarEntries([cut])) await e.read();
    }, /truncated archive/);
    await assert.rejects(async () => {
      for await (const e of readTarEntries([cut.subarray(0, 512 + 3)], { lenientEnd: true })) await e.read();
    }, /truncated archive/);
  });
});
