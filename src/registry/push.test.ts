// Push against an in-memory registry (push-testregistry.ts), with real image stores in a temp
// dir (root: overlay snapshots). The e2e test pushes to Debian's docker-registry.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { writeMultiLayerArchive } from '../../test/fixtures/multilayer.ts';
import { ContentStore } from '../content/store.ts';
import { loadImages } from '../image/load.ts';
import { ImageService } from '../image/service.ts';
import { MediaType } from '../image/types.ts';
import type { Digest } from '../lib/digest.ts';
import { closeApplyWorkers } from '../snapshot/apply.ts';
import { OverlaySnapshotter } from '../snapshot/overlay.ts';
import { openDatabase, type Db } from '../store/db.ts';
import { RegistryHosts } from './client/index.ts';
import { type PushEvents, type PushRequest, PushService, type PushServiceOptions } from './push.ts';
import { TestRegistry } from './push-testregistry.ts';
import { closePushReaders, layerTarBlocks } from './push-reader.ts';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Recorded extends PushEvents {
  lines: string[];
  auxes: { Tag: string; Digest: string; Size: number }[];
  /** Statuses per layer id, in order, "Pushing" once however often it came. */
  layers: Map<string, string[]>;
}

function recorder(): Recorded {
  const r: Recorded = {
    lines: [],
    auxes: [],
    layers: new Map(),
    status: (text) => r.lines.push(text),
    layer: (id, status) => {
      const list = r.layers.get(id) ?? [];
      if (list.at(-1) !== status) list.push(status);
      r.layers.set(id, list);
    },
    aux: (a) => r.auxes.push(a),
  };
  return r;
}

