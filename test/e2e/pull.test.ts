// docker pull / login / logout against Debian's docker-registry (images pushed into it with
// skopeo from the busybox fixture), a manifest list with two platforms, htpasswd auth, and a
// hostile registry (wrong digests, truncated blobs, a registry that dies, a client that goes
// away): every failure is a clear error and leaves the image store and snapshots as they were.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { busyboxImageArchive, writeMultiLayerArchive } from '../fixtures/index.ts';
import { TarWriter } from '../fixtures/tar.ts';
import { type RegistryPeer, startRegistryPeer } from './registry-peer.ts';
import { type Engine, runCommand, startEngine, waitFor } from './harness.ts';
import { type HostileRegistry, startHostileRegistry } from './hostile-registry.ts';
import { imageTable, inspectImage, scratch } from './util.ts';

const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let e: Engine;
/** A second wharfd with --registry-mirror, torn down in after() once the registries are gone. */
let mirror: Engine | undefined;
let files: { dir: string; remove: () => Promise<void> };
let reg: RegistryPeer;
let authReg: RegistryPeer;
let hostile: HostileRegistry;
/** Its own instance: it goes away during its test. */
let dying: HostileRegistry;
let bbManifestDigest: string;
let bbConfigDigest: string;
let armConfigDigest: string;
let indexDigest: string;

async function skopeoCopy(archive: string, dest: string, creds?: string): Promise<void> {
  const args = ['copy', '-q', '--dest-tls-verify=false', ...(creds ? ['--dest-creds', creds] : []), `docker-archive:${archive}`, `docker://${dest}`];
  const r = await runCommand('skopeo', args, process.env);
  if (r.code !== 0) throw new Error(`skopeo ${args.join(' ')}: ${r.stderr}`);
}

async function putBlob(base: string, repo: string, data: Buffer): Promise<string> {
  const digest = sha(data);
  const post = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await post.arrayBuffer();
  assert.equal(post.status, 202);
  const loc = new URL(post.headers.get('location')!, base);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, { method: 'PUT', body: data, headers: { 'Content-Type': 'application/octet-stream' } });
  await put.arrayBuffer();
  assert.equal(put.status, 201);
  return digest;
}

async function putManifest(base: string, repo: string, ref: string, body: Buffer, type: string): Promise<void> {
  const res = await fetch(`${base}/v2/${repo}/manifests/${ref}`, { method: 'PUT', body, headers: { 'Content-Type': type } });
  const text = await res.text();
  assert.equal(res.status, 201, text);
}

/** What must not change when a pull fails: the image list and the committed snapshots, with no staging left. */
async function storeState(): Promise<{ images: string; snapshots: string[] }> {
  const overlay = join(e.dataRoot, 'overlay');
  const staging = join(overlay, 'staging');
  await waitFor(async () => !existsSync(staging) || readdirSync(staging).length === 0, 10_000, 'staging directories to go');
  const images = [...(await imageTable(e, ['-a'])).entries()].sort().join('\n');
  return { images, snapshots: readdirSync(overlay).filter((n) => n !== 'staging').sort() };
}

