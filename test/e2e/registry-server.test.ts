// Wharf's own registry server (`wharf registry serve`, no wharfd) against independent clients and
// peers: skopeo copies the busybox fixture in with htpasswd credentials and back out byte for
// byte; bad credentials are refused; skopeo copies between Debian's docker-registry and ours in
// both directions keeping digests; token auth over TLS goes through our /token endpoint;
// `skopeo delete` then `wharf registry gc` frees the blobs; and a 50 MB layer is timed both ways
// next to docker-registry.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { busyboxImageArchive } from '../fixtures/index.ts';
import { REPO, runCommand, WHARF } from './harness.ts';
import { scratch } from './util.ts';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const USER = 'tester';
const PASS = 's3cret-pass';

interface Served {
  host: string;
  url: string;
  root: string;
  log(): string;
  stop(): Promise<void>;
}

/** Starts `wharf registry serve` on a free port; the URL is read from its first line. */
async function serve(root: string, extra: string[]): Promise<Served> {
  const proc: ChildProcess = spawn(WHARF, ['registry', 'serve', '--addr', '127.0.0.1:0', '--root', root, ...extra], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const err: Buffer[] = [];
  proc.stderr!.on('data', (b: Buffer) => err.push(b));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`registry did not start: ${out}${Buffer.concat(err)}`)), 20_000);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = out.match(/listening on (https?:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => reject(new Error(`registry exited ${code}: ${out}${Buffer.concat(err)}`)));
  });
  return {
    host: url.replace(/^https?:\/\//, ''),
    url,
    root,
    log: () => Buffer.concat(err).toString(),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

interface Peer {
  host: string;
  stop(): Promise<void>;
}

/** Debian's docker-registry (distribution 2.8) on a free loopback port, filesystem storage in `dir`. */
async function startPeer(dir: string): Promise<Peer> {
  await mkdir(dir, { recursive: true });
  const port = await new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`, '  delete:', '    enabled: true', 'http:', `  addr: ${host}`, ''].join('\n'),
  );
  const proc = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  const err: Buffer[] = [];
  proc.stderr.on('data', (b: Buffer) => err.push(b));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.status === 200, () => false);
    if (ok) return { host, stop };
    if (proc.exitCode !== null || i > 200) {
      await stop();
      throw new Error(`docker-registry did not start: ${Buffer.concat(err)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function skopeo(args: string[], timeoutMs = 120_000) {
  return runCommand('skopeo', args, process.env, { timeoutMs });
}

async function skopeoOk(args: string[], timeoutMs = 120_000): Promise<string> {
  const r = await skopeo(args, timeoutMs);
  assert.equal(r.code, 0, `skopeo ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

/** The manifest's digest as a registry serves it (skopeo inspect --raw gives the exact bytes). */
async function manifestDigest(ref: string, flags: string[]): Promise<string> {
  return sha(await skopeoOk(['inspect', '--raw', ...flags, ref]));
}

let files: { dir: string; remove: () => Promise<void> };
let ours: Served;
let peer: Peer;
let busybox: string;
const creds = ['--creds', `${USER}:${PASS}`, '--tls-verify=false'];

before(async () => {
  files = await scratch('registry-server');
  busybox = await busyboxImageArchive();
  const htpasswd = join(files.dir, 'htpasswd');
  const r = await runCommand(WHARF, ['registry', 'htpasswd', '--password-stdin', htpasswd, USER], process.env, { input: `${PASS}\n` });
  assert.equal(r.code, 0, r.stderr);
  [ours, peer] = await Promise.all([serve(join(files.dir, 'root'), ['--htpasswd', htpasswd]), startPeer(join(files.dir, 'peer'))]);
});

after(async () => {
  await Promise.all([ours?.stop(), peer?.stop()]);
  await files?.remove();
});

describe('wharf registry serve', () => {
  let pushed: string;

  it('skopeo copies an image in with htpasswd credentials and back out unchanged', async () => {
    await skopeoOk(['copy', '--dest-tls-verify=false', '--dest-creds', `${USER}:${PASS}`, `docker-archive:${busybox}`, `docker://${ours.host}/test/busybox:latest`]);
    pushed = await manifestDigest(`docker://${ours.host}/test/busybox:latest`, creds);
    const tags = JSON.parse(await skopeoOk(['list-tags', ...creds, `docker://${ours.host}/test/busybox`]));
    assert.deepEqual(tags.Tags, ['latest']);

    const out = join(files.dir, 'pulled');
    await skopeoOk(['copy', '--src-tls-verify=false', '--src-creds', `${USER}:${PASS}`, `docker://${ours.host}/test/busybox:latest`, `dir:${out}`]);
    const manifest = await readFile(join(out, 'manifest.json'));
    assert.equal(sha(manifest), pushed, 'the manifest comes back byte for byte');
    const m = JSON.parse(manifest.toString()) as { config: { digest: string }; layers: Array<{ digest: string; size: number }> };
    for (const d of [m.config.digest, ...m.layers.map((l) => l.digest)]) {
      assert.equal(sha(await readFile(join(out, d.slice(7)))), d, `blob ${d} verifies`);
    }
  });

  it('refuses bad credentials and anonymous access', async () => {
    let r = await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', `${USER}:wrong`, `docker://${ours.host}/test/busybox:latest`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unauthorized|authentication required/i);
    r = await skopeo(['copy', '--dest-tls-verify=false', `docker-archive:${busybox}`, `docker://${ours.host}/test/anon:latest`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unauthorized|authentication required/i);
  });

  it("skopeo copies between Debian's docker-registry and ours both ways, keeping the digest", async () => {
    const peerFlags = ['--tls-verify=false'];
    await skopeoOk(['copy', '--dest-tls-verify=false', `docker-archive:${busybox}`, `docker://${peer.host}/interop/busybox:v1`]);
    const original = await manifestDigest(`docker://${peer.host}/interop/busybox:v1`, peerFlags);
    await skopeoOk([
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${USER}:${PASS}`,
      `docker://${peer.host}/interop/busybox:v1`,
      `docker://${ours.host}/interop/busybox:v1`,
    ]);
    assert.equal(await manifestDigest(`docker://${ours.host}/interop/busybox:v1`, creds), original);
    await skopeoOk([
      'copy',
      '--src-tls-verify=false',
      '--src-creds',
      `${USER}:${PASS}`,
      '--dest-tls-verify=false',
      `docker://${ours.host}/interop/busybox:v1`,
      `docker://${peer.host}/back/busybox:v2`,
    ]);
    assert.equal(await manifestDigest(`docker://${peer.host}/back/busybox:v2`, peerFlags), original);
  });

  it('skopeo delete removes the manifest; wharf registry gc then frees its blobs', async () => {
    await skopeoOk(['copy', '--dest-tls-verify=false', '--dest-creds', `${USER}:${PASS}`, `docker-archive:${busybox}`, `docker://${ours.host}/gc/only:x`]);
    // The same image is still referenced from test/busybox and interop/busybox: delete those too.
    for (const ref of ['gc/only:x', 'test/busybox:latest', 'interop/busybox:v1']) {
      await skopeoOk(['delete', ...creds, `docker://${ours.host}/${ref}`]);
    }
    const r = await skopeo(['inspect', '--raw', ...creds, `docker://${ours.host}/gc/only:x`]);
    assert.notEqual(r.code, 0);
    const blobs = async () => (await readdir(join(ours.root, 'blobs', 'sha256'), { recursive: true })).filter((n) => /[0-9a-f]{64}$/.test(n));
    assert.ok((await blobs()).length >= 3);
    const dry = await runCommand(WHARF, ['registry', 'gc', '--root', ours.root, '--dry-run', '--min-age', '0s'], process.env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would be deleted/);
    const before = await blobs();
    assert.ok(before.length >= 3);
    const gc = await runCommand(WHARF, ['registry', 'gc', '--root', ours.root, '--min-age', '0s'], process.env);
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(gc.stdout, /\d+ blobs deleted/);
    assert.deepEqual(await blobs(), [], `gc output:\n${gc.stdout}`);
  });

  it('token auth over TLS: skopeo gets a token from our /token endpoint', async () => {
    const cert = join(files.dir, 'cert.pem');
    const key = join(files.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const secure = await serve(join(files.dir, 'root-tls'), [
      '--htpasswd',
      join(files.dir, 'htpasswd'),
      '--token-issuer',
      'wharf-e2e',
      '--tls-cert',
      cert,
      '--tls-key',
      key,
    ]);
    try {
      assert.match(secure.url, /^https:/);
      await skopeoOk(['copy', '--dest-tls-verify=false', '--dest-creds', `${USER}:${PASS}`, `docker-archive:${busybox}`, `docker://${secure.host}/tok/busybox:1`]);
      const d = await manifestDigest(`docker://${secure.host}/tok/busybox:1`, creds);
      assert.match(d, /^sha256:/);
      assert.match(secure.log(), /GET \/token\?.*scope=repository%3Atok%2Fbusybox%3Apu(ll|sh)/);
      const r = await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', `${USER}:nope`, `docker://${secure.host}/tok/busybox:1`]);
      assert.notEqual(r.code, 0);
    } finally {
      await secure.stop();
    }
  });

  it('moves a 50 MB layer through skopeo both ways (timed next to docker-registry)', async (t) => {
    const layout = join(files.dir, 'big-oci');
    await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
    const raw = randomBytes(50 << 20);
    // Stored (level 0) gzip: a real gzip stream, so skopeo sends it as is instead of compressing.
    const layer = gzipSync(raw, { level: 0 });
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(raw)] }, config: {} }));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
      }),
    );
    for (const b of [layer, config, manifest]) await writeFile(join(layout, 'blobs', 'sha256', sha(b).slice(7)), b);
    await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'big' } }],
      }),
    );
    const mb = layer.length / (1 << 20);
    const timed = async (args: string[]) => {
      const t0 = process.hrtime.bigint();
      await skopeoOk(args, 180_000);
      return Number(process.hrtime.bigint() - t0) / 1e9;
    };
    const figures: string[] = [];
    for (const [label, host, auth] of [
      ['wharf', ours.host, ['--dest-creds', `${USER}:${PASS}`]],
      ['docker-registry', peer.host, []],
    ] as const) {
      const push = await timed(['copy', '--dest-tls-verify=false', ...auth, `oci:${layout}:big`, `docker://${host}/perf/big:1`]);
      const out = join(files.dir, `big-pulled-${label}`);
      const srcAuth = auth.length ? ['--src-creds', `${USER}:${PASS}`] : [];
      const pull = await timed(['copy', '--src-tls-verify=false', ...srcAuth, `docker://${host}/perf/big:1`, `dir:${out}`]);
      assert.equal(sha(await readFile(join(out, sha(layer).slice(7)))), sha(layer));
      figures.push(`${label}: push ${push.toFixed(2)} s (${(mb / push).toFixed(0)} MB/s), pull ${pull.toFixed(2)} s (${(mb / pull).toFixed(0)} MB/s)`);
    }
    for (const f of figures) t.diagnostic(`${mb.toFixed(0)} MB layer through skopeo, ${f}`);
  });
});
