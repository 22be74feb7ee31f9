import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLocalPath, mergeTmpfsOptions, parseBind, parseMountSpec, parseVolumesFrom, tmpfsData, validMountMode } from './parse.ts';

describe('parseBind (-v)', () => {
  it('tells binds from named and anonymous volumes, with modes', () => {
    const b = parseBind('/host/dir:/ctr:ro,rshared', '');
    assert.deepEqual([b.type, b.source, b.destination, b.mode, b.rw, b.propagation], ['bind', '/host/dir', '/ctr', 'ro,rshared', false, 'rshared']);
    const v = parseBind('data:/d/', 'local');
    assert.deepEqual([v.type, v.name, v.destination, v.mode, v.rw, v.driver, v.copyData], ['volume', 'data', '/d', '', true, 'local', true]);
    assert.equal(parseBind('data:/d:nocopy', '').copyData, false);
    const a = parseBind('/only', '');
    assert.deepEqual([a.type, a.name, a.destination], ['volume', '', '/only']);
    assert.equal(parseBind('/h:/c', '').propagation, 'rprivate');
  });

  it('refuses what Docker refuses, with its messages', () => {
    assert.throws(() => parseBind('/x:rw', ''), { message: "invalid volume specification: '/x:rw'" });
    assert.throws(() => parseBind(':/x', ''), { message: "invalid volume specification: ':/x'" });
    assert.throws(() => parseBind('a:/b:c:d', ''), { message: "invalid volume specification: 'a:/b:c:d'" });
    assert.throws(() => parseBind('v:/x:ro,rw', ''), { message: 'invalid mode: ro,rw' });
    assert.throws(() => parseBind('v:relative', ''), { message: "invalid volume specification: 'v:relative': invalid mount config for type \"volume\": invalid mount path: 'relative' mount path must be absolute" });
    assert.throws(() => parseBind('v:/', ''), /destination can't be '\/'/);
  });

  it('knows Docker\'s mode words, one of each kind', () => {
    for (const ok of ['', 'ro', 'rw,z', 'Z,rslave,nocopy', 'cached']) assert.ok(validMountMode(ok), ok);
    for (const bad of ['x', 'ro,rw', 'z,Z', 'shared,slave']) assert.ok(!validMountMode(bad), bad);
  });
});

describe('parseMountSpec (--mount)', () => {
  it('checks fields per type with Docker\'s messages', () => {
    assert.throws(() => parseMountSpec({ Type: 'bind', Target: '/x' }), { message: 'invalid mount config for type "bind": field Source must not be empty' });
    assert.throws(() => parseMountSpec({ Type: 'bind', Source: '/definitely/not/here', Target: '/x' }), {
      message: 'invalid mount config for type "bind": bind source path does not exist: /definitely/not/here',
    });
    assert.equal(parseMountSpec({ Type: 'bind', Source: '/definitely/not/here', Target: '/x', BindOptions: { CreateMountpoint: true } }).source, '/definitely/not/here');
    assert.throws(() => parseMountSpec({ Type: 'bind', Source: '/', Target: '/x', BindOptions: { Propagation: 'weird' } }), /invalid propagation mode: weird/);
    assert.throws(() => parseMountSpec({ Type: 'bind', Source: '/', Target: '/x', VolumeOptions: {} }), /field VolumeOptions must not be specified/);
    assert.throws(() => parseMountSpec({ Type: 'bind', Source: '/', Target: '/x', BindOptions: { ReadOnlyNonRecursive: true } }), /option ReadOnlyNonRecursive requires ReadOnly/);
    assert.throws(() => parseMountSpec({ Type: 'volume', Target: '/x', ReadOnly: true }), /must not set ReadOnly mode when using anonymous volumes/);
    assert.throws(() => parseMountSpec({ Type: 'volume', Target: '/x', VolumeOptions: { Subpath: 'a' } }), /must not set Subpath when using anonymous volumes/);
    assert.throws(() => parseMountSpec({ Type: 'volume', Source: 'v', Target: '/x', VolumeOptions: { Subpath: '../a' } }), /subpath must be a relative path within the volume/);
    assert.throws(() => parseMountSpec({ Type: 'tmpfs', Source: 'x', Target: '/x' }), /field Source must not be specified/);
    assert.throws(() => parseMountSpec({ Type: 'image', Target: '/x' }), /field Source must not be empty/);
    assert.throws(() => parseMountSpec({ Type: 'npipe', Target: '/x' }), { message: 'invalid mount config for type "npipe": mount type unknown' });
    assert.throws(() => parseMountSpec({ Type: 'volume' }), /field Target must not be empty/);
  });

  it('parses volumes with their options and binds with propagation', () => {
    const v = parseMountSpec({ Type: 'volume', Source: 'v', Target: '/x/', VolumeOptions: { NoCopy: true, DriverConfig: { Name: 'local' } } });
    assert.deepEqual([v.name, v.destination, v.copyData, v.driver], ['v', '/x', false, 'local']);
    const b = parseMountSpec({ Type: 'bind', Source: '/tmp/', Target: '/t', ReadOnly: true, BindOptions: { Propagation: 'rslave' } });
    assert.deepEqual([b.source, b.rw, b.propagation, b.mode], ['/tmp', false, 'rslave', '']);
  });
});

describe('tmpfs options', () => {
  it('renders TmpfsOptions as Docker does (octal mode, the largest exact size unit)', () => {
    assert.equal(tmpfsData({ Type: 'tmpfs', ReadOnly: true, TmpfsOptions: { Mode: 0o1777, SizeBytes: 64 * 1024 * 1024 } }), 'ro,mode=1777,size=64m');
    assert.equal(tmpfsData({ Type: 'tmpfs', TmpfsOptions: { SizeBytes: 1536, Options: [['exec']] } }), 'size=1536,exec');
    assert.throws(() => tmpfsData({ Type: 'tmpfs', TmpfsOptions: { Options: [['nosuid']] } }), /invalid option: nosuid/);
  });

  it('merges options with later ones winning, as moby\'s MergeTmpfsOptions', () => {
    assert.deepEqual(mergeTmpfsOptions(['noexec', 'nosuid', 'nodev', 'rprivate', 'size=1m', 'exec', 'size=2m']), ['nosuid', 'nodev', 'rprivate', 'exec', 'size=2m']);
    assert.deepEqual(mergeTmpfsOptions(['rprivate', 'rshared']), ['rshared']);
    assert.throws(() => mergeTmpfsOptions(['bogus']), { message: 'invalid tmpfs option ["bogus"]' });
    assert.throws(() => mergeTmpfsOptions(['foo=1']), { message: 'invalid tmpfs option ["foo" "1"]' });
  });
});

describe('volumes-from and paths', () => {
  it('parses container[:mode]', () => {
    assert.deepEqual(parseVolumesFrom('c'), { container: 'c', mode: 'rw' });
    assert.deepEqual(parseVolumesFrom('c:ro'), { container: 'c', mode: 'ro' });
    assert.throws(() => parseVolumesFrom('c:rshared'), { message: 'invalid mode: rshared' });
    assert.throws(() => parseVolumesFrom('c:nocopy'), { message: 'invalid mode: nocopy' });
    assert.throws(() => parseVolumesFrom(''), /cannot be an empty string/);
  });

  it('isLocalPath is Go\'s filepath.IsLocal', () => {
    for (const ok of ['a', 'a/b', 'a/../b', './a']) assert.ok(isLocalPath(ok), ok);
    for (const bad of ['', '/a', '..', '../a', 'a/../../b']) assert.ok(!isLocalPath(bad), bad);
  });
});
