import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase, tx } from '../store/db.ts';
import { initialState, type ContainerRecord } from './model.ts';
import { ContainerRecords } from './records.ts';

function record(id: string, name: string): ContainerRecord {
  return {
    id,
    name,
    created: new Date().toISOString(),
    image: 'busybox',
    imageId: 'sha256:aa',
    path: 'sh',
    args: [],
    config: {},
    hostConfig: {},
    state: initialState(),
    restartCount: 0,
    hasBeenStarted: false,
    manuallyStopped: false,
    snapshotKey: id,
    layer: null,
    runtime: 'runc',
    networkMode: 'none',
    platform: 'linux',
    mountPoints: [],
  };
}

const A = 'a'.repeat(63) + '1';
const B = 'a'.repeat(63) + '2';
const C = 'c'.repeat(64);

describe('ContainerRecords', () => {
  const db = openDatabase(':memory:');
  const r = new ContainerRecords(db);
  tx(db, () => {
    r.insert(record(A, '/first'));
    r.insert(record(B, '/second'));
    r.insert(record(C, '/third'));
  });

  it('resolves by full ID, name (with or without slash) and unique prefix', () => {
    assert.equal(r.resolve(A).name, '/first');
    assert.equal(r.resolve('second').id, B);
    assert.equal(r.resolve('/third').id, C);
    assert.equal(r.resolve('ccc').id, C);
  });

  it('reports an ambiguous prefix and a missing container as Docker does', () => {
    assert.throws(() => r.resolve('aaa'), /multiple IDs found with provided prefix: aaa/);
    assert.throws(() => r.resolve('nope'), /No such container: nope/);
  });

  it('keeps names unique, with Docker\'s conflict message', () => {
    assert.throws(
      () => tx(db, () => r.insert(record('d'.repeat(64), '/first'))),
      new RegExp(`The container name "/first" is already in use by container "${A}"`),
    );
    assert.throws(() => r.update({ ...r.resolve(B), name: '/third' }), /already in use by container/);
    r.update({ ...r.resolve(B), name: '/renamed' });
    assert.equal(r.resolve('renamed').id, B);
  });

  it('finds containers of an image and counts them', () => {
    assert.equal(r.idsUsingImage('sha256:aa').length, 3);
    assert.equal(r.count(), 3);
    r.delete(C);
    assert.equal(r.find('third'), undefined);
  });
});