before(async () => {
  files = await scratch('pull');
  const archive = await busyboxImageArchive();
  [reg, authReg, e] = await Promise.all([
    startRegistryPeer('pull'),
    startRegistryPeer('pull-auth', { users: { alice: 's3cret' } }),
    startEngine('pull'),
  ]);
  // Content no earlier pull has (else its layer would "already exist"): 1.5 MB of noise.
  const tarPath = join(files.dir, 'hostile-layer.tar');
  const tar = await TarWriter.create(tarPath);
  await tar.add({ name: 'noise', type: 'file', mode: 0o644 }, randomBytes(1536 << 10));
  await tar.finish();
  const rootfs = await readFile(tarPath);
  dying = await startHostileRegistry(rootfs, { 'bad/dies': 'die' });
  hostile = await startHostileRegistry(rootfs, {
    'bad/digest': 'bad-digest',
    'bad/truncated': 'truncated',
    'bad/manifest': 'bad-manifest',
    'bad/diffid': 'bad-diffid',
    'bad/slow': 'slow',
  });
  await Promise.all([
    skopeoCopy(archive, `${reg.host}/test/busybox:latest`),
    skopeoCopy(archive, `${reg.host}/test/multi:amd64`),
    skopeoCopy(archive, `${authReg.host}/private/busybox:v1`, 'alice:s3cret'),
  ]);
  await skopeoCopy(archive, `${reg.host}/test/busybox:v2`);

  // A manifest list: amd64 is the busybox image, arm64/v8 the same layer with its own config,
  // plus an attestation-like entry (unknown/unknown) that must be skipped.
  const base = `http://${reg.host}`;
  const res = await fetch(`${base}/v2/test/multi/manifests/amd64`, { headers: { Accept: DOCKER_V2 } });
  const amd = Buffer.from(await res.arrayBuffer());
  bbManifestDigest = sha(amd);
  const doc = JSON.parse(amd.toString()) as { config: { digest: string; size: number }; layers: unknown[] };
  bbConfigDigest = doc.config.digest;
  const cfg = JSON.parse(Buffer.from(await (await fetch(`${base}/v2/test/multi/blobs/${bbConfigDigest}`)).arrayBuffer()).toString());
  const armConfig = Buffer.from(JSON.stringify({ ...cfg, architecture: 'arm64', variant: 'v8' }));
  armConfigDigest = await putBlob(base, 'test/multi', armConfig);
  const arm = Buffer.from(JSON.stringify({ ...doc, config: { ...doc.config, digest: armConfigDigest, size: armConfig.length } }));
  await putManifest(base, 'test/multi', 'arm64', arm, DOCKER_V2);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [
        { mediaType: DOCKER_V2, digest: sha(arm), size: arm.length, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
        { mediaType: DOCKER_V2, digest: bbManifestDigest, size: amd.length, platform: { architecture: 'unknown', os: 'unknown' } },
        { mediaType: DOCKER_V2, digest: bbManifestDigest, size: amd.length, platform: { architecture: 'amd64', os: 'linux' } },
      ],
    }),
  );
  indexDigest = sha(index);
  await putManifest(base, 'test/multi', 'latest', index, 'application/vnd.docker.distribution.manifest.list.v2+json');
});

after(async () => {
  // Registries first: the engine's teardown checks that nothing is left running.
  await Promise.all([reg?.stop(), authReg?.stop(), hostile?.stop(), dying?.stop()]);
  await mirror?.teardown();
  await e?.teardown();
  await files?.remove();
});

interface Inspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Architecture: string;
}

