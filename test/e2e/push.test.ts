// docker push through wharfd to Debian's docker-registry, checked from the registry's side (its
// API and skopeo): the manifest and every blob are there with the digests wharfd printed; a
// second push uploads nothing ("Layer already exists"); a sibling repository mounts ("Mounted
// from"); a large layer goes in PATCH chunks; --all-tags; basic auth through docker login; a
// registry killed mid-push; the same pushes to Wharf's own registry server; and the image
// removed locally comes back by pull with the same digest and runs. Tests run in order and
// share one daemon and one registry.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { BUSYBOX_IMAGE_REF, busyboxImageArchive } from '../fixtures/index.ts';
import { type RegistryPeer, startRegistryPeer } from './registry-peer.ts';
import { type Engine, runCommand, startEngine } from './harness.ts';
import { inspectImage, lines, scratch } from './util.ts';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const SCHEMA2 = 'application/vnd.docker.distribution.manifest.v2+json';

interface Manifest {
  mediaType: string;
  config: { digest: string; size: number };
  layers: { mediaType: string; digest: string; size: number }[];
}

let e: Engine;
let reg: RegistryPeer;
let files: { dir: string; remove: () => Promise<void> };
let busyboxId: string;
let busyboxDiffIds: string[];
let pushedDigest: string;

before(async () => {
  files = await scratch('push');
  [e, reg] = await Promise.all([startEngine('push'), startRegistryPeer('push', { accessLog: true })]);
  await e.dockerOk(['load', '-q', '-i', await busyboxImageArchive()]);
  const img = await inspectImage<{ Id: string; RootFS: { Layers: string[] } }>(e, BUSYBOX_IMAGE_REF);
  busyboxId = img.Id;
  busyboxDiffIds = img.RootFS.Layers;
});
after(async () => {
  await reg?.stop();
  await e?.teardown();
  await files?.remove();
});

/** The manifest the registry serves for repo:ref, with the digest it says it has. */
async function registryManifest(r: RegistryPeer, repo: string, ref: string, auth?: string): Promise<{ digest: string; bytes: Buffer; m: Manifest }> {
  const res = await r.get(`/v2/${repo}/manifests/${ref}`, { accept: SCHEMA2, ...(auth ? { auth } : {}) });
  assert.equal(res.status, 200, `GET manifest ${repo}:${ref}: ${res.body.toString()}`);
  return { digest: res.headers.get('docker-content-digest')!, bytes: res.body, m: JSON.parse(res.body.toString()) as Manifest };
}

/** "abc: Pushed" lines as [id, status]. */
function layerLines(out: string): [string, string][] {
  return lines(out).flatMap((l) => {
    const m = /^([0-9a-f]{12}): (.*)$/.exec(l);
    return m ? [[m[1]!, m[2]!] as [string, string]] : [];
  });
}

function digestLine(out: string, tag: string): { digest: string; size: number } {
  const m = new RegExp(`^${tag}: digest: (sha256:[0-9a-f]{64}) size: (\\d+)$`, 'm').exec(out);
  assert.ok(m, `no digest line for ${tag} in:\n${out}`);
  return { digest: m[1]!, size: Number(m[2]) };
}

