import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { absPath } from './archive.ts';
import { GO_MODE, goBase, goFileMode } from './archive-stat.ts';

describe('archive stat', () => {
  it('converts stat modes to Go os.FileMode bits', () => {
    assert.equal(goFileMode(0o040755), GO_MODE.dir + 0o755);
    assert.equal(goFileMode(0o041777), GO_MODE.dir + GO_MODE.sticky + 0o777);
    assert.equal(goFileMode(0o104755), GO_MODE.setuid + 0o755);
    assert.equal(goFileMode(0o120777), GO_MODE.symlink + 0o777);
    assert.equal(goFileMode(0o020666), GO_MODE.device + GO_MODE.charDevice + 0o666);
    assert.equal(goFileMode(0o010644), GO_MODE.namedPipe + 0o644);
  });

  it('names paths as Go filepath.Base, keeping the meaning of trailing "/" and "/."', () => {
    assert.equal(goBase('/'), '/');
    assert.equal(goBase('/etc/'), 'etc');
    assert.equal(goBase('/etc/.'), '.');
    assert.equal(absPath('etc/'), '/etc/');
    assert.equal(absPath('etc/.'), '/etc/.');
    assert.equal(absPath('/a/../b'), '/b');
    assert.equal(absPath('.'), '/.');
    assert.equal(absPath('/'), '/');
  });
});