describe('pull from docker-registry', () => {
  it('pulls, reports progress as dockerd, records tag and repo digest, and runs the image', async () => {
    const ref = `${reg.host}/test/busybox`;
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const r = await e.docker(['pull', ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Using default tag: latest\nlatest: Pulling from test\/busybox\n/);
    assert.match(r.stdout, /[0-9a-f]{12}: Pull complete\n/);
    assert.match(r.stdout, new RegExp(`Digest: ${bbManifestDigest}\\n`));
    assert.match(r.stdout, new RegExp(`Status: Downloaded newer image for ${ref}:latest\\n${ref}:latest\\n$`));
    const img = await inspectImage<Inspect>(e, `${ref}:latest`);
    assert.equal(img.Id, bbConfigDigest);
    assert.deepEqual(img.RepoTags, [`${ref}:latest`]);
    assert.deepEqual(img.RepoDigests, [`${ref}@${bbManifestDigest}`]);
    assert.equal((await e.dockerOk(['run', '--rm', `${ref}:latest`, 'echo', 'pulled and running'])).trim(), 'pulled and running');
    const events = await e.dockerOk(['events', '--since', since, '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'event=pull', '--format', '{{.Action}} {{.Actor.ID}}']);
    assert.equal(events.trim(), `pull ${ref}:latest`);
  });

  it('says "Image is up to date" the second time, and pulls by digest', async () => {
    const ref = `${reg.host}/test/busybox`;
    const again = await e.dockerOk(['pull', ref]);
    assert.match(again, /Status: Image is up to date for /);
    assert.doesNotMatch(again, /Pull complete|Downloading/);
    const byDigest = await e.dockerOk(['pull', `${ref}@${bbManifestDigest}`]);
    assert.match(byDigest, new RegExp(`${ref}@${bbManifestDigest}\\n$`));
    assert.equal((await inspectImage<Inspect>(e, `${ref}@${bbManifestDigest}`)).Id, bbConfigDigest);
  });

  it('pulls every tag with -a', async () => {
    const ref = `${reg.host}/test/busybox`;
    await e.dockerOk(['rmi', `${ref}:latest`]);
    const r = await e.dockerOk(['pull', '-a', ref]);
    assert.match(r, /latest: Pulling from test\/busybox/);
    assert.match(r, /v2: Pulling from test\/busybox/);
    const tags = await imageTable(e);
    assert.equal(tags.get(`${ref}:latest`), bbConfigDigest);
    assert.equal(tags.get(`${ref}:v2`), bbConfigDigest);
  });

  it('answers an unknown repository or tag as dockerd does', async () => {
    const r = await e.docker(['pull', `${reg.host}/test/nothing`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`Error response from daemon: manifest for ${reg.host}/test/nothing:latest not found: manifest unknown: manifest unknown`));
    const t = await e.docker(['pull', `${reg.host}/test/busybox:nope`]);
    assert.match(t.stderr, /manifest for .*test\/busybox:nope not found: manifest unknown/);
  });

  it('picks linux/amd64 from a manifest list, --platform picks arm64, and a missing platform is an error', async () => {
    const ref = `${reg.host}/test/multi:latest`;
    await e.dockerOk(['pull', ref]);
    const img = await inspectImage<Inspect>(e, ref);
    assert.equal(img.Id, bbConfigDigest);
    assert.ok(img.RepoDigests.includes(`${reg.host}/test/multi@${indexDigest}`), `${img.RepoDigests}`);

    const arm = await e.dockerOk(['pull', '--platform', 'linux/arm64', ref]);
    assert.match(arm, /Already exists/); // same layer, only the config differs
    const armImg = await inspectImage<Inspect>(e, ref);
    assert.equal(armImg.Id, armConfigDigest);
    assert.equal(armImg.Architecture, 'arm64');

    const none = await e.docker(['pull', '--platform', 'linux/s390x', ref]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);

    const single = await e.docker(['pull', '--platform', 'linux/arm64', `${reg.host}/test/busybox:v2`]);
    assert.equal(single.code, 1);
    assert.match(single.stderr, /image with reference .*test\/busybox:v2 was found but does not match the specified platform: wanted linux\/arm64, actual: linux\/amd64/);
  });

  it('pulls Docker Hub names through a registry mirror (registry-mirrors)', async () => {
    await skopeoCopy(await busyboxImageArchive(), `${reg.host}/library/busybox:latest`);
    mirror = await startEngine('pull-mirror', { args: ['--registry-mirror', `http://${reg.host}`] });
    const out = await mirror.dockerOk(['pull', 'busybox']);
    assert.match(out, /latest: Pulling from library\/busybox\n/);
    assert.match(out, /docker\.io\/library\/busybox:latest\n$/);
    const img = await inspectImage<Inspect>(mirror, 'busybox');
    assert.equal(img.Id, bbConfigDigest);
    assert.deepEqual(img.RepoDigests, [`busybox@${bbManifestDigest}`]);
  });

  it('pulls a multi-layer image: the shared bottom layer already exists, the others download in parallel', async () => {
    const archive = join(files.dir, 'multilayer.tar');
    const ml = await writeMultiLayerArchive(archive);
    await skopeoCopy(archive, `${reg.host}/test/multilayer:latest`);
    const out = await e.dockerOk(['pull', `${reg.host}/test/multilayer`]);
    assert.equal(out.match(/: Already exists\n/g)?.length, 1, out);
    assert.equal(out.match(/: Pull complete\n/g)?.length, ml.diffIds.length - 1, out);
    const img = await inspectImage<Inspect & { RootFS: { Layers: string[] } }>(e, `${reg.host}/test/multilayer`);
    assert.equal(img.Id, ml.id);
    assert.deepEqual(img.RootFS.Layers, ml.diffIds);
    assert.equal(await e.dockerOk(['run', '--rm', `${reg.host}/test/multilayer`, 'cat', '/data/keep.txt']), 'keep v2\n');
  });

  it('wharf pull prints plain lines off a terminal and the reference', async () => {
    const out = await e.wharfOk(['pull', `${reg.host}/test/busybox:v2`]);
    assert.match(out, /^v2: Pulling from test\/busybox\nDigest: sha256:[0-9a-f]{64}\nStatus: (Image is up to date|Downloaded newer image) for .*\n.*test\/busybox:v2\n$/);
    const quiet = await e.wharfOk(['pull', '-q', `${reg.host}/test/busybox:v2`]);
    assert.equal(quiet, `${reg.host}/test/busybox:v2\n`);
  });
});

describe('login and pull with credentials', () => {
  const ref = () => `${authReg.host}/private/busybox:v1`;

  it('refuses an anonymous pull with the registry reason', async () => {
    const r = await e.docker(['pull', ref()], { input: '' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no basic auth credentials/);
  });

  it('rejects bad credentials with dockerd message and stores nothing', async () => {
    const r = await e.docker(['login', '-u', 'alice', '--password-stdin', authReg.host], { input: 'wrong\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`login attempt to http://${authReg.host}/v2/ failed with status: 401 Unauthorized`));
    const api = await e.api('POST', '/auth', { username: 'alice', password: 'wrong', serveraddress: authReg.host });
    assert.equal(api.status, 401);
  });

  it('logs in (docker CLI), stores the credentials in config.json and pulls with them', async () => {
    const r = await e.docker(['login', '-u', 'alice', '--password-stdin', authReg.host], { input: 's3cret\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Login Succeeded/);
    const cfg = JSON.parse(await readFile(join(e.root, 'docker-config', 'config.json'), 'utf8'));
    assert.equal(cfg.auths[authReg.host].auth, Buffer.from('alice:s3cret').toString('base64'));
    const pulled = await e.dockerOk(['pull', ref()]);
    assert.match(pulled, /Digest: sha256:/);
    await e.dockerOk(['rmi', ref()]);
  });

  it('wharf login / pull / logout use the same config.json', async () => {
    const env = { DOCKER_CONFIG: join(files.dir, 'wharf-config') };
    await mkdir(env.DOCKER_CONFIG, { recursive: true });
    const bad = await e.wharf(['login', '-u', 'alice', '-p', 'nope', authReg.host], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Error response from daemon: login attempt to .* failed with status: 401 Unauthorized/);
    const ok = await e.wharf(['login', '-u', 'alice', '--password-stdin', authReg.host], { env, input: 's3cret\n' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'Login Succeeded\n');
    assert.match(ok.stderr, /WARNING! Your credentials are stored unencrypted/);
    await e.wharfOk(['pull', ref()], { env });
    assert.equal((await e.wharfOk(['logout', authReg.host], { env })).trim(), `Removing login credentials for ${authReg.host}`);
    const cfg = JSON.parse(await readFile(join(env.DOCKER_CONFIG, 'config.json'), 'utf8'));
    assert.deepEqual(cfg.auths, {});
  });
});

describe('a hostile registry', () => {
  const cases: [string, () => string, RegExp][] = [
    ['a layer with the wrong digest', () => `${hostile.addr}/bad/digest`, /filesystem layer verification failed for digest sha256:/],
    ['a truncated layer', () => `${hostile.addr}/bad/truncated`, /unexpected EOF/],
    ['a registry that dies mid-blob', () => `${dying.addr}/bad/dies`, /connect: connection refused/],
    ['a config whose diff ID is not the layer', () => `${hostile.addr}/bad/diffid`, /layers from manifest don't match image configuration/],
  ];
  for (const [what, name, message] of cases) {
    it(`${what}: a clear error and the store unchanged`, async () => {
      const before = await storeState();
      const r = await e.docker(['pull', name()]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, message);
      assert.deepEqual(await storeState(), before);
    });
  }

  it('a manifest that does not match the digest asked for', async () => {
    const res = await fetch(`http://${hostile.addr}/v2/bad/manifest/manifests/latest`);
    const digest = sha(Buffer.from(await res.arrayBuffer()));
    const r = await e.docker(['pull', `${hostile.addr}/bad/manifest@${digest}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`manifest verification failed for digest ${digest}`));
  });

  it('a client that goes away mid-pull leaves nothing behind', async () => {
    const before = await storeState();
    const pull = e.spawnDocker(['pull', `${hostile.addr}/bad/slow:latest`]);
    await waitFor(async () => (hostile.layerRequests.get('bad/slow') ?? 0) > 0, 20_000, 'the layer download to start');
    await sleep(300);
    await pull.stop();
    assert.deepEqual(await storeState(), before);
    assert.equal((await imageTable(e, ['-a'])).has(`${hostile.addr}/bad/slow:latest`), false);
  });
});
