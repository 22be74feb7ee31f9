// htpasswd, tokens and scopes as units; then Basic auth, bearer-token auth and TLS over HTTP.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { digestOf, errorCode, makeImage, pushBlob, pushImage, startRegistry, type TestRegistry } from '../testutil.ts';
import { grant } from './endpoint.ts';
import { Htpasswd, parseHtpasswd, setHtpasswdUser } from './htpasswd.ts';
import { allows, parseScope, TokenIssuer } from './token.ts';

let dir: string;
let htpasswd: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wharf-registry-auth-'));
  htpasswd = join(dir, 'htpasswd');
  await setHtpasswdUser(htpasswd, 'alice', 'wonderland', 4);
  await setHtpasswdUser(htpasswd, 'bob', 'builder', 4);
});
after(() => rm(dir, { recursive: true, force: true }));

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

describe('htpasswd', () => {
  it('reads bcrypt entries only and verifies passwords', async () => {
    const text = await readFile(htpasswd, 'utf8');
    const users = parseHtpasswd(`${text}# comment\nmd5user:$apr1$abc$def\n`);
    assert.deepEqual([...users.keys()], ['alice', 'bob']);
    const h = new Htpasswd(htpasswd);
    assert.equal(await h.verify('alice', 'wonderland'), true);
    assert.equal(await h.verify('alice', 'wonderland'), true); // from the cache
    assert.equal(await h.verify('alice', 'wrong'), false);
    assert.equal(await h.verify('mallory', 'wonderland'), false);
    assert.equal(await h.verify('bob', 'builder'), true);
  });

  it('accepts $2y$ hashes (htpasswd -B) and sees a changed file', async () => {
    const path = join(dir, 'h2');
    await setHtpasswdUser(path, 'carol', 'one', 4);
    await writeFile(path, (await readFile(path, 'utf8')).replace('$2b$', '$2y$'));
    const h = new Htpasswd(path);
    assert.equal(await h.verify('carol', 'one'), true);
    await new Promise((r) => setTimeout(r, 1100));
    await setHtpasswdUser(path, 'carol', 'two', 4);
    assert.equal(await h.verify('carol', 'one'), false);
    assert.equal(await h.verify('carol', 'two'), true);
  });
});

describe('tokens and scopes', () => {
  const issuer = new TokenIssuer({ issuer: 'wharf', service: 'reg', secret: Buffer.alloc(32, 7) });

  it('parses scopes and grants only known actions on valid names', () => {
    assert.deepEqual(parseScope('repository:a/b:pull,push'), { type: 'repository', name: 'a/b', actions: ['pull', 'push'] });
    assert.deepEqual(parseScope('repository(plugin):p:pull'), { type: 'repository', name: 'p', actions: ['pull'] });
    assert.equal(parseScope('nonsense'), undefined);
    assert.deepEqual(grant(['repository:a:pull,fly', 'repository:Bad:pull', 'registry:catalog:*', 'repository:b:']), [
      { type: 'repository', name: 'a', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
  });

  it('issues tokens that verify, and refuses tampered, foreign and expired ones', () => {
    const t = issuer.issue('alice', [{ type: 'repository', name: 'a', actions: ['pull'] }]);
    assert.equal(t.token, t.access_token);
    assert.equal(t.expires_in, 300);
    const claims = issuer.verify(t.token);
    assert.ok(typeof claims !== 'string');
    assert.equal(claims.sub, 'alice');
    assert.ok(allows(claims.access, 'repository', 'a', 'pull'));
    assert.ok(!allows(claims.access, 'repository', 'a', 'push'));
    const [h, c, s] = t.token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...claims, access: [{ type: 'repository', name: 'a', actions: ['*'] }] })).toString('base64url');
    assert.equal(issuer.verify(`${h}.${forged}.${s}`), 'invalid token signature');
    const other = new TokenIssuer({ issuer: 'wharf', service: 'reg', secret: Buffer.alloc(32, 8) });
    assert.equal(other.verify(t.token), 'invalid token signature');
    const elsewhere = new TokenIssuer({ issuer: 'wharf', service: 'other', secret: Buffer.alloc(32, 7) });
    assert.equal(elsewhere.verify(t.token), 'token audience does not match');
    assert.equal(issuer.verify(t.token, Date.now() + 301_000), 'token expired');
    assert.equal(issuer.verify(`${h}.${c}`), 'malformed token');
  });
});

