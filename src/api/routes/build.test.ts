import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { BuildBackend, BuildOptions, BuildProgress, BuildPruneResult } from '../../build/types.ts';
import { invalidParameter } from '../../lib/errors.ts';
import { call, startTestServer, type TestServer } from '../testing.ts';
import { registerBuildRoutes, SECRETS_HEADER } from './build.ts';

/** A backend whose build runs `script` after reading the whole context. */
class FakeBuilder implements BuildBackend {
  calls: { context: Buffer; opts: BuildOptions }[] = [];
  pruned: { all: boolean; filters: Map<string, string[]> }[] = [];
  script: (out: BuildProgress, opts: BuildOptions) => Promise<string> = async () => `sha256:${'a'.repeat(64)}`;
  async build(context: Readable, opts: BuildOptions, out: BuildProgress): Promise<{ id: string }> {
    const chunks: Buffer[] = [];
    for await (const c of context) chunks.push(c as Buffer);
    this.calls.push({ context: Buffer.concat(chunks), opts });
    return { id: await this.script(out, opts) };
  }
  async prune(opts: { all: boolean; filters: Map<string, string[]> }): Promise<BuildPruneResult> {
    this.pruned.push(opts);
    return { CachesDeleted: ['abc', 'def'], SpaceReclaimed: 1234 };
  }
  cacheRecords() {
    return [];
  }
}

