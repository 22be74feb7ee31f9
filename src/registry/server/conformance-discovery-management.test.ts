// Conformance, categories 3 and 4 of the OCI distribution spec (content discovery, content
// management), written from the spec's text against an in-process server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MEDIA } from './names.ts';
import { digestOf, errorCode, makeImage, pushBlob, pushImage, putManifest, startRegistry, type TestRegistry } from './testutil.ts';

let reg: TestRegistry;
let url: string;
before(async () => {
  reg = await startRegistry();
  url = reg.url;
});
after(() => reg.close());

describe('content discovery', () => {
  const tags = ['v10', 'v2', 'latest', 'A', 'b-1', 'b_2'];
  before(async () => {
    const img = makeImage('tags');
    for (const t of tags) assert.equal((await pushImage(url, 'disc/tags', img, t)).status, 201);
  });

  it('lists tags in lexical order', async () => {
    const r = await fetch(`${url}/v2/disc/tags/tags/list`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { name: 'disc/tags', tags: [...tags].sort() });
    assert.equal(r.headers.get('link'), null);
  });

  it('paginates with n and last, with a Link to the next page', async () => {
    const sorted = [...tags].sort();
    let r = await fetch(`${url}/v2/disc/tags/tags/list?n=4`);
    assert.deepEqual(((await r.json()) as { tags: string[] }).tags, sorted.slice(0, 4));
    const link = r.headers.get('link')!;
    assert.equal(link, `</v2/disc/tags/tags/list?n=4&last=${sorted[3]}>; rel="next"`);
    r = await fetch(`${url}${link.slice(1, link.indexOf('>'))}`);
    assert.deepEqual(((await r.json()) as { tags: string[] }).tags, sorted.slice(4));
    assert.equal(r.headers.get('link'), null);
    r = await fetch(`${url}/v2/disc/tags/tags/list?last=${sorted[1]}`);
    assert.deepEqual(((await r.json()) as { tags: string[] }).tags, sorted.slice(2));
    r = await fetch(`${url}/v2/disc/tags/tags/list?n=0`);
    assert.deepEqual(((await r.json()) as { tags: string[] }).tags, []);
    assert.equal(r.headers.get('link'), null);
    r = await fetch(`${url}/v2/disc/tags/tags/list?n=-1`);
    assert.equal(r.status, 400);
  });

  it('an unknown repository has no tags list: 404 NAME_UNKNOWN', async () => {
    const r = await fetch(`${url}/v2/disc/none/tags/list`);
    assert.equal(r.status, 404);
    assert.equal(await errorCode(r), 'NAME_UNKNOWN');
  });

  it('lists repositories in the catalog, paginated', async () => {
    const img = makeImage('cat');
    for (const n of ['cat/a', 'cat/b', 'cat/c/d']) await pushImage(url, n, img, 'x');
    const r = await fetch(`${url}/v2/_catalog`);
    const all = ((await r.json()) as { repositories: string[] }).repositories;
    for (const n of ['cat/a', 'cat/b', 'cat/c/d', 'disc/tags']) assert.ok(all.includes(n), n);
    assert.deepEqual(all, [...all].sort());
    const p1 = await fetch(`${url}/v2/_catalog?n=2`);
    assert.deepEqual(((await p1.json()) as { repositories: string[] }).repositories, all.slice(0, 2));
    assert.match(p1.headers.get('link')!, /^<\/v2\/_catalog\?n=2&last=[^>]+>; rel="next"$/);
    const p2 = await fetch(`${url}/v2/_catalog?n=2&last=${encodeURIComponent(all[1]!)}`);
    assert.deepEqual(((await p2.json()) as { repositories: string[] }).repositories, all.slice(2, 4));
  });

  it('referrers: an index of the manifests whose subject is the digest, filterable by artifactType', async () => {
    const base = makeImage('base');
    await pushImage(url, 'disc/ref', base, 'latest');
    const subject = { mediaType: MEDIA.ociManifest, digest: base.digest, size: Buffer.byteLength(base.manifest) };
    const empty = '{}';
    await pushBlob(url, 'disc/ref', empty);
    const emptyDesc = { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf(empty), size: 2 };
    const sig = JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      artifactType: 'application/vnd.example.signature',
      config: emptyDesc,
      layers: [emptyDesc],
      subject,
      annotations: { 'org.example.who': 'me' },
    });
    const sbom = makeImage('sbom', { subject });
    assert.equal((await putManifest(url, 'disc/ref', digestOf(sig), sig, MEDIA.ociManifest)).status, 201);
    assert.equal((await pushImage(url, 'disc/ref', sbom, sbom.digest)).status, 201);

    let r = await fetch(`${url}/v2/disc/ref/referrers/${base.digest}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), MEDIA.ociIndex);
    const idx = (await r.json()) as { schemaVersion: number; mediaType: string; manifests: Array<Record<string, unknown>> };
    assert.equal(idx.schemaVersion, 2);
    assert.equal(idx.mediaType, MEDIA.ociIndex);
    const byDigest = new Map(idx.manifests.map((m) => [m['digest'], m]));
    assert.equal(byDigest.size, 2);
    assert.deepEqual(byDigest.get(digestOf(sig)), {
      mediaType: MEDIA.ociManifest,
      digest: digestOf(sig),
      size: Buffer.byteLength(sig),
      artifactType: 'application/vnd.example.signature',
      annotations: { 'org.example.who': 'me' },
    });
    // Without artifactType, the config's media type stands in.
    assert.equal(byDigest.get(sbom.digest)?.['artifactType'], 'application/vnd.oci.image.config.v1+json');

    r = await fetch(`${url}/v2/disc/ref/referrers/${base.digest}?artifactType=application/vnd.example.signature`);
    assert.equal(r.headers.get('oci-filters-applied'), 'artifactType');
    const filtered = (await r.json()) as { manifests: Array<{ digest: string }> };
    assert.deepEqual(
      filtered.manifests.map((m) => m.digest),
      [digestOf(sig)],
    );

    r = await fetch(`${url}/v2/disc/ref/referrers/${digestOf('no such subject')}`);
    assert.equal(r.status, 200);
    assert.deepEqual(((await r.json()) as { manifests: unknown[] }).manifests, []);
    r = await fetch(`${url}/v2/disc/ref/referrers/not-a-digest`);
    assert.equal(r.status, 400);

    // Deleting a referrer takes it out of the list.
    assert.equal((await fetch(`${url}/v2/disc/ref/manifests/${digestOf(sig)}`, { method: 'DELETE' })).status, 202);
    r = await fetch(`${url}/v2/disc/ref/referrers/${base.digest}`);
    assert.deepEqual(
      ((await r.json()) as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest),
      [sbom.digest],
    );
  });
});

describe('content management', () => {
  const img = makeImage('mgmt');
  before(async () => {
    assert.equal((await pushImage(url, 'mgmt/app', img, 'one')).status, 201);
    assert.equal((await putManifest(url, 'mgmt/app', 'two', img.manifest, MEDIA.ociManifest)).status, 201);
  });

  it('DELETE of a tag removes only the tag', async () => {
    assert.equal((await fetch(`${url}/v2/mgmt/app/manifests/two`, { method: 'DELETE' })).status, 202);
    assert.equal((await fetch(`${url}/v2/mgmt/app/manifests/two`)).status, 404);
    assert.equal((await fetch(`${url}/v2/mgmt/app/manifests/one`)).status, 200);
    const r = await fetch(`${url}/v2/mgmt/app/manifests/two`, { method: 'DELETE' });
    assert.equal(r.status, 404);
  });

  it('DELETE of a manifest by digest removes it and its tags', async () => {
    assert.equal((await fetch(`${url}/v2/mgmt/app/manifests/${img.digest}`, { method: 'DELETE' })).status, 202);
    assert.equal((await fetch(`${url}/v2/mgmt/app/manifests/${img.digest}`)).status, 404);
    assert.equal((await fetch(`${url}/v2/mgmt/app/manifests/one`)).status, 404);
    const tags = (await (await fetch(`${url}/v2/mgmt/app/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, []);
    const again = await fetch(`${url}/v2/mgmt/app/manifests/${img.digest}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
    assert.equal(await errorCode(again), 'MANIFEST_UNKNOWN');
    const noRepo = await fetch(`${url}/v2/mgmt/none/manifests/${img.digest}`, { method: 'DELETE' });
    assert.equal(noRepo.status, 404);
  });

  it('DELETE of a blob: 202, then 404', async () => {
    const d = digestOf(img.layers[0]!);
    assert.equal((await fetch(`${url}/v2/mgmt/app/blobs/${d}`, { method: 'DELETE' })).status, 202);
    assert.equal((await fetch(`${url}/v2/mgmt/app/blobs/${d}`)).status, 404);
    const r = await fetch(`${url}/v2/mgmt/app/blobs/${d}`, { method: 'DELETE' });
    assert.equal(r.status, 404);
    assert.equal(await errorCode(r), 'BLOB_UNKNOWN');
  });

  it('with deletion disabled, DELETE is 405 UNSUPPORTED', async () => {
    const ro = await startRegistry({ deleteEnabled: false });
    try {
      const other = makeImage('ro');
      await pushImage(ro.url, 'ro/app', other, 'latest');
      for (const path of [`manifests/${other.digest}`, 'manifests/latest', `blobs/${digestOf(other.config)}`]) {
        const r = await fetch(`${ro.url}/v2/ro/app/${path}`, { method: 'DELETE' });
        assert.equal(r.status, 405, path);
        assert.equal(await errorCode(r), 'UNSUPPORTED');
      }
      assert.equal((await fetch(`${ro.url}/v2/ro/app/manifests/latest`)).status, 200);
    } finally {
      await ro.close();
    }
  });
});