describe('Basic auth over HTTP', () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry({ htpasswd, realm: 'Test Realm' });
  });
  after(() => reg.close());

  it('challenges without credentials and with wrong ones, lets users in', async () => {
    let r = await fetch(`${reg.url}/v2/`);
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Basic realm="Test Realm"');
    assert.equal(r.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.equal(await errorCode(r), 'UNAUTHORIZED');
    r = await fetch(`${reg.url}/v2/`, { headers: { Authorization: basic('alice', 'nope') } });
    assert.equal(r.status, 401);
    r = await fetch(`${reg.url}/v2/`, { headers: { Authorization: basic('alice', 'wonderland') } });
    assert.equal(r.status, 200);
    const auth = { Authorization: basic('bob', 'builder') };
    assert.equal((await pushImage(reg.url, 'b/app', makeImage('basic'), 'latest', auth)).status, 201);
    assert.equal((await fetch(`${reg.url}/v2/b/app/manifests/latest`)).status, 401);
    assert.equal((await fetch(`${reg.url}/v2/b/app/manifests/latest`, { headers: auth })).status, 200);
  });
});

describe('token auth over HTTP', () => {
  let reg: TestRegistry;
  let host: string;
  before(async () => {
    reg = await startRegistry({ htpasswd, token: { issuer: 'wharf-test', service: 'wharf-registry' } });
    host = reg.url.replace('http://', '');
  });
  after(() => reg.close());

  async function token(scope: string[], auth = basic('alice', 'wonderland')): Promise<string> {
    const q = new URLSearchParams({ service: 'wharf-registry' });
    for (const s of scope) q.append('scope', s);
    const r = await fetch(`${reg.url}/token?${q}`, { headers: { Authorization: auth } });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
    assert.equal(body.token, body.access_token);
    assert.ok(body.expires_in > 0 && !Number.isNaN(Date.parse(body.issued_at)));
    return body.token;
  }

  it('challenges with the realm, service and the scope the request needs', async () => {
    let r = await fetch(`${reg.url}/v2/`);
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), `Bearer realm="http://${host}/token",service="wharf-registry"`);
    r = await fetch(`${reg.url}/v2/t/app/manifests/latest`);
    assert.equal(
      r.headers.get('www-authenticate'),
      `Bearer realm="http://${host}/token",service="wharf-registry",scope="repository:t/app:pull"`,
    );
    r = await fetch(`${reg.url}/v2/t/app/blobs/uploads/`, { method: 'POST' });
    assert.match(r.headers.get('www-authenticate')!, /scope="repository:t\/app:pull,push"$/);
  });

  it('the token endpoint wants valid credentials', async () => {
    let r = await fetch(`${reg.url}/token?service=wharf-registry&scope=repository:t/app:pull`);
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate')!, /^Basic realm=/);
    r = await fetch(`${reg.url}/token?service=wharf-registry`, { headers: { Authorization: basic('alice', 'bad') } });
    assert.equal(r.status, 401);
  });

  it('enforces scope: pull tokens pull, push needs push, a bad token is refused', async () => {
    const push = `Bearer ${await token(['repository:t/app:pull,push'])}`;
    const img = makeImage('token');
    assert.equal((await pushImage(reg.url, 't/app', img, 'latest', { Authorization: push })).status, 201);

    const pull = `Bearer ${await token(['repository:t/app:pull'])}`;
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: { Authorization: pull } })).status, 200);
    assert.equal((await fetch(`${reg.url}/v2/t/app/manifests/latest`, { headers: { Authorization: pull } })).status, 200);
    const denied = await fetch(`${reg.url}/v2/t/app/blobs/uploads/`, { method: 'POST', headers: { Authorization: pull } });
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('www-authenticate')!, /error="insufficient_scope"/);
    const otherRepo = await fetch(`${reg.url}/v2/t/other/manifests/latest`, { headers: { Authorization: pull } });
    assert.equal(otherRepo.status, 401);
    const bad = await fetch(`${reg.url}/v2/t/app/manifests/latest`, { headers: { Authorization: `${pull}x` } });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate')!, /error="invalid_token"/);
    const del = await fetch(`${reg.url}/v2/t/app/manifests/latest`, { method: 'DELETE', headers: { Authorization: push } });
    assert.equal(del.status, 401, 'delete needs the delete action');
    const delTok = `Bearer ${await token(['repository:t/app:delete'])}`;
    assert.equal((await fetch(`${reg.url}/v2/t/app/manifests/latest`, { method: 'DELETE', headers: { Authorization: delTok } })).status, 202);
    const cat = `Bearer ${await token(['registry:catalog:*'])}`;
    assert.equal((await fetch(`${reg.url}/v2/_catalog`, { headers: { Authorization: cat } })).status, 200);
    assert.equal((await fetch(`${reg.url}/v2/_catalog`, { headers: { Authorization: pull } })).status, 401);
  });

  it('mounts only from a repository the token may pull', async () => {
    const src = `Bearer ${await token(['repository:t/src:pull,push'])}`;
    const d = await pushBlob(reg.url, 't/src', 'secret layer', { Authorization: src });
    const dstOnly = `Bearer ${await token(['repository:t/dst:pull,push'])}`;
    let r = await fetch(`${reg.url}/v2/t/dst/blobs/uploads/?mount=${d}&from=t/src`, { method: 'POST', headers: { Authorization: dstOnly } });
    assert.equal(r.status, 202);
    const both = `Bearer ${await token(['repository:t/dst:pull,push', 'repository:t/src:pull'])}`;
    r = await fetch(`${reg.url}/v2/t/dst/blobs/uploads/?mount=${d}&from=t/src`, { method: 'POST', headers: { Authorization: both } });
    assert.equal(r.status, 201);
  });

  it('POST /token takes an OAuth2 password grant', async () => {
    const form = new URLSearchParams({
      grant_type: 'password',
      username: 'bob',
      password: 'builder',
      service: 'wharf-registry',
      scope: 'repository:t/app:pull',
      client_id: 'test',
    });
    const r = await fetch(`${reg.url}/token`, { method: 'POST', body: form });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { access_token: string; scope: string };
    assert.equal(body.scope, 'repository:t/app:pull');
    const g = await fetch(`${reg.url}/v2/t/app/tags/list`, { headers: { Authorization: `Bearer ${body.access_token}` } });
    assert.equal(g.status, 200);
    form.set('password', 'wrong');
    assert.equal((await fetch(`${reg.url}/token`, { method: 'POST', body: form })).status, 401);
  });

  it('tokens survive a restart: the key is kept in the root', async () => {
    const t = `Bearer ${await token(['repository:t/app:pull'])}`;
    const again = await startRegistry({ root: reg.root, htpasswd, token: { issuer: 'wharf-test', service: 'wharf-registry' } });
    try {
      assert.equal((await fetch(`${again.url}/v2/t/app/tags/list`, { headers: { Authorization: t } })).status, 200);
    } finally {
      await again.close();
    }
  });
});

describe('TLS', () => {
  it('serves HTTPS with the given certificate', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const ca = await readFile(cert);
    const reg = await startRegistry({ tls: { cert: ca, key: await readFile(key) } });
    try {
      assert.match(reg.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const get = (path: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          request(`${reg.url}${path}`, { ca }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          })
            .on('error', reject)
            .end();
        });
      assert.equal((await get('/v2/')).status, 200);
      await assert.rejects(fetch(`${reg.url}/v2/`), 'an untrusted certificate is refused by default');
      assert.equal((await get(`/v2/x/blobs/${digestOf('none')}`)).status, 404);
    } finally {
      await reg.close();
    }
  });
});
