// copyUIDGID's owner lookup in the container's own passwd and group files.
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { O_DIRECTORY, O_PATH } from '../host/openat2.ts';
import { isKind } from '../lib/errors.ts';
import { containerOwner } from './archive.ts';

describe('containerOwner', () => {
  const dir = mkdtempSync('/tmp/wharf-archive-owner-');
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/app:/bin/sh\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\nstaff:x:50:\n');
  const root = openSync(dir, O_PATH | O_DIRECTORY);
  after(() => closeSync(root));

  it('looks users and groups up by name or number', () => {
    assert.equal(containerOwner(root, ''), undefined);
    assert.deepEqual(containerOwner(root, 'app'), { uid: 1000, gid: 1001 });
    assert.deepEqual(containerOwner(root, '1000'), { uid: 1000, gid: 1001 });
    assert.deepEqual(containerOwner(root, '4242'), { uid: 4242, gid: 0 });
    assert.deepEqual(containerOwner(root, 'app:staff'), { uid: 1000, gid: 50 });
    assert.deepEqual(containerOwner(root, 'app:7'), { uid: 1000, gid: 7 });
  });

  it('refuses names the container does not know', () => {
    assert.throws(() => containerOwner(root, 'ghost'), (e) => isKind(e, 'InvalidParameter') && /unable to find user ghost/.test(String(e)));
    assert.throws(() => containerOwner(root, 'app:ghosts'), /unable to find group ghosts/);
  });

  it('reads the container’s files even through its own absolute symlinks, never the host’s', () => {
    const other = mkdtempSync('/tmp/wharf-archive-owner2-');
    try {
      mkdirSync(join(other, 'real'));
      writeFileSync(join(other, 'real', 'passwd'), 'inner:x:7:8::/:/bin/sh\n');
      symlinkSync('/real', join(other, 'etc')); // /etc → /real inside this root; the host has no /real
      const r = openSync(other, O_PATH | O_DIRECTORY);
      try {
        assert.deepEqual(containerOwner(r, 'inner'), { uid: 7, gid: 8 });
        assert.throws(() => containerOwner(r, 'root'), /unable to find user root/); // not the host's passwd
      } finally {
        closeSync(r);
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
