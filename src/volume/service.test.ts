import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RecordingSyscalls } from '../host/fake.ts';
import type { EventInput } from '../lib/events.ts';
import { openDatabase } from '../store/db.ts';
import { LocalDriver } from './driver.ts';
import { listVolumes, pruneVolumes, volumesDiskUsage } from './list.ts';
import { VolumeService } from './service.ts';
import { ANONYMOUS_LABEL } from './types.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-volume-test-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'db'));
  const events: EventInput[] = [];
  const sys = new RecordingSyscalls();
  const users = new Map<string, string[]>();
  const driver = new LocalDriver(join(dir, 'volumes'), sys);
  const svc = new VolumeService({
    db,
    events: { publish: (ev) => void events.push(ev) },
    drivers: [driver],
    users: { containersUsing: (name) => users.get(name) ?? [] },
  });
  return { dir, svc, events, sys, users, driver };
}

const filters = (o: Record<string, string[]> = {}) => new Map(Object.entries(o));

describe('VolumeService', () => {
  it('creates a volume once, with its directory, and publishes create', async () => {
    const { svc, events, dir } = setup();
    const v = await svc.create({ Name: 'data', Labels: { a: 'b' }, DriverOpts: {} });
    assert.deepEqual({ ...v, CreatedAt: '' }, {
      CreatedAt: '',
      Driver: 'local',
      Labels: { a: 'b' },
      Mountpoint: join(dir, 'volumes/data/_data'),
      Name: 'data',
      Options: {},
      Scope: 'local',
    });
    assert.ok(existsSync(v.Mountpoint));
    assert.equal((await svc.create({ Name: 'data' })).CreatedAt, v.CreatedAt);
    assert.deepEqual(events.map((e) => [e.Action, e.Actor.ID, e.Actor.Attributes['driver']]), [['create', 'data', 'local']]);
  });

  it('names anonymous volumes randomly and labels them', async () => {
    const { svc } = setup();
    const v = await svc.create({});
    assert.match(v.Name, /^[0-9a-f]{64}$/);
    assert.deepEqual(v.Labels, { [ANONYMOUS_LABEL]: '' });
  });

  it('refuses bad names and unknown drivers, making nothing', async () => {
    const { svc, dir } = setup();
    await assert.rejects(svc.create({ Name: 'x' }), { kind: 'InvalidParameter', message: 'create x: volume name is too short, names should be at least two alphanumeric characters' });
    await assert.rejects(svc.create({ Name: '../up' }), { kind: 'InvalidParameter' });
    await assert.rejects(svc.create({ Name: 'ok', Driver: 'nfs' }), { kind: 'NotFound', message: 'create ok: error looking up volume plugin nfs: plugin "nfs" not found' });
    await assert.rejects(svc.create({ Name: 'ok', DriverOpts: { o: 'x' } }), { message: 'create ok: missing required option: "device"' });
    assert.equal(svc.records.count(), 0);
    assert.ok(!existsSync(join(dir, 'volumes/ok')));
  });

  it('removes only unused volumes; force ignores a missing one', async () => {
    const { svc, users, events } = setup();
    await svc.create({ Name: 'used' });
    users.set('used', ['c1', 'c2']);
    await assert.rejects(svc.remove('used', { force: true }), { kind: 'Conflict', message: 'remove used: volume is in use - [c1, c2]' });
    users.delete('used');
    await svc.remove('used', { force: false });
    assert.equal(svc.records.get('used'), undefined);
    await assert.rejects(svc.remove('used', { force: false }), { kind: 'NotFound', message: 'get used: no such volume' });
    await svc.remove('used', { force: true });
    assert.deepEqual(events.map((e) => e.Action), ['create', 'destroy']);
  });

  it('mounts an optioned volume for its first user and unmounts after the last', async () => {
    const { svc, sys } = setup();
    await svc.create({ Name: 'tmp', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,uid=1000' } });
    const path = svc.activate('tmp', 'a');
    svc.activate('tmp', 'b');
    assert.deepEqual(sys.of('mount'), [['tmpfs', path, 'tmpfs', 0, 'size=1m,uid=1000']]);
    assert.equal(svc.release('tmp', 'a'), true);
    assert.equal(svc.release('tmp', 'zz'), false);
    // (the fake mounted nothing, so the driver finds nothing to unmount after the last user)
    assert.equal(svc.release('tmp', 'b'), true);
    assert.equal(svc.release('tmp', 'b'), false);
  });

  it('lists with dangling, name, label and driver filters', async () => {
    const { svc, users } = setup();
    await svc.create({ Name: 'alpha', Labels: { tier: 'web' } });
    await svc.create({ Name: 'beta' });
    users.set('beta', ['c']);
    const names = (f: Record<string, string[]>) => listVolumes(svc, filters(f)).Volumes.map((v) => v.Name);
    assert.deepEqual(names({}), ['alpha', 'beta']);
    assert.deepEqual(names({ dangling: ['true'] }), ['alpha']);
    assert.deepEqual(names({ dangling: ['0'] }), ['beta']);
    assert.deepEqual(names({ name: ['^b'] }), ['beta']);
    assert.deepEqual(names({ label: ['tier=web'] }), ['alpha']);
    assert.deepEqual(names({ driver: ['local'] }), ['alpha', 'beta']);
    assert.throws(() => listVolumes(svc, filters({ dangling: ['yes'] })), { message: "invalid filter 'dangling=[yes]'" });
    assert.throws(() => listVolumes(svc, filters({ until: ['1h'] })), { message: "invalid filter 'until'" });
  });

  it('prunes unused anonymous volumes, or all unused ones, and counts their bytes', async () => {
    const { svc, users } = setup();
    const anon = await svc.create({});
    await svc.create({ Name: 'named' });
    await svc.create({ Name: 'keep', Labels: { keep: '1' } });
    const busy = await svc.create({});
    users.set(busy.Name, ['c']);
    writeFileSync(join(anon.Mountpoint, 'f'), Buffer.alloc(1000));
    let r = await pruneVolumes(svc, filters());
    assert.deepEqual(r, { VolumesDeleted: [anon.Name], SpaceReclaimed: 1000 });
    r = await pruneVolumes(svc, filters({ all: ['true'], 'label!': ['keep'] }));
    assert.deepEqual(r, { VolumesDeleted: ['named'], SpaceReclaimed: 0 });
    assert.deepEqual((await pruneVolumes(svc, filters())).VolumesDeleted, []);
    await assert.rejects(pruneVolumes(svc, filters({ all: ['maybe'] })), { message: "invalid filter 'all=[maybe]'" });
    await svc.create({ Name: 'tmpfs', DriverOpts: { type: 'tmpfs', device: 'tmpfs' } });
    assert.deepEqual((await pruneVolumes(svc, filters({ all: ['1'] }))).VolumesDeleted, ['keep'], 'volumes with mount options are not pruned');
    await assert.rejects(pruneVolumes(svc, filters({ dangling: ['true'] })), { message: "invalid filter 'dangling'" });
    const usage = await volumesDiskUsage(svc);
    assert.deepEqual(
      usage.map((v) => [v.Name, v.UsageData]),
      [[busy.Name, { Size: 0, RefCount: 1 }]],
    );
  });

  it('reconciles storage with records at start-up', async () => {
    const { svc, driver } = setup();
    await svc.create({ Name: 'kept' });
    driver.create('orphan');
    rmSync(join(driver.root, 'kept'), { recursive: true });
    svc.reconcile();
    assert.deepEqual(driver.list(), ['kept']);
  });
});
