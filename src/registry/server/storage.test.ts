// Storage without HTTP: upload sessions (resume after a restart, verification, concurrency),
// manifests and links on disk, and garbage collection.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { RegistryError } from './errors.ts';
import { collectGarbage } from './gc.ts';
import { MEDIA } from './names.ts';
import { Registry } from './registry.ts';
import { digestOf, makeImage, type TestImage } from './testutil.ts';

let root: string;
let reg: Registry;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'wharf-registry-store-'));
  reg = new Registry(root);
  await reg.init();
});
afterEach(() => rm(root, { recursive: true, force: true }));

const body = (s: string) => Readable.from([Buffer.from(s)]);

async function upload(r: Registry, name: string, data: string) {
  const id = await r.uploads.create(name);
  await r.uploads.complete(name, id, digestOf(data), body(data));
  return digestOf(data);
}

async function store(r: Registry, name: string, img: TestImage, ref: string) {
  for (const b of [img.config, ...img.layers]) await upload(r, name, b);
  return r.putManifest(name, ref, Buffer.from(img.manifest), MEDIA.ociManifest);
}

describe('uploads', () => {
  it('stores a verified blob content-addressed, linked into the repository', async () => {
    const d = await upload(reg, 'a/b', 'hello');
    const hex = d.slice(7);
    assert.equal(await readFile(join(root, 'blobs', 'sha256', hex.slice(0, 2), hex), 'utf8'), 'hello');
    assert.equal(await readFile(join(root, 'repositories', 'a', 'b', '_layers', 'sha256', hex), 'utf8'), d);
    assert.deepEqual(await readdir(join(root, 'repositories', 'a', 'b', '_uploads')), []);
  });

  it('resumes a session after a restart (the data file is the state) and verifies by re-reading', async () => {
    const id = await reg.uploads.create('r');
    assert.equal(await reg.uploads.append('r', id, body('first half, '), { start: 0, end: 11 }), 12);
    const again = new Registry(root); // a new process: no running hash
    assert.equal(await again.uploads.size('r', id), 12);
    await assert.rejects(again.uploads.append('r', id, body('x'), { start: 5, end: 5 }), (e: RegistryError) => e.status === 416);
    await again.uploads.append('r', id, body('second half'), { start: 12, end: 22 });
    await again.uploads.complete('r', id, digestOf('first half, second half'), undefined);
    assert.equal(await again.blobSize('r', digestOf('first half, second half')), 23);
  });

  it('a chunk shorter than its Content-Range is refused and cut off', async () => {
    const id = await reg.uploads.create('r');
    await assert.rejects(reg.uploads.append('r', id, body('abc'), { start: 0, end: 9 }), (e: RegistryError) => e.code === 'SIZE_INVALID');
    assert.equal(await reg.uploads.size('r', id), 0);
  });

  it('a digest mismatch leaves nothing visible', async () => {
    const id = await reg.uploads.create('r');
    await assert.rejects(reg.uploads.complete('r', id, digestOf('other'), body('data')), (e: RegistryError) => e.code === 'DIGEST_INVALID');
    await assert.rejects(reg.blobSize('r', digestOf('data')));
    await assert.rejects(reg.blobSize('r', digestOf('other')));
    assert.equal(await reg.blobs.stat(digestOf('data')), undefined);
  });

  it('sha512 digests are verified too', async () => {
    const { createHash } = await import('node:crypto');
    const d = `sha512:${createHash('sha512').update('five twelve').digest('hex')}` as const;
    const id = await reg.uploads.create('r');
    await reg.uploads.complete('r', id, d, body('five twelve'));
    assert.equal(await reg.blobSize('r', d), 11);
  });

  it('concurrent uploads of the same blob to several repositories all succeed', async () => {
    const data = 'x'.repeat(300_000);
    await Promise.all(['c1', 'c2', 'c3', 'c1'].map((n) => upload(reg, n, data)));
    for (const n of ['c1', 'c2', 'c3']) assert.equal(await reg.blobSize(n, digestOf(data)), 300_000);
  });

  it('concurrent chunks on one session are serialized', async () => {
    const id = await reg.uploads.create('s');
    await Promise.all(['aaa', 'bbb', 'ccc'].map((c) => reg.uploads.append('s', id, body(c))));
    assert.equal(await reg.uploads.size('s', id), 9);
  });
});