describe('push', () => {
  let dir: string;
  let db: Db;
  let svc: ImageService;
  let hosts: RegistryHosts;
  let reg: TestRegistry;
  let diffIds: Digest[];
  let imageId: Digest;
  const req = (extra: Partial<PushRequest> = {}): PushRequest => ({ auth: {}, signal: new AbortController().signal, ...extra });
  const service = (opts: PushServiceOptions = {}) => new PushService(svc, hosts, opts);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-push-'));
    db = openDatabase(join(dir, 'db'));
    const content = new ContentStore(join(dir, 'content'));
    await content.init();
    svc = new ImageService({
      db,
      content,
      snapshotter: new OverlaySnapshotter(db, join(dir, 'overlay')),
      events: { publish: () => {} },
      users: { containersUsing: () => [], layersInUse: () => [] },
    });
    const archive = join(dir, 'ml.tar');
    await writeMultiLayerArchive(archive, { repoTags: ['t/ml:a'] });
    await loadImages(svc, createReadStream(archive), { layer: () => {}, message: () => {} });
    imageId = svc.resolve('t/ml:a').id;
    diffIds = (await svc.config(imageId)).rootfs.diff_ids;
    hosts = new RegistryHosts({ insecureRegistries: [], mirrors: [], certsDirs: [] });
    reg = new TestRegistry();
    await reg.start();
    await svc.tag('t/ml:a', `${reg.host}/ml`, '1');
  });
  after(async () => {
    await reg?.stop();
    hosts?.close();
    await closeApplyWorkers();
    await closePushReaders();
    db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('pushes layers, config and a schema2 manifest as dockerd writes it, with dockerd progress', async () => {
    const ev = recorder();
    await service().push(`${reg.host}/ml`, req({ tag: '1' }), ev);
    assert.equal(ev.lines[0], `The push refers to repository [${reg.host}/ml]`);
    const entry = reg.manifests.get('ml:1');
    assert.ok(entry);
    assert.equal(entry.mediaType, MediaType.dockerManifest);
    const text = entry.bytes.toString();
    assert.match(text, /^\{\n {3}"schemaVersion": 2,\n {3}"mediaType": "application\/vnd\.docker\.distribution\.manifest\.v2\+json",\n {3}"config": \{\n {6}"mediaType"/);
    const m = JSON.parse(text) as { config: { digest: string; size: number }; layers: { mediaType: string; digest: string; size: number }[] };
    assert.equal(m.config.digest, imageId);
    assert.deepEqual(Object.keys(m.layers[0]!), ['mediaType', 'size', 'digest']);
    assert.equal(m.layers.length, diffIds.length);
    for (const [i, l] of m.layers.entries()) {
      assert.equal(l.mediaType, MediaType.dockerLayerGzip);
      const blob = reg.blobs.get(l.digest)!;
      assert.equal(blob.length, l.size);
      assert.equal(sha(gunzipSync(blob)), diffIds[i], 'the blob gunzips to the layer diff');
    }
    const digest = sha(entry.bytes);
    assert.equal(ev.lines.at(-1), `1: digest: ${digest} size: ${entry.bytes.length}`);
    assert.deepEqual(ev.auxes, [{ Tag: '1', Digest: digest, Size: entry.bytes.length }]);
    for (const d of diffIds) assert.deepEqual(ev.layers.get(d.slice(7, 19)), ['Preparing', 'Pushing', 'Pushed']);
    // Small blobs go monolithic: POST then one PUT with the bytes, no PATCH.
    assert.equal(reg.requests('PATCH', /uploads/).length, 0);
    // The blobs are kept for the next push, and the image has the repo digest.
    for (const [i, l] of m.layers.entries()) {
      assert.ok(svc.layers.blobsFor(diffIds[i]!).some((b) => b.digest === l.digest));
      assert.ok(await svc.content.has(l.digest as Digest));
    }
    assert.deepEqual(svc.repoDigests(imageId), [`${reg.host}/ml@${digest}`]);
  });

  it('pushes again without uploading: every layer already exists', async () => {
    const before = reg.log.length;
    const ev = recorder();
    await service().push(`${reg.host}/ml`, req({ tag: '1' }), ev);
    for (const d of diffIds) assert.deepEqual(ev.layers.get(d.slice(7, 19)), ['Preparing', 'Layer already exists']);
    assert.equal(reg.log.slice(before).filter((r) => r.method === 'POST' || r.method === 'PATCH').length, 0);
  });

  it('mounts from a sibling repository of the same registry', async () => {
    await svc.tag('t/ml:a', `${reg.host}/other/ml`, '2');
    const ev = recorder();
    await service().push(`${reg.host}/other/ml:2`, req(), ev);
    for (const d of diffIds) assert.deepEqual(ev.layers.get(d.slice(7, 19)), ['Preparing', 'Mounted from ml']);
    const mounts = reg.requests('POST', /^\/v2\/other\/ml\/blobs\/uploads\/$/).filter((r) => r.query.has('mount'));
    assert.deepEqual(mounts.map((r) => r.query.get('from')), diffIds.map(() => 'ml'));
    assert.ok(reg.manifests.get('other/ml:2'));
  });

  it('uploads large blobs in PATCH chunks with Content-Range, from the content store', async () => {
    const reg2 = new TestRegistry();
    await reg2.start();
    try {
      await svc.tag('t/ml:a', `${reg2.host}/ml`, '1');
      const ev = recorder();
      // Another level would make other blobs: equal manifests mean the kept blobs went up.
      await service({ chunkSize: 64 << 10, compressOptions: { level: 9 } }).push(`${reg2.host}/ml:1`, req(), ev);
      const patches = reg2.requests('PATCH', /uploads/);
      assert.ok(patches.length >= 2, `${patches.length} PATCH requests`);
      let offset = 0;
      for (const p of patches.filter((x) => x.path === patches[0]!.path)) {
        assert.equal(p.headers['content-range'], `${offset}-${offset + p.bodyLength - 1}`);
        offset += p.bodyLength;
      }
      assert.deepEqual(reg2.manifests.get('ml:1')!.bytes, reg.manifests.get('ml:1')!.bytes);
    } finally {
      await reg2.stop();
    }
  });

  it('compresses while uploading in chunks when no blob is kept, and zstd only when asked (OCI manifest)', async () => {
    const reg3 = new TestRegistry();
    await reg3.start();
    try {
      await svc.tag('t/ml:a', `${reg3.host}/z`, '1');
      const ev = recorder();
      await service({ chunkSize: 64 << 10 }).push(`${reg3.host}/z:1`, req({ compression: 'zstd' }), ev);
      const entry = reg3.manifests.get('z:1')!;
      assert.equal(entry.mediaType, MediaType.ociManifest);
      const m = JSON.parse(entry.bytes.toString()) as { config: { mediaType: string }; layers: { mediaType: string; digest: string }[] };
      assert.equal(m.config.mediaType, MediaType.ociConfig);
      for (const [i, l] of m.layers.entries()) {
        assert.equal(l.mediaType, MediaType.ociLayerZstd);
        assert.equal(sha(zstdDecompressSync(reg3.blobs.get(l.digest)!)), diffIds[i]);
      }
      assert.ok(reg3.requests('PATCH', /uploads/).length >= 1, 'the busybox layer went in chunks');
      // zstd was asked for once: the next push without asking is schema2 and gzip again.
      await svc.tag('t/ml:a', `${reg3.host}/z2`, '1');
      await service().push(`${reg3.host}/z2:1`, req(), recorder());
      const again = JSON.parse(reg3.manifests.get('z2:1')!.bytes.toString()) as { mediaType: string; layers: { mediaType: string }[] };
      assert.equal(again.mediaType, MediaType.dockerManifest);
      assert.ok(again.layers.every((l) => l.mediaType === MediaType.dockerLayerGzip));
    } finally {
      await reg3.stop();
    }
  });

  it('waits for a slot beyond max-concurrent-uploads', async () => {
    const reg4 = new TestRegistry();
    await reg4.start();
    try {
      await svc.tag('t/ml:a', `${reg4.host}/w`, '1');
      const ev = recorder();
      await service({ maxConcurrentUploads: 1 }).push(`${reg4.host}/w:1`, req(), ev);
      const waited = diffIds.filter((d) => ev.layers.get(d.slice(7, 19))!.includes('Waiting'));
      assert.equal(waited.length, diffIds.length - 1);
    } finally {
      await reg4.stop();
    }
  });

  it('rebuilds a layer tar in a reader worker, exactly, and stops it cleanly when the consumer does', async () => {
    const layers = svc.layers.chain(svc.records.get(imageId)!.top_layer);
    for (const l of layers) {
      const h = createHash('sha256');
      const sizes: number[] = [];
      for await (const b of layerTarBlocks(svc, l, 128 << 10, 0)) {
        h.update(b);
        sizes.push(b.length);
      }
      assert.equal(`sha256:${h.digest('hex')}`, l.diff_id);
      assert.ok(sizes.slice(0, -1).every((n) => n === 128 << 10));
    }
    const big = layers.reduce((a, b) => (a.tar_size > b.tar_size ? a : b));
    for (let i = 0; i < 3; i++) {
      for await (const _ of layerTarBlocks(svc, big, 128 << 10, 0)) break; // abandoned after one block
    }
    let n = 0;
    for await (const b of layerTarBlocks(svc, big, 128 << 10, 0)) n += b.length;
    assert.equal(n, big.tar_size, 'the workers are reusable after abandoned jobs');
  });

  it('says which image or tag is missing', async () => {
    await assert.rejects(service().push(`${reg.host}/nothing`, req(), recorder()), { message: `An image does not exist locally with the tag: ${reg.host}/nothing` });
    await assert.rejects(service().push(`${reg.host}/ml`, req({ tag: 'nope' }), recorder()), { message: `tag does not exist: ${reg.host}/ml:nope` });
    assert.throws(() => service().parse('-bad', undefined), /invalid reference format/);
  });

  it('needs credentials for a registry that asks for them', async () => {
    const reg5 = new TestRegistry({ basicAuth: 'alice:secret' });
    await reg5.start();
    try {
      await svc.tag('t/ml:a', `${reg5.host}/a`, '1');
      await assert.rejects(service().push(`${reg5.host}/a:1`, req(), recorder()), { message: 'no basic auth credentials' });
      await assert.rejects(service().push(`${reg5.host}/a:1`, req({ auth: { username: 'alice', password: 'wrong' } }), recorder()), {
        message: 'unauthorized: authentication required',
      });
      await service().push(`${reg5.host}/a:1`, req({ auth: { username: 'alice', password: 'secret' } }), recorder());
      assert.ok(reg5.manifests.get('a:1'));
    } finally {
      await reg5.stop();
    }
  });

  it('fails clearly when the registry dies mid-upload, leaving the store as it was', async () => {
    const reg6 = new TestRegistry({ dieAfterUploadBytes: 100_000 });
    await reg6.start();
    try {
      await svc.tag('t/ml:a', `${reg6.host}/d`, '1');
      const blobsBefore = (await svc.content.list()).map((b) => b.digest).sort();
      const layerBlobsBefore = svc.layers.allBlobs().length;
      // zstd: nothing kept for it yet, so the layers are compressed while uploading.
      await assert.rejects(service({ chunkSize: 64 << 10 }).push(`${reg6.host}/d:1`, req({ compression: 'zstd' }), recorder()), (err: Error) => {
        assert.match(err.message, new RegExp(`^(Patch|Put) "http://${reg6.host}/v2/d/blobs/uploads/[^"]+": (EOF|.*connection reset by peer|.*broken pipe)`));
        return true;
      });
      assert.deepEqual((await svc.content.list()).map((b) => b.digest).sort(), blobsBefore);
      assert.equal(svc.layers.allBlobs().length, layerBlobsBefore);
      assert.ok(!svc.repoDigests(imageId).some((d) => d.startsWith(`${reg6.host}/`)));
    } finally {
      await reg6.stop();
    }
  });

  it('mounts from the repository a pulled image came from, and keeps its OCI format', async () => {
    // What a pull leaves: the OCI manifest under a repo digest, and the layers' blobs in that repository.
    const reg8 = new TestRegistry();
    await reg8.start();
    try {
      const blobs = diffIds.map((d) => svc.layers.blobsFor(d).find((b) => b.media_type.includes('gzip'))!);
      for (const b of blobs) {
        reg8.blobs.set(b.digest, await svc.content.read(b.digest, 64 << 20));
        reg8.repos.set('pulled/from', new Set([...(reg8.repos.get('pulled/from') ?? []), b.digest]));
      }
      const config = await svc.content.read(imageId);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociManifest,
          config: { mediaType: MediaType.ociConfig, digest: imageId, size: config.length },
          layers: blobs.map((b) => ({ mediaType: MediaType.ociLayerGzip, digest: b.digest, size: b.size })),
        }),
      );
      const md = sha(manifest) as Digest;
      await svc.content.put(manifest, { digest: md });
      svc.records.setDigestRef(`${reg8.host}/pulled/from@${md}`, imageId, md);
      await svc.tag('t/ml:a', `${reg8.host}/copy`, '1');
      const ev = recorder();
      await service().push(`${reg8.host}/copy:1`, req(), ev);
      for (const d of diffIds) assert.deepEqual(ev.layers.get(d.slice(7, 19)), ['Preparing', 'Mounted from pulled/from']);
      const pushed = reg8.manifests.get('copy:1')!;
      assert.equal(pushed.mediaType, MediaType.ociManifest);
      assert.deepEqual(pushed.bytes, manifest, 'the same manifest, byte for byte');
    } finally {
      await reg8.stop();
    }
  });

  it('refuses a registry that stores another manifest than ours', async () => {
    const reg7 = new TestRegistry({ lieAboutManifestDigest: `sha256:${'0'.repeat(64)}` });
    await reg7.start();
    try {
      await svc.tag('t/ml:a', `${reg7.host}/l`, '1');
      await assert.rejects(service().push(`${reg7.host}/l:1`, req(), recorder()), /the registry stored manifest sha256:0{64} for 1, expected sha256:/);
      assert.ok(!svc.repoDigests(imageId).some((d) => d.startsWith(`${reg7.host}/`)));
    } finally {
      await reg7.stop();
    }
  });
});