describe('docker push to docker-registry', () => {
  it('pushes the busybox image: manifest and blobs in the registry with the printed digest', async () => {
    await e.dockerOk(['tag', BUSYBOX_IMAGE_REF, `${reg.host}/bb:1`]);
    const out = await e.dockerOk(['push', `${reg.host}/bb:1`]);
    assert.equal(lines(out)[0], `The push refers to repository [${reg.host}/bb]`);
    const short = busyboxDiffIds[0]!.slice(7, 19);
    assert.deepEqual(layerLines(out), [
      [short, 'Preparing'],
      [short, 'Pushed'],
    ]);
    const printed = digestLine(out, '1');
    const { digest, bytes, m } = await registryManifest(reg, 'bb', '1');
    assert.equal(digest, printed.digest);
    assert.equal(sha(bytes), printed.digest);
    assert.equal(bytes.length, printed.size);
    assert.equal(m.mediaType, SCHEMA2);
    assert.equal(m.config.digest, busyboxId, 'the config blob is the image ID');
    const config = await reg.get(`/v2/bb/blobs/${m.config.digest}`);
    assert.equal(sha(config.body), busyboxId);
    assert.equal(m.layers.length, 1);
    const layer = await reg.get(`/v2/bb/blobs/${m.layers[0]!.digest}`);
    assert.equal(sha(layer.body), m.layers[0]!.digest);
    assert.equal(layer.body.length, m.layers[0]!.size);
    assert.equal(sha(gunzipSync(layer.body)), busyboxDiffIds[0], 'the layer gunzips to its diff ID');
    // Small enough for one PUT: no PATCH (dockerd streams every blob in a PATCH).
    if (e.kind === 'wharfd') assert.ok(!/"PATCH \/v2\/bb\//.test(reg.output()));
    pushedDigest = printed.digest;
    const img = await inspectImage<{ RepoDigests: string[] }>(e, `${reg.host}/bb:1`);
    assert.ok(img.RepoDigests.includes(`${reg.host}/bb@${pushedDigest}`), `RepoDigests: ${img.RepoDigests}`);
  });

  it('skopeo, a second client, sees the same manifest', async () => {
    const r = await runCommand('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/bb:1`], process.env);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { Digest: string; Layers: string[] };
    assert.equal(doc.Digest, pushedDigest);
    const { m } = await registryManifest(reg, 'bb', '1');
    assert.deepEqual(doc.Layers, [m.layers[0]!.digest]);
  });

  it('pushes again without uploading anything: Layer already exists', async () => {
    const before = reg.output().length;
    const out = await e.dockerOk(['push', `${reg.host}/bb:1`]);
    assert.deepEqual(layerLines(out).map(([, s]) => s), ['Preparing', 'Layer already exists']);
    assert.equal(digestLine(out, '1').digest, pushedDigest);
    assert.ok(!/"(POST|PATCH) \/v2\/bb\/blobs\/uploads/.test(reg.output().slice(before)));
  });

  it('mounts from another repository of the same registry', async () => {
    await e.dockerOk(['tag', BUSYBOX_IMAGE_REF, `${reg.host}/library/y:2`]);
    const out = await e.dockerOk(['push', `${reg.host}/library/y:2`]);
    assert.deepEqual(layerLines(out).map(([, s]) => s), ['Preparing', 'Mounted from bb']);
    assert.equal(digestLine(out, '2').digest, pushedDigest, 'same layers, same manifest');
    assert.equal((await registryManifest(reg, 'library/y', '2')).digest, pushedDigest);
  });

  it('pushes every tag of a repository with --all-tags', async () => {
    await e.dockerOk(['tag', BUSYBOX_IMAGE_REF, `${reg.host}/bb:2`]);
    const out = await e.dockerOk(['push', '--all-tags', `${reg.host}/bb`]);
    assert.equal(digestLine(out, '1').digest, pushedDigest);
    assert.equal(digestLine(out, '2').digest, pushedDigest);
    const tags = JSON.parse((await reg.get('/v2/bb/tags/list')).body.toString()) as { tags: string[] };
    assert.deepEqual(tags.tags.sort(), ['1', '2']);
  });

  it('uploads a large layer in PATCH chunks', async () => {
    const dir = join(files.dir, 'big');
    await mkdir(dir);
    const data = randomBytes(20 << 20); // incompressible: the gzip blob is as large
    await writeFile(join(dir, 'random.bin'), data);
    const tar = join(files.dir, 'big.tar');
    const t = await runCommand('tar', ['-C', dir, '-cf', tar, 'random.bin'], process.env);
    assert.equal(t.code, 0, t.stderr);
    await e.dockerOk(['import', tar, `${reg.host}/big:1`]);
    const out = await e.dockerOk(['push', `${reg.host}/big:1`]);
    const { m } = await registryManifest(reg, 'big', '1');
    assert.equal(digestLine(out, '1').digest, (await registryManifest(reg, 'big', '1')).digest);
    const blob = await reg.get(`/v2/big/blobs/${m.layers[0]!.digest}`);
    assert.equal(sha(blob.body), m.layers[0]!.digest);
    const img = await inspectImage<{ RootFS: { Layers: string[] } }>(e, `${reg.host}/big:1`);
    assert.equal(sha(gunzipSync(blob.body)), img.RootFS.Layers[0]);
    const patches = reg.output().match(/"PATCH \/v2\/big\/blobs\/uploads\/[^"]*" 202/g) ?? [];
    assert.ok(patches.length >= 2, `${patches.length} PATCH requests`);
  });

  it('says when the image does not exist locally', async () => {
    const r = await e.docker(['push', `${reg.host}/nothing`]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Using default tag: latest\nThe push refers to repository \[127\.0\.0\.1:\d+\/nothing\]/);
    assert.equal(r.stderr.trim(), `An image does not exist locally with the tag: ${reg.host}/nothing`);
    const t = await e.docker(['push', `${reg.host}/bb:nope`]);
    assert.equal(t.code, 1);
    assert.equal(t.stderr.trim(), `tag does not exist: ${reg.host}/bb:nope`);
  });

  it('wharf push prints plain lines off a terminal, and only the reference with -q', async (t) => {
    if (e.kind !== 'wharfd') return t.skip('the wharf CLI against wharfd');
    const out = await e.wharfOk(['push', `${reg.host}/bb:1`]);
    assert.deepEqual(layerLines(out).map(([, s]) => s), ['Preparing', 'Layer already exists']);
    assert.equal(digestLine(out, '1').digest, pushedDigest);
    assert.equal(await e.wharfOk(['push', '-q', `${reg.host}/bb:1`]), `${reg.host}/bb:1\n`);
  });
});

describe('push with basic auth', () => {
  let secure: RegistryPeer;
  before(async () => {
    secure = await startRegistryPeer('push-auth', { users: { alice: 'wonderland' } });
    await e.dockerOk(['tag', BUSYBOX_IMAGE_REF, `${secure.host}/private/bb:1`]);
  });
  after(async () => {
    await secure?.stop();
  });

  it('refuses without credentials, as dockerd words it', async () => {
    const r = await e.docker(['push', `${secure.host}/private/bb:1`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'no basic auth credentials');
  });

  it('docker login refuses a wrong password and keeps a right one; push then works', async () => {
    const bad = await e.docker(['login', '-u', 'alice', '--password-stdin', secure.host], { input: 'wrong\n' });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /401 Unauthorized|unauthorized/);
    await e.dockerOk(['login', '-u', 'alice', '--password-stdin', secure.host], { input: 'wonderland\n' });
    const out = await e.dockerOk(['push', `${secure.host}/private/bb:1`]);
    const printed = digestLine(out, '1');
    assert.equal((await registryManifest(secure, 'private/bb', '1', 'alice:wonderland')).digest, printed.digest);
    await e.dockerOk(['logout', secure.host]);
  });
});

describe('interrupted pushes', () => {
  it('ends the push with a clear error and leaves the local image as it was', async (t) => {
    if (e.kind !== 'wharfd') return t.skip('dockerd retries each upload 5 times over ~50 s before it says so');
    const doomed = await startRegistryPeer('push-doomed');
    try {
      const big = `${doomed.host}/big:1`;
      await e.dockerOk(['tag', `${reg.host}/big:1`, big]);
      const before = await inspectImage<{ Id: string; RepoDigests: string[] }>(e, big);
      // zstd: no kept blob for it, so wharfd compresses and uploads for a while.
      const stream = await streamPush(e, `${doomed.host}/big`, '1', 'zstd', async (line) => {
        if (line.includes('"Pushing"')) await doomed.kill();
      });
      const last = JSON.parse(stream.at(-1)!) as { error?: string };
      assert.match(last.error ?? '', new RegExp(`^(Patch|Put|Post|Head) "http://${doomed.host.replace(/\./g, '\\.')}/v2/big/blobs/[^"]*": `), stream.at(-1));
      const afterImg = await inspectImage<{ Id: string; RepoDigests: string[] }>(e, big);
      assert.deepEqual(afterImg, before);
    } finally {
      await doomed.stop();
    }
  });

  it('stops when the client goes away; the next push of the same layer works', async (t) => {
    if (e.kind !== 'wharfd') return t.skip('compression=zstd is a wharfd parameter');
    await e.dockerOk(['tag', `${reg.host}/big:1`, `${reg.host}/gone/big:1`]);
    const cut = await streamPush(e, `${reg.host}/gone/big`, '1', 'zstd', async (line, stop) => {
      if (line.includes('"Pushing"')) stop();
    });
    assert.ok(!cut.some((l) => l.includes('digest:')), 'the push did not finish');
    const lines = await streamPush(e, `${reg.host}/gone/big`, '1', 'zstd', async () => {});
    const last = JSON.parse(lines.at(-1)!) as { aux?: { Digest: string }; error?: string };
    assert.ok(last.aux, lines.at(-1));
    const res = await reg.get('/v2/gone/big/manifests/1', { accept: 'application/vnd.oci.image.manifest.v1+json' });
    assert.equal(res.headers.get('docker-content-digest'), last.aux.Digest);
    const m = JSON.parse(res.body.toString()) as Manifest;
    assert.equal(m.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
  });
});

describe("push to Wharf's own registry (wharf registry serve)", () => {
  let ours: RegistryPeer;
  before(async () => {
    ours = await startRegistryPeer('push-wharf', { wharf: true, accessLog: true });
  });
  after(async () => {
    await ours?.stop();
  });

  it('takes the same manifest: the kept compressed blob goes up, not a new compression', async () => {
    await e.dockerOk(['tag', BUSYBOX_IMAGE_REF, `${ours.host}/bb:1`]);
    const out = await e.dockerOk(['push', `${ours.host}/bb:1`]);
    assert.deepEqual(layerLines(out).map(([, s]) => s), ['Preparing', 'Pushed']);
    const printed = digestLine(out, '1');
    if (e.kind === 'wharfd') assert.equal(printed.digest, pushedDigest);
    const { digest, m } = await registryManifest(ours, 'bb', '1');
    assert.equal(digest, printed.digest);
    const layer = await ours.get(`/v2/bb/blobs/${m.layers[0]!.digest}`);
    assert.equal(sha(gunzipSync(layer.body)), busyboxDiffIds[0]);
  });

  it('answers existence checks and mounts', async () => {
    const again = await e.dockerOk(['push', `${ours.host}/bb:1`]);
    assert.deepEqual(layerLines(again).map(([, s]) => s), ['Preparing', 'Layer already exists']);
    await e.dockerOk(['tag', BUSYBOX_IMAGE_REF, `${ours.host}/other:1`]);
    const mounted = await e.dockerOk(['push', `${ours.host}/other:1`]);
    assert.deepEqual(layerLines(mounted).map(([, s]) => s), ['Preparing', 'Mounted from bb']);
  });

  it('takes a large layer in chunks', async () => {
    await e.dockerOk(['tag', `${reg.host}/big:1`, `${ours.host}/big:1`]);
    const out = await e.dockerOk(['push', `${ours.host}/big:1`]);
    const { digest, m } = await registryManifest(ours, 'big', '1');
    assert.equal(digestLine(out, '1').digest, digest);
    const blob = await ours.get(`/v2/big/blobs/${m.layers[0]!.digest}`);
    assert.equal(sha(blob.body), m.layers[0]!.digest);
    const patches = ours.output().match(/ PATCH \/v2\/big\/blobs\/uploads\/\S+ 202 /g) ?? [];
    assert.ok(patches.length >= 2, `${patches.length} PATCH requests`);
  });
});

describe('pull back what was pushed', () => {
  it('removes the image locally, pulls it with the same digest and runs it', async () => {
    await e.dockerOk(['rmi', '-f', busyboxId]); // every tag of it, in every registry
    assert.equal((await e.docker(['image', 'inspect', busyboxId])).code, 1, 'the image is gone');
    const out = await e.dockerOk(['pull', `${reg.host}/bb:1`]);
    assert.match(out, new RegExp(`Digest: ${pushedDigest}`));
    const img = await inspectImage<{ Id: string; RepoDigests: string[] }>(e, `${reg.host}/bb:1`);
    assert.equal(img.Id, busyboxId);
    assert.deepEqual(img.RepoDigests, [`${reg.host}/bb@${pushedDigest}`]);
    assert.equal((await e.dockerOk(['run', '--rm', '--network', 'none', `${reg.host}/bb:1`, 'echo', 'pushed and back'])).trim(), 'pushed and back');
  });
});

/**
 * POST /images/{name}/push through the raw API, calling `onLine` for each line as it arrives;
 * `stop` hangs up (the client going away). Resolves with the lines received.
 */
async function streamPush(
  engine: Engine,
  name: string,
  tag: string,
  compression: string,
  onLine: (line: string, stop: () => void) => Promise<void>,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const got: string[] = [];
    let stopped = false;
    const path = `/images/${name}/push?tag=${tag}&compression=${compression}`;
    const req = request({ socketPath: engine.socket, method: 'POST', path, headers: { 'X-Registry-Auth': 'e30=' } }, (res) => {
      let buf = '';
      let chain = Promise.resolve();
      res.setEncoding('utf8');
      res.on('data', (s: string) => {
        buf += s;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          got.push(line);
          chain = chain.then(() => onLine(line, stop));
        }
      });
      res.on('end', () => chain.then(() => resolve(got), reject));
      res.on('error', (err) => (stopped ? resolve(got) : reject(err)));
    });
    const stop = () => {
      stopped = true;
      req.destroy();
      resolve(got);
    };
    req.on('error', (err) => (stopped ? resolve(got) : reject(err)));
    req.end();
  });
}