const ID = `sha256:${'a'.repeat(64)}`;
const lines = (body: string) =>
  body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('build routes', () => {
  let t: TestServer;
  const fake = new FakeBuilder();
  before(async () => {
    t = await startTestServer((routes) => registerBuildRoutes(routes, fake));
  });
  after(() => t.close());
  beforeEach(() => {
    fake.calls = [];
    fake.pruned = [];
    fake.script = async () => ID;
  });

  const post = (query: string, body: string | Buffer = 'ctx', headers: Record<string, string> = {}) =>
    call(t.socketPath, 'POST', `/v1.41/build${query}`, { body, headers: { 'Content-Type': 'application/x-tar', ...headers } });

  it('passes the context and the classic query parameters to the backend', async () => {
    const query = new URLSearchParams([
      ['t', 'app'],
      ['t', 'docker.io/library/app:latest'],
      ['t', 'localhost:5000/x/y:2'],
      ['dockerfile', 'sub/Dockerfile.dev'],
      ['buildargs', JSON.stringify({ A: '1', B: null })],
      ['labels', JSON.stringify({ l: 'v' })],
      ['nocache', '1'],
      ['pull', '1'],
      ['target', 'build'],
      ['networkmode', 'host'],
      ['extrahosts', 'a:1.2.3.4'],
      ['extrahosts', 'b:5.6.7.8'],
      ['shmsize', '1048576'],
      ['ulimits', JSON.stringify([{ Name: 'nofile', Soft: 1024, Hard: 2048 }])],
      ['cachefrom', JSON.stringify(['app:old'])],
      ['platform', 'linux/amd64'],
      ['version', '1'],
    ]);
    const secrets = Buffer.from(JSON.stringify({ tok: Buffer.from('s3cret').toString('base64') })).toString('base64');
    const res = await post(`?${query}`, Buffer.from('the context'), { 'X-Registry-Config': 'e30=', [SECRETS_HEADER]: secrets });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/json');
    const [c] = fake.calls;
    assert.ok(c);
    assert.equal(c.context.toString(), 'the context');
    const { signal, secrets: got, ...rest } = c.opts;
    assert.ok(signal instanceof AbortSignal);
    assert.deepEqual([...got], [['tok', Buffer.from('s3cret')]]);
    assert.deepEqual(rest, {
      dockerfile: 'sub/Dockerfile.dev',
      tags: ['docker.io/library/app:latest', 'localhost:5000/x/y:2'],
      buildArgs: { A: '1', B: null },
      labels: { l: 'v' },
      noCache: true,
      pull: true,
      remove: true,
      forceRemove: false,
      quiet: false,
      target: 'build',
      networkMode: 'host',
      extraHosts: ['a:1.2.3.4', 'b:5.6.7.8'],
      shmSize: 1048576,
      ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
      cacheFrom: ['app:old'],
      platform: 'linux/amd64',
      registryConfig: 'e30=',
    });
  });

  it('takes what the Go client sends for empty options (null JSON) as empty, and rm/forcerm as dockerd', async () => {
    assert.equal((await post('?buildargs=null&labels=null&ulimits=null&cachefrom=null&rm=0')).status, 200);
    const o = fake.calls[0]!.opts;
    assert.deepEqual([o.dockerfile, o.tags, o.buildArgs, o.labels, o.ulimits, o.cacheFrom, o.remove, o.forceRemove], [
      'Dockerfile',
      [],
      {},
      {},
      [],
      [],
      false,
      false,
    ]);
    await post('?rm=0&forcerm=1');
    assert.deepEqual([fake.calls[1]!.opts.remove, fake.calls[1]!.opts.forceRemove], [true, true]);
  });

  for (const [query, status, message] of [
    ['?t=Foo', 400, 'invalid reference format: repository name (library/Foo) must be lowercase'],
    ['?t=a:b:c', 400, 'invalid reference format'],
    [`?t=app@sha256:${'b'.repeat(64)}`, 400, 'build tag cannot contain a digest'],
    ['?buildargs={x', 400, /^error reading build args: /],
    ['?labels=["a"]', 400, /^error reading labels: /],
    ['?ulimits={"a":1}', 400, /^error reading ulimit settings: /],
    ['?cachefrom=1', 400, /^error reading cache-from: /],
    ['?shmsize=lots', 400, 'strconv.ParseInt: parsing "lots": invalid syntax'],
    ['?remote=https://example.com/ctx.tar', 400, /^remote build contexts are not supported/],
    ['?version=2', 400, /^BuildKit \(version=2\) is not supported/],
    ['?version=3', 400, 'invalid version "3"'],
    ['?squash=1', 400, 'squash is only supported with experimental mode'],
    ['?memory=1000000', 400, /^memory: resource limits for build containers are not supported/],
  ] as const) {
    it(`answers ${status} for ${query}`, async () => {
      const res = await post(query);
      assert.equal(res.status, status, res.body);
      const msg = (JSON.parse(res.body) as { message: string }).message;
      if (typeof message === 'string') assert.equal(msg, message);
      else assert.match(msg, message);
      assert.equal(fake.calls.length, 0);
    });
  }

  it('refuses a malformed secrets header', async () => {
    const res = await post('', 'x', { [SECRETS_HEADER]: Buffer.from('{"a":"%%"}').toString('base64') });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body).message, 'invalid X-Wharf-Build-Secrets header: the value of secret "a" is not a base64 string');
  });

  it('streams the output, then the aux ID when the backend did not send it', async () => {
    fake.script = async (out) => {
      out.stream('Step 1/1 : FROM scratch\n');
      out.stream(' ---> Running\n');
      return ID;
    };
    const res = await post('');
    assert.deepEqual(lines(res.body), [{ stream: 'Step 1/1 : FROM scratch\n' }, { stream: ' ---> Running\n' }, { aux: { ID } }]);
  });

  it('does not repeat the final aux the backend sent, and sends none to clients before 1.30', async () => {
    fake.script = async (out) => {
      out.aux({ ID: `sha256:${'c'.repeat(64)}` });
      out.aux({ ID });
      out.stream('Successfully built aaaaaaaaaaaa\n');
      return ID;
    };
    const res = await post('');
    assert.deepEqual(lines(res.body), [{ aux: { ID: `sha256:${'c'.repeat(64)}` } }, { aux: { ID } }, { stream: 'Successfully built aaaaaaaaaaaa\n' }]);
    const old = await call(t.socketPath, 'POST', '/v1.29/build', { body: 'x' });
    assert.deepEqual(lines(old.body), [{ stream: 'Successfully built aaaaaaaaaaaa\n' }]);
  });

  it('q: only the ID on success; the held-back output and the error on failure', async () => {
    fake.script = async (out) => {
      out.stream('Step 1/2 : RUN false\n');
      out.aux({ ID });
      return ID;
    };
    assert.deepEqual(lines((await post('?q=1')).body), [{ stream: `${ID}\n` }]);
    fake.script = async (out) => {
      out.stream('Step 1/2 : RUN false\n');
      throw invalidParameter("The command '/bin/sh -c false' returned a non-zero code: 1");
    };
    const res = await post('?q=1');
    assert.equal(res.status, 200);
    assert.deepEqual(lines(res.body), [
      { stream: 'Step 1/2 : RUN false\n' },
      {
        errorDetail: { message: "The command '/bin/sh -c false' returned a non-zero code: 1" },
        error: "The command '/bin/sh -c false' returned a non-zero code: 1",
      },
    ]);
  });

  it('reports a failure before any output as an HTTP error, after output in the stream', async () => {
    fake.script = async () => {
      throw invalidParameter('dockerfile parse error on line 1: unknown instruction: FORM');
    };
    const early = await post('');
    assert.equal(early.status, 400);
    assert.deepEqual(JSON.parse(early.body), { message: 'dockerfile parse error on line 1: unknown instruction: FORM' });
    fake.script = async (out) => {
      out.stream('Step 1/2 : FROM busybox\n');
      throw new Error('boom');
    };
    const late = await post('');
    assert.equal(late.status, 200);
    assert.deepEqual(lines(late.body).at(-1), { errorDetail: { message: 'boom' }, error: 'boom' });
    // A failed RUN's exit code travels in errorDetail.code, as dockerd's JSONError.
    fake.script = async (out) => {
      out.stream('Step 2/2 : RUN exit 3\n');
      throw Object.assign(invalidParameter("The command '/bin/sh -c exit 3' returned a non-zero code: 3"), { code: 3 });
    };
    const msg = "The command '/bin/sh -c exit 3' returned a non-zero code: 3";
    assert.deepEqual(lines((await post('')).body).at(-1), { errorDetail: { code: 3, message: msg }, error: msg });
  });

  it('aborts the build when the client goes away', async () => {
    let aborted: (reason: unknown) => void = () => {};
    const sawAbort = new Promise((resolve) => (aborted = resolve));
    fake.script = (out, opts) => {
      out.stream('Step 1/2 : RUN sleep 100\n');
      return new Promise((_, reject) =>
        opts.signal.addEventListener('abort', () => {
          aborted(opts.signal.reason);
          reject(opts.signal.reason);
        }),
      );
    };
    const req = request({ socketPath: t.socketPath, method: 'POST', path: '/v1.41/build', agent: false });
    req.on('error', () => {});
    req.on('response', (res) => res.once('data', () => req.destroy()));
    req.end('ctx');
    const reason = await sawAbort;
    assert.match(String(reason), /client went away/);
  });

  it('POST /build/prune passes all and filters, and answers the 1.39+ shape', async () => {
    const filters = encodeURIComponent(JSON.stringify({ until: ['24h'], inuse: ['true'] }));
    const res = await call(t.socketPath, 'POST', `/v1.41/build/prune?all=1&filters=${filters}`);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { CachesDeleted: ['abc', 'def'], SpaceReclaimed: 1234 });
    assert.deepEqual(fake.pruned[0], { all: true, filters: new Map([['until', ['24h']], ['inuse', ['true']]]) });
    const old = await call(t.socketPath, 'POST', '/v1.38/build/prune');
    assert.deepEqual(JSON.parse(old.body), { SpaceReclaimed: 1234 });
    assert.equal(fake.pruned[1]!.all, false);
  });

  it('POST /build/prune refuses unknown filters and size targets', async () => {
    const bad = await call(t.socketPath, 'POST', `/v1.41/build/prune?filters=${encodeURIComponent('{"dangling":["true"]}')}`);
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).message, "invalid filter 'dangling'");
    const keep = await call(t.socketPath, 'POST', '/v1.41/build/prune?keep-storage=1000');
    assert.equal(keep.status, 400);
    assert.equal(fake.pruned.length, 0);
  });
});
