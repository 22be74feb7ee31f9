// Conformance, categories 1 and 2 of the OCI distribution spec (pull, push), written from the
// spec's text: a server in-process on 127.0.0.1:0 with a temp root, driven with fetch.
import assert from 'node:assert/strict';
import { request } from 'node:http';
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

describe('pull', () => {
  const img = makeImage('pull');
  before(async () => {
    assert.equal((await pushImage(url, 'pull/app', img, 'v1')).status, 201);
  });

  it('GET /v2/ is 200 with the API version header', async () => {
    const r = await fetch(`${url}/v2/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });

  it('serves a manifest by tag and by digest, GET and HEAD, with its type and digest', async () => {
    for (const ref of ['v1', img.digest]) {
      const g = await fetch(`${url}/v2/pull/app/manifests/${ref}`, { headers: { Accept: MEDIA.ociManifest } });
      assert.equal(g.status, 200);
      assert.equal(g.headers.get('content-type'), MEDIA.ociManifest);
      assert.equal(g.headers.get('docker-content-digest'), img.digest);
      assert.equal(await g.text(), img.manifest);
      const h = await fetch(`${url}/v2/pull/app/manifests/${ref}`, { method: 'HEAD' });
      assert.equal(h.status, 200);
      assert.equal(h.headers.get('content-length'), String(Buffer.byteLength(img.manifest)));
      assert.equal(h.headers.get('docker-content-digest'), img.digest);
    }
  });

  it('serves blobs, GET and HEAD, and byte ranges', async () => {
    const layer = img.layers[0]!;
    const d = digestOf(layer);
    const g = await fetch(`${url}/v2/pull/app/blobs/${d}`);
    assert.equal(g.status, 200);
    assert.equal(g.headers.get('docker-content-digest'), d);
    assert.equal(await g.text(), layer);
    const h = await fetch(`${url}/v2/pull/app/blobs/${d}`, { method: 'HEAD' });
    assert.equal(h.status, 200);
    assert.equal(h.headers.get('content-length'), String(layer.length));
    const part = await fetch(`${url}/v2/pull/app/blobs/${d}`, { headers: { Range: 'bytes=2-4' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 2-4/${layer.length}`);
    assert.equal(await part.text(), layer.slice(2, 5));
    const suffix = await fetch(`${url}/v2/pull/app/blobs/${d}`, { headers: { Range: 'bytes=-3' } });
    assert.equal(await suffix.text(), layer.slice(-3));
    const bad = await fetch(`${url}/v2/pull/app/blobs/${d}`, { headers: { Range: 'bytes=1000-' } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), `bytes */${layer.length}`);
  });

  it('answers 404 with the spec codes for what is not there', async () => {
    const missing = digestOf('nothing');
    let r = await fetch(`${url}/v2/pull/app/blobs/${missing}`);
    assert.equal(r.status, 404);
    assert.equal(await errorCode(r), 'BLOB_UNKNOWN');
    r = await fetch(`${url}/v2/pull/app/manifests/nope`);
    assert.equal(r.status, 404);
    assert.equal(await errorCode(r), 'MANIFEST_UNKNOWN');
    r = await fetch(`${url}/v2/pull/app/manifests/${missing}`);
    assert.equal(await errorCode(r), 'MANIFEST_UNKNOWN');
    r = await fetch(`${url}/v2/no/such/repo/manifests/latest`);
    assert.equal(r.status, 404);
    assert.equal(await errorCode(r), 'NAME_UNKNOWN');
    r = await fetch(`${url}/v2/pull/app/manifests/${missing}`, { method: 'HEAD' });
    assert.equal(r.status, 404);
    // A blob of another repository is not this one's.
    r = await fetch(`${url}/v2/other/blobs/${digestOf(img.layers[0]!)}`);
    assert.equal(r.status, 404);
  });

  it('refuses invalid names and digests with 400', async () => {
    let r = await fetch(`${url}/v2/Upper/Case/manifests/latest`);
    assert.equal(r.status, 400);
    assert.equal(await errorCode(r), 'NAME_INVALID');
    r = await fetch(`${url}/v2/pull/app/blobs/sha256:xyz`);
    assert.equal(r.status, 400);
    assert.equal(await errorCode(r), 'DIGEST_INVALID');
  });

  it('negotiates the manifest type with Accept', async () => {
    let r = await fetch(`${url}/v2/pull/app/manifests/v1`, { headers: { Accept: MEDIA.dockerManifest } });
    assert.equal(r.status, 404);
    assert.equal(await errorCode(r), 'MANIFEST_UNKNOWN');
    r = await fetch(`${url}/v2/pull/app/manifests/v1`, { headers: { Accept: `${MEDIA.dockerManifest}, ${MEDIA.ociManifest};q=0.5` } });
    assert.equal(r.status, 200);
    r = await fetch(`${url}/v2/pull/app/manifests/v1`, { headers: { Accept: '*/*' } });
    assert.equal(r.status, 200);
  });

  it('serves Docker schema2 manifests and manifest lists, OCI indexes', async () => {
    const d = makeImage('docker', {}, MEDIA.dockerManifest);
    assert.equal((await pushImage(url, 'pull/docker', d, 'amd64')).status, 201);
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.dockerList,
      manifests: [{ mediaType: MEDIA.dockerManifest, digest: d.digest, size: Buffer.byteLength(d.manifest), platform: { architecture: 'amd64', os: 'linux' } }],
    });
    assert.equal((await putManifest(url, 'pull/docker', 'latest', list, MEDIA.dockerList)).status, 201);
    const r = await fetch(`${url}/v2/pull/docker/manifests/latest`, { headers: { Accept: `${MEDIA.dockerList},${MEDIA.dockerManifest}` } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), MEDIA.dockerList);
    assert.equal(r.headers.get('docker-content-digest'), digestOf(list));
    const m = await fetch(`${url}/v2/pull/docker/manifests/amd64`, { headers: { Accept: MEDIA.dockerManifest } });
    assert.equal(m.headers.get('content-type'), MEDIA.dockerManifest);
    const index = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [{ mediaType: MEDIA.ociManifest, digest: img.digest, size: Buffer.byteLength(img.manifest) }] });
    assert.equal((await putManifest(url, 'pull/app', 'multi', index, MEDIA.ociIndex)).status, 201);
    const i = await fetch(`${url}/v2/pull/app/manifests/multi`);
    assert.equal(i.headers.get('content-type'), MEDIA.ociIndex);
  });
});

