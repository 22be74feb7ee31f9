// wharf push against a fake daemon: the request docker 28 sends (name, tag, X-Registry-Auth from
// config.json), its default-tag and --all-tags rules, -q, and the rendering of dockerd's progress
// stream: plain lines off a terminal, a redrawn line per layer with a bar on one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FakeDaemon, fakeDaemon, run } from '../testutil.ts';

const STREAM = [
  { status: 'The push refers to repository [127.0.0.1:5000/bb]' },
  { status: 'Preparing', progressDetail: {}, id: 'aaaaaaaaaaaa' },
  { status: 'Preparing', progressDetail: {}, id: 'bbbbbbbbbbbb' },
  { status: 'Waiting', progressDetail: {}, id: 'bbbbbbbbbbbb' },
  { status: 'Pushing', progressDetail: { current: 1_000_000, total: 4_000_000 }, progress: '[=>   ] 1MB/4MB', id: 'aaaaaaaaaaaa' },
  { status: 'Pushed', progressDetail: {}, id: 'aaaaaaaaaaaa' },
  { status: 'Layer already exists', progressDetail: {}, id: 'bbbbbbbbbbbb' },
  { status: `1: digest: sha256:${'c'.repeat(64)} size: 739` },
  { progressDetail: {}, aux: { Tag: '1', Digest: `sha256:${'c'.repeat(64)}`, Size: 739 } },
];

describe('wharf push', () => {
  let d: FakeDaemon;
  let configDir: string;
  before(async () => {
    d = await fakeDaemon({
      'POST /images/127.0.0.1:5000/bb/push': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(STREAM.map((m) => `${JSON.stringify(m)}\n`).join(''));
      },
      'POST /images/127.0.0.1:5000/nothing/push': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(`${JSON.stringify({ status: 'The push refers to repository [127.0.0.1:5000/nothing]' })}\n`);
        res.end(`${JSON.stringify({ errorDetail: { message: 'An image does not exist locally with the tag: 127.0.0.1:5000/nothing' }, error: 'An image does not exist locally with the tag: 127.0.0.1:5000/nothing' })}\n`);
      },
    });
    configDir = mkdtempSync(join(tmpdir(), 'wharf-push-cli-'));
    const auth = Buffer.from('alice:secret').toString('base64');
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ auths: { '127.0.0.1:5000': { auth } } }));
  });
  after(async () => {
    await d.close();
    rmSync(configDir, { recursive: true, force: true });
  });
  const env = () => ({ DOCKER_CONFIG: configDir });

  it('sends the tag and the credentials of the registry, and prints status lines off a terminal', async () => {
    const r = await run(d.host, ['push', '127.0.0.1:5000/bb:1'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'The push refers to repository [127.0.0.1:5000/bb]',
        'aaaaaaaaaaaa: Preparing',
        'bbbbbbbbbbbb: Preparing',
        'bbbbbbbbbbbb: Waiting',
        'aaaaaaaaaaaa: Pushed',
        'bbbbbbbbbbbb: Layer already exists',
        `1: digest: sha256:${'c'.repeat(64)} size: 739`,
        '',
      ].join('\n'),
    );
    const req = d.seen.at(-1)!;
    assert.equal(req.query.get('tag'), '1');
    const auth = JSON.parse(Buffer.from(String(req.headers['x-registry-auth']), 'base64url').toString()) as Record<string, string>;
    assert.equal(auth.username, 'alice');
    assert.equal(auth.password, 'secret');
  });

  it('redraws one line per layer with a bar on a terminal', async () => {
    const r = await run(d.host, ['push', '127.0.0.1:5000/bb:1'], { env: env(), stdoutTTY: true, stdoutSize: [40, 160] });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /aaaaaaaaaaaa: Pushing \[=+>\s+\]\s+1MB\/4MB/);
    assert.match(r.stdout, /\x1b\[2A/, 'moves up to the first layer line to redraw it');
  });

  it('adds the default tag, or sends none with --all-tags (which refuses a tag)', async () => {
    const r = await run(d.host, ['push', '127.0.0.1:5000/bb'], { env: env() });
    assert.match(r.stdout, /^Using default tag: latest\n/);
    assert.equal(d.seen.at(-1)!.query.get('tag'), 'latest');
    await run(d.host, ['push', '--all-tags', '127.0.0.1:5000/bb'], { env: env() });
    assert.equal(d.seen.at(-1)!.query.has('tag'), false);
    const bad = await run(d.host, ['push', '-a', '127.0.0.1:5000/bb:1'], { env: env() });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /tag can't be used with --all-tags\/-a/);
  });

  it('prints only the full reference with -q', async () => {
    const r = await run(d.host, ['push', '-q', '127.0.0.1:5000/bb:1'], { env: env() });
    assert.equal(r.stdout, '127.0.0.1:5000/bb:1\n');
  });

  it("ends with the daemon's error and status 1", async () => {
    const r = await run(d.host, ['push', '127.0.0.1:5000/nothing:latest'], { env: env() });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'The push refers to repository [127.0.0.1:5000/nothing]\n');
    assert.equal(r.stderr, 'An image does not exist locally with the tag: 127.0.0.1:5000/nothing\n');
  });
});
