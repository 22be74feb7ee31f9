import assert from 'node:assert/strict';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import { readTarEntries } from '../../lib/tar/entries.ts';
import { type FakeDaemon, fakeDaemon, run, type SeenRequest, sendJSON } from '../testutil.ts';
import { BuildRenderer } from './build-output.ts';

interface Member {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  linkname: string;
  body: string;
}

async function members(tar: Buffer): Promise<Map<string, Member>> {
  const out = new Map<string, Member>();
  for await (const e of readTarEntries([tar])) {
    const h = e.header;
    out.set(h.name, { type: h.type, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, linkname: h.linkname, body: (await e.read()).toString() });
  }
  return out;
}

const ID = `sha256:${'e'.repeat(64)}`;

function write(root: string, tree: Record<string, string>): void {
  for (const [name, content] of Object.entries(tree)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
}
const lines = (...msgs: object[]) => `${msgs.map((m) => JSON.stringify(m)).join('\n')}\n`;

describe('wharf build', () => {
  let d: FakeDaemon;
  let dir: string;
  let answer: (req: SeenRequest, res: ServerResponse) => void;
  before(async () => {
    d = await fakeDaemon({
      'POST /build': (req, res) => answer(req, res),
      'POST /build/prune': (_req, res) => sendJSON(res, 200, { CachesDeleted: ['k1', 'k2'], SpaceReclaimed: 2_000_000 }),
    });
  });
  after(() => d.close());
  beforeEach(() => {
    d.seen.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'wharf-build-test-'));
    answer = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(lines({ stream: 'Step 1/1 : FROM scratch\n' }, { aux: { ID } }, { stream: 'Successfully built eeeeeeeeeeee\n' }));
    };
  });
  const cleanup = () => rmSync(dir, { recursive: true, force: true });

  it('sends the directory as a tar: .dockerignore applied, Dockerfile and .dockerignore always sent, owners 0, links kept', async () => {
    const ctx = join(dir, 'ctx');
    mkdirSync(join(ctx, 'src/keep'), { recursive: true });
    mkdirSync(join(ctx, 'node_modules/x'), { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
    writeFileSync(join(ctx, '.dockerignore'), '# comment\nDockerfile\n.dockerignore\nnode_modules\nsrc/**/*.log\n!src/keep/important.log\n*.tmp\n');
    writeFileSync(join(ctx, 'src/a.txt'), 'a');
    writeFileSync(join(ctx, 'src/debug.log'), 'x');
    writeFileSync(join(ctx, 'src/keep/important.log'), 'kept');
    writeFileSync(join(ctx, 'src/keep/other.log'), 'x');
    writeFileSync(join(ctx, 'scratch.tmp'), 'x');
    writeFileSync(join(ctx, 'node_modules/x/index.js'), 'x');
    writeFileSync(join(ctx, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(ctx, 'run.sh'), 0o4755);
    symlinkSync('src/a.txt', join(ctx, 'link'));
    linkSync(join(ctx, 'src/a.txt'), join(ctx, 'src/hard.txt'));
    const r = await run(d.host, ['build', '-t', 'app', '-t', 'me/app:2', ctx]);
    assert.equal(r.code, 0, r.stderr);
    const req = d.seen[0]!;
    assert.deepEqual(req.query.getAll('t'), ['app', 'me/app:2']);
    assert.equal(req.query.get('dockerfile'), 'Dockerfile');
    assert.equal(req.query.get('version'), '1');
    assert.equal(req.headers['content-type'], 'application/x-tar');
    const m = await members(req.body);
    assert.deepEqual([...m.keys()], [
      '.dockerignore',
      'Dockerfile',
      'link',
      'run.sh',
      'src/',
      'src/a.txt',
      'src/hard.txt',
      'src/keep/',
      'src/keep/important.log',
    ]);
    assert.equal(m.get('Dockerfile')!.body, 'FROM scratch\nCOPY . /\n');
    assert.deepEqual(m.get('link'), { type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: 'src/a.txt', body: '' });
    assert.equal(m.get('run.sh')!.mode, 0o4755);
    assert.equal(m.get('src/hard.txt')!.type, 'hardlink');
    assert.equal(m.get('src/hard.txt')!.linkname, 'src/a.txt');
    for (const e of m.values()) assert.deepEqual([e.uid, e.gid], [0, 0]);
    assert.match(r.stdout, /^Sending build context to Wharf daemon {2}\d/m);
    cleanup();
  });

  it('an excluded directory is entered only for a "!" pattern under it (moby\'s walker)', async () => {
    write(dir, { Dockerfile: 'FROM scratch\n', '.dockerignore': 'build\n!build/keep.txt\nout\n', 'build/keep.txt': 'k', 'build/drop.txt': 'd', 'out/x': 'x' });
    const r = await run(d.host, ['build', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...(await members(d.seen[0]!.body)).keys()], ['.dockerignore', 'Dockerfile', 'build/keep.txt']);
    cleanup();
  });

  it('-f outside the context: added under a random name that .dockerignore then lists', async () => {
    const ctx = join(dir, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'f.txt'), 'f');
    writeFileSync(join(ctx, '.dockerignore'), '*.md');
    writeFileSync(join(dir, 'Other.dockerfile'), 'FROM scratch\n');
    const r = await run(d.host, ['build', '-f', join(dir, 'Other.dockerfile'), ctx]);
    assert.equal(r.code, 0, r.stderr);
    const name = d.seen[0]!.query.get("dockerfile")!;
    assert.match(name, /^\.dockerfile\.[0-9a-f]{20}$/);
    const m = await members(d.seen[0]!.body);
    assert.equal(m.get(name)!.body, 'FROM scratch\n');
    assert.equal(m.get('.dockerignore')!.body, `*.md\n${name}\n`);
    assert.ok(m.has('f.txt'));
    cleanup();
  });

  it('-f inside the context is sent as its path in the context', async () => {
    mkdirSync(join(dir, 'docker'));
    writeFileSync(join(dir, 'docker/Dockerfile.dev'), 'FROM scratch\n');
    const r = await run(d.host, ['build', '-f', join(dir, 'docker/Dockerfile.dev'), dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(d.seen[0]!.query.get('dockerfile'), 'docker/Dockerfile.dev');
    cleanup();
  });

  it('context from stdin: a bare Dockerfile is put in a tar; a tar is sent as is; --compress gzips', async () => {
    const r = await run(d.host, ['build', '-'], { stdin: 'FROM scratch\nLABEL a=b\n' });
    assert.equal(r.code, 0, r.stderr);
    const m = await members(d.seen[0]!.body);
    assert.deepEqual([...m.keys()], ['Dockerfile']);
    assert.equal(m.get('Dockerfile')!.body, 'FROM scratch\nLABEL a=b\n');
    const r2 = await run(d.host, ['build', '-'], { stdin: d.seen[0]!.body });
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(d.seen[1]!.body, d.seen[0]!.body);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    assert.equal((await run(d.host, ['build', '--compress', dir])).code, 0);
    assert.ok((await members(gunzipSync(d.seen[2]!.body))).has('Dockerfile'));
    cleanup();
  });

  it('sends build args (a bare name from the environment, else null), labels, options and secrets', async () => {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(dir, 'tok'), 'file-secret');
    write(dir, { 'dockercfg/config.json': JSON.stringify({ auths: { '127.0.0.1:5000': { auth: Buffer.from('alice:s3cret').toString('base64') } } }) });
    const r = await run(
      d.host,
      [
        'build',
        ...['--build-arg', 'A=1', '--build-arg', 'FROM_ENV', '--build-arg', 'UNSET'],
        ...['--label', 'x=y', '--label', 'flag', '--target', 'base', '--no-cache', '--pull', '--rm=false', '--force-rm'],
        ...['--network', 'host', '--add-host', 'h:10.0.0.1', '--shm-size', '1m', '--ulimit', 'nofile=10:20'],
        ...['--cache-from', 'a,b', '--platform', 'Linux/AMD64', '--secret', `id=tok,src=${join(dir, 'tok')}`, '--secret', 'id=pw,env=PW'],
        dir,
      ],
      { env: { FROM_ENV: 'env-value', PW: 'env-secret', DOCKER_CONFIG: join(dir, 'dockercfg') } },
    );
    assert.equal(r.code, 0, r.stderr);
    const q = d.seen[0]!.query;
    assert.deepEqual(JSON.parse(q.get('buildargs')!), { A: '1', FROM_ENV: 'env-value', UNSET: null });
    assert.deepEqual(JSON.parse(q.get('labels')!), { x: 'y', flag: '' });
    assert.deepEqual(
      ['target', 'nocache', 'pull', 'rm', 'forcerm', 'networkmode', 'shmsize', 'platform'].map((k) => q.get(k)),
      ['base', '1', '1', '0', '1', 'host', '1048576', 'linux/amd64'],
    );
    assert.deepEqual(q.getAll('extrahosts'), ['h:10.0.0.1']);
    assert.deepEqual(JSON.parse(q.get('ulimits')!), [{ Name: 'nofile', Hard: 20, Soft: 10 }]);
    assert.deepEqual(JSON.parse(q.get('cachefrom')!), ['a', 'b']);
    // The config file's credentials go in X-Registry-Config, as the docker CLI sends them.
    const creds = JSON.parse(Buffer.from(String(d.seen[0]!.headers['x-registry-config']), 'base64').toString());
    assert.deepEqual(creds, { '127.0.0.1:5000': { serveraddress: '127.0.0.1:5000', username: 'alice', password: 's3cret' } });
    const secrets = JSON.parse(Buffer.from(String(d.seen[0]!.headers['x-wharf-build-secrets']), 'base64').toString());
    assert.deepEqual(
      Object.fromEntries(Object.entries(secrets as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])),
      { tok: 'file-secret', pw: 'env-secret' },
    );
    cleanup();
  });

  it('refuses a bad tag before sending anything', async () => {
    const r = await run(d.host, ['build', '-t', 'Bad', dir]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /invalid argument "Bad" for "-t, --tag" flag: invalid reference format: repository name \(library\/Bad\) must be lowercase/);
    assert.equal(d.seen.length, 0);
    cleanup();
  });

  it('-q prints only the ID, --iidfile gets it', async () => {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    answer = (req, res) => {
      assert.equal(req.query.get('q'), '1');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(lines({ stream: `${ID}\n` }));
    };
    const iid = join(dir, 'iid');
    const r = await run(d.host, ['build', '-q', '--iidfile', iid, dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${ID}\n`);
    assert.equal(readFileSync(iid, 'utf8'), ID);
    cleanup();
  });

  it('a failed build exits 1 with the daemon\'s message; -q shows the held-back output on stderr', async () => {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    const msg = "The command '/bin/sh -c exit 3' returned a non-zero code: 3";
    answer = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(lines({ stream: 'Step 1/2 : RUN exit 3\n' }, { stream: ' ---> Running in 0123456789ab\n' }, { errorDetail: { message: msg }, error: msg }));
    };
    const iid = join(dir, 'iid');
    writeFileSync(iid, 'stale');
    const r = await run(d.host, ['build', '--iidfile', iid, dir]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `${msg}\n`);
    assert.match(r.stdout, /^\[1\/2\] RUN exit 3 {2}ERROR$/m);
    assert.throws(() => readFileSync(iid), /ENOENT/);
    const q = await run(d.host, ['build', '-q', dir]);
    assert.equal(q.code, 1);
    assert.equal(q.stdout, '');
    assert.match(q.stderr, /Step 1\/2 : RUN exit 3\n[\s\S]*returned a non-zero code: 3\n$/);
    cleanup();
  });

  it('builder prune asks, then reports what went', async () => {
    const no = await run(d.host, ['builder', 'prune'], { stdin: 'n\n' });
    assert.equal(no.code, 0);
    assert.equal(d.seen.length, 0);
    const r = await run(d.host, ['builder', 'prune', '-af', '--filter', 'until=24h']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Deleted build cache objects:\nk1\nk2\n\nTotal reclaimed space: 2MB\n');
    assert.equal(d.seen[0]!.query.get('all'), '1');
    assert.deepEqual(JSON.parse(d.seen[0]!.query.get('filters')!), { until: { '24h': true } });
    cleanup();
  });
});

describe('build output', () => {
  const script = [
    'Step 1/3 : FROM busybox\n',
    ' ---> 0123456789ab\n',
    'Step 2/3 : RUN echo hi\n',
    ' ---> Running in 0123456789ab\n',
    'hi\n',
    ' ---> Removed intermediate container 0123456789ab\n',
    ' ---> 123456789abc\n',
    'Step 3/3 : CMD ["sh"]\n',
    ' ---> Using cache\n',
    ' ---> 23456789abcd\n',
    'Successfully built 23456789abcd\n',
    'Successfully tagged app:latest\n',
  ];
  const render = (terminal: boolean) => {
    let text = '';
    let t = 0;
    const r = new BuildRenderer({ write: (s) => (text += s) }, { terminal, columns: 80, now: () => (t += 250) });
    for (const s of script) r.message({ stream: s });
    r.message({ aux: { ID } });
    r.end();
    return { text, id: r.imageId };
  };

  it('prints steps as they come, then a summary line with the time or CACHED', () => {
    const { text, id } = render(false);
    assert.equal(id, ID);
    assert.equal(
      text,
      [
        'Step 1/3 : FROM busybox',
        '[1/3] FROM busybox  0.3s',
        'Step 2/3 : RUN echo hi',
        'hi',
        '[2/3] RUN echo hi  0.3s',
        'Step 3/3 : CMD ["sh"]',
        '[3/3] CMD ["sh"]  CACHED',
        'Successfully built 23456789abcd',
        'Successfully tagged app:latest',
        '',
      ].join('\n'),
    );
  });

  it('a terminal of unknown width (0 columns) counts as 80 wide', () => {
    let text = '';
    const r = new BuildRenderer({ write: (s) => (text += s) }, { terminal: true, columns: 0, now: () => 0 });
    r.message({ stream: 'Step 1/1 : FROM busybox\n' });
    r.end();
    assert.equal(text, 'Step 1/1 : FROM busybox\n\x1b[1A\x1b[2K[1/1] FROM busybox  0.0s\n');
  });

  it('on a terminal, replaces the header of a step that printed nothing', () => {
    const { text } = render(true);
    assert.match(text, /Step 1\/3 : FROM busybox\n\x1b\[1A\x1b\[2K\[1\/3\] FROM busybox {2}0\.3s\n/);
    assert.match(text, /Step 2\/3 : RUN echo hi\nhi\n\[2\/3\] RUN echo hi {2}0\.3s\n/);
  });
});
