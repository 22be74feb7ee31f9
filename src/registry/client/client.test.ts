import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../../lib/digest.ts';
import { decodeRegistryAuth, parseChallenges } from './auth.ts';
import { connectRegistry } from './connect.ts';
import { RegistryHosts } from './endpoint.ts';
import { RegistryError } from './errors.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

async function serve(handler: Handler): Promise<{ server: Server; addr: string }> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(parts)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, addr: `127.0.0.1:${(server.address() as { port: number }).port}` };
}

const MANIFEST = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));
const BLOB = Buffer.from('blob bytes');

describe('parseChallenges and X-Registry-Auth', () => {
  it('parses Bearer and Basic challenges with quoted parameters', () => {
    const ch = parseChallenges(['Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"', 'Basic realm="x\\"y"']);
    assert.deepEqual(ch, [
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
      { scheme: 'basic', params: { realm: 'x"y' } },
    ]);
  });

  it('decodes base64url and standard base64 JSON; refuses garbage', () => {
    const json = JSON.stringify({ username: 'u', password: 'p?>', serveraddress: 'r:5000', unknown: 1 });
    assert.deepEqual(decodeRegistryAuth(Buffer.from(json).toString('base64url')), { username: 'u', password: 'p?>', serveraddress: 'r:5000' });
    assert.deepEqual(decodeRegistryAuth(Buffer.from(json).toString('base64')), { username: 'u', password: 'p?>', serveraddress: 'r:5000' });
    assert.deepEqual(decodeRegistryAuth(''), {});
    assert.throws(() => decodeRegistryAuth('!!!not-json'), /invalid X-Registry-Auth header/);
  });
});

describe('RegistryClient against a token-auth registry', () => {
  let reg: { server: Server; addr: string };
  let auth: { server: Server; addr: string };
  let other: { server: Server; addr: string };
  const tokenRequests: URLSearchParams[] = [];
  const seenAuth: string[] = [];
  const hosts = new RegistryHosts({ insecureRegistries: [], mirrors: [], certsDirs: [] });

  before(async () => {
    auth = await serve((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      tokenRequests.push(u.searchParams);
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:pw').toString('base64')}`) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"incorrect username or password"}]}');
        return;
      }
      const scopes = u.searchParams.getAll('scope').join(' ');
      res.end(JSON.stringify({ token: `tok:${scopes}`, expires_in: 300, ...(u.searchParams.get('offline_token') ? { refresh_token: 'refresh-1' } : {}) }));
    });
    other = await serve((req, res) => {
      seenAuth.push(req.headers.authorization ?? '');
      res.end(BLOB);
    });
    reg = await serve((req, res) => {
      const bearer = req.headers.authorization ?? '';
      const challenge = (scope: string) =>
        `Bearer realm="http://${auth.addr}/token",service="test-registry"${scope ? `,scope="${scope}"` : ''}`;
      const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/(.+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
      if (!bearer.startsWith('Bearer tok:')) {
        res.writeHead(401, { 'WWW-Authenticate': challenge(m ? `repository:${m[1]}:pull` : '') });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
      if (req.url === '/v2/') return res.end('{}');
      if (!m) return res.writeHead(404).end();
      if (!bearer.includes(`repository:${m[1]}:pull`)) {
        res.writeHead(401, { 'WWW-Authenticate': `${challenge(`repository:${m[1]}:pull`)},error="insufficient_scope"` });
        res.end();
        return;
      }
      if (m[2] === 'manifests') {
        if (m[3] === 'missing') {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          return res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
        }
        const body = m[3] === 'lying' ? Buffer.concat([MANIFEST, Buffer.from(' ')]) : MANIFEST;
        res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': sha256(MANIFEST) });
        return res.end(req.method === 'HEAD' ? undefined : body);
      }
      if (m[2] === 'blobs') {
        res.writeHead(307, { Location: `http://${other.addr}/storage/${m[3]}` });
        return res.end();
      }
      const last = new URL(req.url ?? '/', 'http://x').searchParams.get('last');
      if (!last) {
        res.writeHead(200, { Link: `</v2/${m[1]}/tags/list?n=2&last=b>; rel="next"` });
        return res.end(JSON.stringify({ name: m[1], tags: ['a', 'b'] }));
      }
      res.end(JSON.stringify({ name: m[1], tags: ['c'] }));
    });
  });
  after(() => {
    hosts.close();
    for (const s of [reg, auth, other]) s.server.close();
  });

  it('fetches a token for the scope, verifies the manifest digest, caches the token', async () => {
    const c = await connectRegistry(hosts, reg.addr, { auth: { username: 'alice', password: 'pw' } });
    assert.equal(c.endpoint.url, `http://${reg.addr}`); // loopback: TLS failed, plain HTTP next
    const m = await c.getManifest('lib/app', 'latest');
    assert.equal(m.digest, sha256(MANIFEST));
    assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const n = tokenRequests.length;
    await c.headManifest('lib/app', 'latest');
    assert.equal(tokenRequests.length, n, 'the token for the same scope is reused');
    assert.equal(tokenRequests.at(-1)!.get('service'), 'test-registry');
    assert.equal(tokenRequests.at(-1)!.get('account'), 'alice');
    await assert.rejects(c.getManifest('lib/app', 'lying'), /manifest verification failed for digest/);
    await assert.rejects(c.getManifest('lib/app', 'missing'), (err: unknown) => err instanceof RegistryError && err.code === 'MANIFEST_UNKNOWN' && err.status === 404);
  });

  it('follows a blob redirect to another origin without the Authorization header; pages through tags', async () => {
    const c = await connectRegistry(hosts, reg.addr, { auth: { username: 'alice', password: 'pw' } });
    const b = await c.getBlob('lib/app', sha256(BLOB));
    const parts: Buffer[] = [];
    for await (const x of b.body) parts.push(x as Buffer);
    assert.deepEqual(Buffer.concat(parts), BLOB);
    assert.deepEqual(seenAuth, ['']);
    assert.deepEqual(await c.listTags('lib/app'), ['a', 'b', 'c']);
  });

  it('login returns the refresh token as identity token; bad credentials are Unauthorized', async () => {
    const c = await connectRegistry(hosts, reg.addr, { auth: { username: 'alice', password: 'pw' } });
    assert.deepEqual(await c.login(), { identityToken: 'refresh-1' });
    const bad = await connectRegistry(hosts, reg.addr, { auth: { username: 'alice', password: 'nope' } });
    await assert.rejects(bad.login(), (err: unknown) => {
      assert.ok(err instanceof RegistryError);
      assert.equal(err.kind, 'Unauthorized');
      assert.match(err.message, new RegExp(`^Get "http://${reg.addr}/v2/": unauthorized: incorrect username or password$`));
      return true;
    });
  });

  it('words connection failures as Go does', async () => {
    const { server, addr } = await serve(() => {});
    await new Promise<void>((r) => server.close(() => r()));
    await assert.rejects(connectRegistry(hosts, addr), new RegExp(`Get "http://${addr}/v2/": dial tcp ${addr}: connect: connection refused`));
  });
});
