// The archive routes on a recording backend: query parsing, the stat header's encoding, and
// the tar body passed through.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import type { ContainerPathStat } from '../../container/archive-stat.ts';
import { notFound } from '../../lib/errors.ts';
import { call, startTestServer, type TestServer } from '../testing.ts';
import { type ArchiveBackend, registerArchiveRoutes } from './container-archive.ts';

const STAT: ContainerPathStat = { name: 'etc', size: 4096, mode: 2 ** 31 + 0o755, mtime: '2024-01-02T03:04:05.5Z', linkTarget: '' };

describe('archive routes', () => {
  let t: TestServer;
  const puts: { ref: string; path: string; body: string; opts: object }[] = [];
  const backend: ArchiveBackend = {
    async archiveStat(ref, path) {
      if (path === '/missing') throw notFound(`Could not find the file ${path} in container ${ref}`);
      return STAT;
    },
    async archive() {
      return { stat: STAT, tar: Readable.from([Buffer.from('TAR')]) };
    },
    async extractArchive(ref, path, body, opts) {
      puts.push({ ref, path, body: (await buffer(body)).toString(), opts });
    },
  };
  before(async () => {
    t = await startTestServer((r) => registerArchiveRoutes(r, backend));
  });
  after(() => t.close());

  const decode = (h: string | string[] | undefined) => JSON.parse(Buffer.from(String(h), 'base64').toString());

  it('HEAD answers the stat as base64 JSON in X-Docker-Container-Path-Stat', async () => {
    const r = await call(t.socketPath, 'HEAD', '/v1.50/containers/c/archive?path=/etc');
    assert.equal(r.status, 200);
    assert.deepEqual(decode(r.headers['x-docker-container-path-stat']), STAT);
    assert.equal(r.body, '');
    assert.equal((await call(t.socketPath, 'HEAD', '/v1.50/containers/c/archive?path=/missing')).status, 404);
  });

  it('GET sends the header and the tar', async () => {
    const r = await call(t.socketPath, 'GET', '/v1.50/containers/c/archive?path=/etc');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/x-tar');
    assert.deepEqual(decode(r.headers['x-docker-container-path-stat']), STAT);
    assert.equal(r.body, 'TAR');
  });

  it('PUT passes the body and the flags', async () => {
    const r = await call(t.socketPath, 'PUT', '/v1.50/containers/c/archive?path=/tmp&noOverwriteDirNonDir=true&copyUIDGID=1', { body: 'DATA' });
    assert.equal(r.status, 200);
    assert.deepEqual(puts.at(-1), { ref: 'c', path: '/tmp', body: 'DATA', opts: { noOverwriteDirNonDir: true, copyUIDGID: true } });
  });

  it('refuses a missing path', async () => {
    const r = await call(t.socketPath, 'GET', '/v1.50/containers/c/archive');
    assert.equal(r.status, 400);
    assert.match(r.body, /bad parameter: path cannot be empty/);
  });
});