describe('manifests on disk', () => {
  it('keeps the media type it was pushed with, tags as files, and survives a restart', async () => {
    const img = makeImage('disk');
    const { digest } = await store(reg, 'm/n', img, 'v1');
    assert.equal(digest, img.digest);
    assert.equal((await readFile(join(root, 'repositories', 'm', 'n', '_manifests', 'tags', 'v1'), 'utf8')).trim(), digest);
    const again = new Registry(root);
    const m = await again.resolveManifest('m/n', 'v1');
    assert.deepEqual(m, { digest, mediaType: MEDIA.ociManifest, size: Buffer.byteLength(img.manifest) });
    assert.equal((await again.readManifest(m)).toString(), img.manifest);
  });

  it('refuses a manifest whose blob size disagrees with the stored blob', async () => {
    const img = makeImage('size');
    for (const b of [img.config, ...img.layers]) await upload(reg, 'm', b);
    const doc = JSON.parse(img.manifest);
    doc.layers[0].size += 1;
    await assert.rejects(reg.putManifest('m', 'x', Buffer.from(JSON.stringify(doc)), MEDIA.ociManifest), (e: RegistryError) => e.code === 'MANIFEST_INVALID');
  });
});

describe('garbage collection', () => {
  const OLD = Date.now() / 1000 - 7200;

  async function ageAll(): Promise<void> {
    for await (const d of reg.blobs.list()) await utimes(reg.blobs.path(d), OLD, OLD);
  }

  it('keeps what any manifest in any repository references and deletes the rest', async () => {
    const kept = makeImage('kept');
    await store(reg, 'one', kept, 'latest');
    const shared = makeImage('kept'); // same blobs, pushed to a second repository too
    await store(reg, 'two/deep', shared, 'latest');
    const orphan = await upload(reg, 'one', 'orphan layer');
    const dropped = makeImage('dropped');
    await store(reg, 'three', dropped, 'latest');
    await reg.deleteManifest('three', dropped.digest);
    await ageAll();

    const dry = await collectGarbage(root, { dryRun: true, minAgeMs: 3600_000 });
    const expectDeleted = [orphan, dropped.digest, digestOf(dropped.config), ...dropped.layers.map(digestOf)].sort();
    assert.deepEqual([...dry.blobsDeleted].sort(), expectDeleted);
    assert.ok(await reg.blobs.stat(orphan), 'dry run deletes nothing');

    const res = await collectGarbage(root, { minAgeMs: 3600_000 });
    assert.deepEqual([...res.blobsDeleted].sort(), expectDeleted);
    assert.equal(res.bytesFreed, dry.bytesFreed);
    for (const d of expectDeleted) assert.equal(await reg.blobs.stat(d), undefined);
    for (const d of [kept.digest, digestOf(kept.config), ...kept.layers.map(digestOf)]) assert.ok(await reg.blobs.stat(d));
    // The dangling link to the orphan is gone too; pulls of the kept image still work.
    await assert.rejects(stat(join(root, 'repositories', 'one', '_layers', 'sha256', orphan.slice(7))));
    assert.equal((await reg.resolveManifest('two/deep', 'latest')).digest, kept.digest);
  });

  it('keeps unreferenced blobs younger than minAge (a push in progress)', async () => {
    const fresh = await upload(reg, 'p', 'just uploaded');
    const res = await collectGarbage(root, { minAgeMs: 3600_000 });
    assert.deepEqual(res.blobsDeleted, []);
    assert.equal(res.recentKept, 1);
    assert.ok(await reg.blobs.stat(fresh));
    assert.deepEqual((await collectGarbage(root, { minAgeMs: 0 })).blobsDeleted, [fresh]);
  });

  it('with deleteUntagged, drops untagged manifests but keeps index children and referrers of kept ones', async () => {
    const child = makeImage('child');
    await store(reg, 'u', child, child.digest);
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociIndex,
      manifests: [{ mediaType: MEDIA.ociManifest, digest: child.digest, size: Buffer.byteLength(child.manifest) }],
    });
    await reg.putManifest('u', 'latest', Buffer.from(index), MEDIA.ociIndex);
    const sig = makeImage('sig', { subject: { mediaType: MEDIA.ociIndex, digest: digestOf(index), size: Buffer.byteLength(index) } });
    await store(reg, 'u', sig, sig.digest);
    const stale = makeImage('stale');
    await store(reg, 'u', stale, 'old');
    await reg.deleteManifest('u', 'old'); // untag: the manifest stays, untagged
    await ageAll();

    const res = await collectGarbage(root, { deleteUntagged: true, minAgeMs: 0 });
    assert.deepEqual(res.manifestsDeleted, [{ repository: 'u', digest: stale.digest }]);
    assert.ok(res.blobsDeleted.includes(digestOf(stale.layers[0]!)));
    for (const d of [child.digest, sig.digest, digestOf(index), digestOf(child.layers[0]!)]) assert.ok(await reg.blobs.stat(d), d);
    assert.equal((await reg.referrers('u', digestOf(index), undefined)).length, 1);
  });

  it('removes upload sessions idle past uploadMaxAge', async () => {
    const id = await reg.uploads.create('up');
    const data = join(reg.repos.repoDir('up'), '_uploads', id, 'data');
    await utimes(data, OLD, OLD);
    const res = await collectGarbage(root, { uploadMaxAgeMs: 3600_000 });
    assert.equal(res.uploadsRemoved, 1);
    await assert.rejects(reg.uploads.size('up', id));
  });
});
