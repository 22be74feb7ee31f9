import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullString, parseNormalizedNamed } from '../image/reference.ts';
import type { WharfError } from '../lib/errors.ts';
import { RegistryError } from './client/index.ts';
import { pullReference, translatePullError } from './pull.ts';

const D = `sha256:${'a'.repeat(64)}`;

describe('pullReference (POST /images/create?fromImage=&tag=)', () => {
  it('reads the tag query as a tag or a digest, and a bare name as every tag', () => {
    assert.equal(fullString(pullReference('busybox', 'latest')), 'docker.io/library/busybox:latest');
    assert.equal(fullString(pullReference('busybox:1', '')), 'docker.io/library/busybox:1');
    assert.equal(fullString(pullReference('busybox', null)), 'docker.io/library/busybox');
    assert.equal(fullString(pullReference('busybox:', null)), 'docker.io/library/busybox');
    assert.equal(fullString(pullReference('127.0.0.1:5000/a/b', D)), `127.0.0.1:5000/a/b@${D}`);
    assert.throws(() => pullReference('busybox', 'sha256:abcd'), /invalid tag format/);
    assert.throws(() => pullReference('Busy', 'latest'), /must be lowercase/);
  });
});

describe('translatePullError', () => {
  const ref = parseNormalizedNamed('127.0.0.1:5000/team/app:v1');
  const err = (code: string, status: number, message: string) =>
    new RegistryError(status === 404 ? 'NotFound' : status === 401 ? 'Unauthorized' : 'Forbidden', message, status, [{ code, message: '' }]);

  it('words missing and forbidden repositories as dockerd does', () => {
    const m = translatePullError(err('MANIFEST_UNKNOWN', 404, 'manifest unknown: manifest unknown'), ref) as WharfError;
    assert.equal(m.message, 'manifest for 127.0.0.1:5000/team/app:v1 not found: manifest unknown: manifest unknown');
    assert.equal(m.kind, 'NotFound');
    const n = translatePullError(err('NAME_UNKNOWN', 404, 'name unknown: repository name not known to registry'), ref) as WharfError;
    assert.equal(n.message, 'repository 127.0.0.1:5000/team/app not found: name unknown: repository name not known to registry');
    const hub = parseNormalizedNamed('nosuchimage');
    const d = translatePullError(err('DENIED', 403, 'denied: requested access to the resource is denied'), hub) as WharfError;
    assert.equal(d.message, "pull access denied for nosuchimage, repository does not exist or may require 'docker login': denied: requested access to the resource is denied");
    assert.equal(d.kind, 'NotFound');
  });

  it('makes other refusals 500s (the docker CLI would prompt for a login on a 401)', () => {
    const u = translatePullError(err('UNAUTHORIZED', 401, 'unauthorized: authentication required'), ref) as WharfError;
    assert.equal(u.kind, 'System');
    const other = new Error('boom');
    assert.equal(translatePullError(other, ref), other);
  });
});
