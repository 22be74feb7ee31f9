import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync, linkSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hostSyscalls } from '../host/syscalls.ts';
import { copyUp } from './copyup.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'wharf-copyup-test-'));
  dirs.push(d);
  return d;
}

describe('copyUp', () => {
  it('copies a directory tree with modes, times, symlinks, hard links and xattrs', async (t) => {
    const root = tmp();
    const vol = tmp();
    const src = join(root, 'srv/data');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'f'), 'hello');
    chmodSync(join(src, 'f'), 0o640);
    linkSync(join(src, 'f'), join(src, 'hard'));
    symlinkSync('f', join(src, 'link'));
    writeFileSync(join(src, 'sub/x'), 'x');
    chmodSync(join(src, 'sub'), 0o700);
    utimesSync(join(src, 'sub/x'), 1_000_000, 1_000_000.5);
    chmodSync(src, 0o750);
    const sys = hostSyscalls();
    let xattrs = true;
    try {
      sys.lsetxattr(join(src, 'f'), 'user.note', Buffer.from('kept'));
    } catch {
      xattrs = false; // the temp filesystem keeps no user xattrs
    }
    // The image reaches /data through a symlink: followed inside the root.
    symlinkSync('/srv/data', join(root, 'data'));

    await copyUp(sys, root, '/data', vol, false);
    assert.equal(lstatSync(vol).mode & 0o7777, 0o750);
    assert.equal(readFileSync(join(vol, 'f'), 'utf8'), 'hello');
    assert.equal(lstatSync(join(vol, 'f')).mode & 0o7777, 0o640);
    assert.equal(lstatSync(join(vol, 'hard')).ino, lstatSync(join(vol, 'f')).ino);
    assert.equal(readlinkSync(join(vol, 'link')), 'f');
    assert.equal(lstatSync(join(vol, 'sub')).mode & 0o7777, 0o700);
    assert.equal(lstatSync(join(vol, 'sub/x'), { bigint: true }).mtimeNs, 1_000_000_500_000_000n);
    if (xattrs) assert.equal(sys.lgetxattr(join(vol, 'f'), 'user.note')?.toString(), 'kept');
    else t.diagnostic('no user xattrs on the temp filesystem');
  });

  it('leaves a non-empty volume alone and ignores a missing directory', async () => {
    const root = tmp();
    const vol = tmp();
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data/new'), 'n');
    writeFileSync(join(vol, 'old'), 'o');
    await copyUp(hostSyscalls(), root, '/data', vol, false);
    assert.throws(() => lstatSync(join(vol, 'new')));
    await copyUp(hostSyscalls(), root, '/missing', tmp(), false);
  });

  it('does not leave the root through an absolute symlink', async () => {
    const root = tmp();
    const vol = tmp();
    symlinkSync('/etc', join(root, 'data')); // means <root>/etc, which does not exist
    await copyUp(hostSyscalls(), root, '/data', vol, false);
    assert.throws(() => lstatSync(join(vol, 'passwd')));
  });

  it('is Docker\'s error for an anonymous volume over a file of the image', async () => {
    const root = tmp();
    writeFileSync(join(root, 'data'), 'file');
    await assert.rejects(copyUp(hostSyscalls(), root, '/data', tmp(), true), /cannot mount volume over existing file, file exists/);
  });
});
