import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { convertToHostname, CredentialStore, type HelperRunner, INDEX_SERVER, registryAuthFor, serverKey } from './store.ts';

describe('CLI credential store', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const env = async (config?: object) => {
    const dir = await mkdtemp(join(tmpdir(), 'wharf-docker-config-'));
    dirs.push(dir);
    if (config) await writeFile(join(dir, 'config.json'), JSON.stringify(config));
    return { DOCKER_CONFIG: dir };
  };

  it('stores base64 auth in config.json, keeps other keys, reads it back, erases it', async () => {
    const e = await env({ psFormat: 'table {{.ID}}', auths: { 'other:1': { auth: 'eDp5' } } });
    const store = await CredentialStore.open(e);
    assert.equal(await store.store({ username: 'alice', password: 's:cret', serveraddress: '127.0.0.1:5000' }), true);
    const saved = JSON.parse(await readFile(join(e.DOCKER_CONFIG, 'config.json'), 'utf8'));
    assert.equal(saved.psFormat, 'table {{.ID}}');
    assert.deepEqual(saved.auths['127.0.0.1:5000'], { auth: Buffer.from('alice:s:cret').toString('base64') });
    assert.deepEqual(await registryAuthFor(e, '127.0.0.1:5000'), { serveraddress: '127.0.0.1:5000', username: 'alice', password: 's:cret' });
    assert.deepEqual(await registryAuthFor(e, 'nowhere:1'), { serveraddress: 'nowhere:1' });
    await store.erase('127.0.0.1:5000');
    assert.deepEqual(JSON.parse(await readFile(join(e.DOCKER_CONFIG, 'config.json'), 'utf8')).auths, { 'other:1': { auth: 'eDp5' } });
  });

  it('finds entries saved under a URL by host name; Docker Hub is the index URL', async () => {
    const e = await env({ auths: { 'https://reg.example:5000/v1/': { auth: Buffer.from('u:p').toString('base64') } } });
    assert.equal((await registryAuthFor(e, 'reg.example:5000')).username, 'u');
    assert.equal(serverKey('docker.io'), INDEX_SERVER);
    assert.equal(convertToHostname('http://r:5/x/y'), 'r:5');
  });

  it('identity tokens are stored instead of the password', async () => {
    const e = await env();
    const store = await CredentialStore.open(e);
    await store.store({ username: 'bob', identitytoken: 'refresh-xyz', serveraddress: 'r.example' });
    assert.deepEqual(await registryAuthFor(e, 'r.example'), { serveraddress: 'r.example', username: 'bob', identitytoken: 'refresh-xyz' });
  });

  it('uses credential helpers by the docker-credential-helpers protocol (credHelpers before credsStore)', async () => {
    const calls: [string, string, string][] = [];
    const secrets = new Map<string, string>();
    const run: HelperRunner = async (name, action, input) => {
      calls.push([name, action, input]);
      if (action === 'store') {
        const c = JSON.parse(input) as { ServerURL: string; Username: string; Secret: string };
        secrets.set(c.ServerURL, JSON.stringify({ ServerURL: c.ServerURL, Username: c.Username, Secret: c.Secret }));
        return '';
      }
      if (action === 'erase') {
        secrets.delete(input);
        return '';
      }
      const s = secrets.get(input);
      if (!s) throw new Error('credentials not found in native keychain');
      return s;
    };
    const e = await env({ credsStore: 'secretservice', credHelpers: { 'special:5000': 'pass' } });
    const store = await CredentialStore.open(e, run);
    assert.equal(await store.store({ username: 'alice', password: 'pw', serveraddress: 'reg:5000' }), false);
    assert.deepEqual(await store.get('reg:5000'), { serveraddress: 'reg:5000', username: 'alice', password: 'pw' });
    assert.deepEqual(await store.get('unknown:1'), { serveraddress: 'unknown:1' });
    await store.store({ username: 'x', identitytoken: 'tok', serveraddress: 'special:5000' });
    assert.deepEqual(await store.get('special:5000'), { serveraddress: 'special:5000', identitytoken: 'tok' });
    assert.deepEqual(calls[0], ['secretservice', 'store', JSON.stringify({ ServerURL: 'reg:5000', Username: 'alice', Secret: 'pw' })]);
    assert.deepEqual(calls.find((c) => c[2].includes('special'))?.slice(0, 2), ['pass', 'store']);
    const file = JSON.parse(await readFile(join(e.DOCKER_CONFIG, 'config.json'), 'utf8'));
    assert.deepEqual(file.auths, { 'reg:5000': {}, 'special:5000': {} }); // no secrets in the file
    await store.erase('reg:5000');
    assert.deepEqual(await store.get('reg:5000'), { serveraddress: 'reg:5000' });
  });
});