describe('push', () => {
  it('POST then PUT (monolithic): 202 with a Location, then 201 with the blob Location', async () => {
    const data = 'monolithic blob';
    const post = await fetch(`${url}/v2/push/a/blobs/uploads/`, { method: 'POST' });
    assert.equal(post.status, 202);
    const loc = post.headers.get('location')!;
    assert.match(loc, /^\/v2\/push\/a\/blobs\/uploads\/[0-9a-f-]{36}$/);
    const put = await fetch(`${url}${loc}?digest=${digestOf(data)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('location'), `/v2/push/a/blobs/${digestOf(data)}`);
    assert.equal(put.headers.get('docker-content-digest'), digestOf(data));
    assert.equal(await (await fetch(`${url}/v2/push/a/blobs/${digestOf(data)}`)).text(), data);
  });

  it('single POST with ?digest= is 201', async () => {
    const d = await pushBlob(url, 'push/a', 'single post');
    assert.equal((await fetch(`${url}/v2/push/a/blobs/${d}`, { method: 'HEAD' })).status, 200);
  });

  it('chunked: PATCHes in order, GET tells the offset, the closing PUT carries the last chunk', async () => {
    const data = 'abcdefghijklmnopqrstuvwxyz';
    const post = await fetch(`${url}/v2/push/chunked/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
    let loc = post.headers.get('location')!;
    const patch = (chunk: string, start: number) =>
      fetch(`${url}${loc}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${start + chunk.length - 1}` },
        body: chunk,
      });
    let r = await patch(data.slice(0, 10), 0);
    assert.equal(r.status, 202);
    assert.equal(r.headers.get('range'), '0-9');
    loc = r.headers.get('location')!;
    // Out of order: 416, and nothing changes.
    r = await patch(data.slice(12, 15), 12);
    assert.equal(r.status, 416);
    r = await fetch(`${url}${loc}`);
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('range'), '0-9');
    r = await patch(data.slice(10, 20), 10);
    assert.equal(r.headers.get('range'), '0-19');
    r = await fetch(`${url}${loc}?digest=${digestOf(data)}`, {
      method: 'PUT',
      headers: { 'Content-Range': '20-25', 'Content-Type': 'application/octet-stream' },
      body: data.slice(20),
    });
    assert.equal(r.status, 201);
    assert.equal(await (await fetch(`${url}/v2/push/chunked/blobs/${digestOf(data)}`)).text(), data);
  });

  it('streamed PATCH without Content-Range appends', async () => {
    const post = await fetch(`${url}/v2/push/stream/blobs/uploads/`, { method: 'POST' });
    const loc = post.headers.get('location')!;
    const parts = ['one ', 'two ', 'three'];
    const body = new ReadableStream({
      start(c) {
        for (const p of parts) c.enqueue(new TextEncoder().encode(p));
        c.close();
      },
    });
    let r = await fetch(`${url}${loc}`, { method: 'PATCH', body, duplex: 'half' } as RequestInit);
    assert.equal(r.status, 202);
    assert.equal(r.headers.get('range'), `0-${parts.join('').length - 1}`);
    r = await fetch(`${url}${loc}?digest=${digestOf(parts.join(''))}`, { method: 'PUT' });
    assert.equal(r.status, 201);
  });

  it('resumes an interrupted upload from the offset GET reports', async () => {
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
    const post = await fetch(`${url}/v2/push/resume/blobs/uploads/`, { method: 'POST' });
    const loc = post.headers.get('location')!;
    // A PATCH that dies after 100 KB: the connection drops with the body unfinished.
    const req = request(`${url}${loc}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length } });
    req.on('error', () => {});
    req.write(data.subarray(0, 100_000));
    let have = 0;
    for (let i = 0; i < 200 && have < 100_000; i++) {
      await new Promise((r) => setTimeout(r, 10));
      const range = (await fetch(`${url}${loc}`)).headers.get('range')!;
      have = Number(range.split('-')[1]) + 1;
    }
    req.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const status = await fetch(`${url}${loc}`);
    assert.equal(status.status, 204);
    const offset = Number(status.headers.get('range')!.split('-')[1]) + 1;
    assert.equal(offset, 100_000);
    const rest = await fetch(`${url}${loc}`, {
      method: 'PATCH',
      headers: { 'Content-Range': `${offset}-${data.length - 1}` },
      body: data.subarray(offset),
    });
    assert.equal(rest.status, 202);
    const put = await fetch(`${url}${loc}?digest=${digestOf(data)}`, { method: 'PUT' });
    assert.equal(put.status, 201);
    assert.deepEqual(Buffer.from(await (await fetch(`${url}/v2/push/resume/blobs/${digestOf(data)}`)).arrayBuffer()), data);
  });

  it('a wrong or missing digest is 400 DIGEST_INVALID and the blob stays invisible', async () => {
    const post = await fetch(`${url}/v2/push/bad/blobs/uploads/`, { method: 'POST' });
    const loc = post.headers.get('location')!;
    const wrong = digestOf('something else');
    let r = await fetch(`${url}${loc}?digest=${wrong}`, { method: 'PUT', body: 'content' });
    assert.equal(r.status, 400);
    assert.equal(await errorCode(r), 'DIGEST_INVALID');
    assert.equal((await fetch(`${url}/v2/push/bad/blobs/${wrong}`, { method: 'HEAD' })).status, 404);
    assert.equal((await fetch(`${url}/v2/push/bad/blobs/${digestOf('content')}`, { method: 'HEAD' })).status, 404);
    r = await fetch(`${url}${loc}`, { method: 'PUT' });
    assert.equal(r.status, 400);
    assert.equal(await errorCode(r), 'DIGEST_INVALID');
    r = await fetch(`${url}/v2/push/bad/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: 'x' });
    assert.equal(r.status, 400);
  });

  it('DELETE cancels an upload; an unknown upload is 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const post = await fetch(`${url}/v2/push/cancel/blobs/uploads/`, { method: 'POST' });
    const loc = post.headers.get('location')!;
    assert.equal((await fetch(`${url}${loc}`, { method: 'DELETE' })).status, 204);
    const r = await fetch(`${url}${loc}`);
    assert.equal(r.status, 404);
    assert.equal(await errorCode(r), 'BLOB_UPLOAD_UNKNOWN');
    const bogus = await fetch(`${url}/v2/push/cancel/blobs/uploads/..%2F..%2Fetc`, { method: 'PATCH', body: 'x' });
    assert.equal(bogus.status, 404);
  });

  it('mounts a blob from another repository (201), or falls back to an upload session (202)', async () => {
    const d = await pushBlob(url, 'mount/src', 'mountable');
    let r = await fetch(`${url}/v2/mount/dst/blobs/uploads/?mount=${d}&from=mount/src`, { method: 'POST' });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('location'), `/v2/mount/dst/blobs/${d}`);
    assert.equal(await (await fetch(`${url}/v2/mount/dst/blobs/${d}`)).text(), 'mountable');
    r = await fetch(`${url}/v2/mount/dst/blobs/uploads/?mount=${digestOf('absent')}&from=mount/src`, { method: 'POST' });
    assert.equal(r.status, 202);
    assert.match(r.headers.get('location')!, /\/blobs\/uploads\//);
    r = await fetch(`${url}/v2/mount/other/blobs/uploads/?mount=${d}`, { method: 'POST' });
    assert.equal(r.status, 202);
  });

  it('PUT manifest: 201 with Location and digest; by digest it must match', async () => {
    const img = makeImage('push');
    const r = await pushImage(url, 'push/m', img, 'latest');
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('location'), `/v2/push/m/manifests/${img.digest}`);
    assert.equal(r.headers.get('docker-content-digest'), img.digest);
    assert.equal((await putManifest(url, 'push/m', img.digest, img.manifest, MEDIA.ociManifest)).status, 201);
    const bad = await putManifest(url, 'push/m', digestOf('other'), img.manifest, MEDIA.ociManifest);
    assert.equal(bad.status, 400);
    assert.equal(await errorCode(bad), 'DIGEST_INVALID');
  });

  it('PUT manifest refuses missing blobs, bad JSON, bad shapes, bad tags and huge bodies', async () => {
    const img = makeImage('missing');
    let r = await putManifest(url, 'push/bad', 'latest', img.manifest, MEDIA.ociManifest);
    assert.equal(r.status, 400);
    assert.equal(await errorCode(r), 'MANIFEST_BLOB_UNKNOWN');
    r = await putManifest(url, 'push/bad', 'latest', '{not json', MEDIA.ociManifest);
    assert.equal(await errorCode(r), 'MANIFEST_INVALID');
    r = await putManifest(url, 'push/bad', 'latest', JSON.stringify({ schemaVersion: 1, name: 'x' }), MEDIA.ociManifest);
    assert.equal(await errorCode(r), 'MANIFEST_INVALID');
    r = await putManifest(url, 'push/bad', 'latest', JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest }), MEDIA.ociManifest);
    assert.equal(await errorCode(r), 'MANIFEST_INVALID');
    r = await putManifest(url, 'push/bad', 'latest', img.manifest, MEDIA.dockerManifest);
    assert.equal(await errorCode(r), 'MANIFEST_INVALID', 'Content-Type must match mediaType');
    r = await putManifest(url, 'push/bad', '-bad-tag', img.manifest, MEDIA.ociManifest);
    assert.equal(r.status, 400);
    const index = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [{ mediaType: MEDIA.ociManifest, digest: img.digest, size: 10 }] });
    r = await putManifest(url, 'push/bad', 'idx', index, MEDIA.ociIndex);
    assert.equal(await errorCode(r), 'MANIFEST_BLOB_UNKNOWN');
    r = await putManifest(url, 'push/bad', 'huge', 'x'.repeat((4 << 20) + 1), MEDIA.ociManifest);
    assert.equal(r.status, 413);
  });

  it('a manifest with a subject is accepted before its subject exists, with OCI-Subject', async () => {
    const subject = { mediaType: MEDIA.ociManifest, digest: digestOf('not pushed yet'), size: 14 };
    const img = makeImage('sig', { artifactType: 'application/vnd.example.sig', subject });
    const r = await pushImage(url, 'push/ref', img, img.digest);
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('oci-subject'), subject.digest);
  });

  it('answers 405 for a method a route does not have', async () => {
    const r = await fetch(`${url}/v2/push/a/tags/list`, { method: 'POST' });
    assert.equal(r.status, 405);
    assert.equal(await errorCode(r), 'UNSUPPORTED');
  });
});
