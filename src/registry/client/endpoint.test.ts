import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hostOf, RegistryHosts } from './endpoint.ts';

describe('RegistryHosts', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('sends docker.io to the mirrors first (pulls only), then registry-1.docker.io', async () => {
    const h = new RegistryHosts({ insecureRegistries: [], mirrors: ['https://mirror.example.com/', 'http://10.9.9.9:5000'], certsDirs: [] });
    const pull = await h.endpoints('docker.io');
    assert.deepEqual(
      pull.map((e) => [e.url, e.mirror]),
      [
        ['https://mirror.example.com', true],
        ['http://10.9.9.9:5000', true],
        ['https://registry-1.docker.io', false],
      ],
    );
    assert.deepEqual((await h.endpoints('docker.io', 'push')).map((e) => e.url), ['https://registry-1.docker.io']);
    h.close();
  });

  it('treats loopback, configured CIDRs and configured names as insecure (TLS unverified, then plain HTTP)', async () => {
    const h = new RegistryHosts({ insecureRegistries: ['10.1.0.0/16', 'myreg.internal:5000', 'http://other.internal'], mirrors: [], certsDirs: [] });
    const loop = await h.endpoints('127.0.0.1:5000');
    assert.deepEqual(loop.map((e) => e.url), ['https://127.0.0.1:5000', 'http://127.0.0.1:5000']);
    assert.equal(loop[0]!.tls.skipVerify, true);
    assert.equal(await h.isInsecure('[::1]:5000'), true);
    assert.equal(await h.isInsecure('localhost:5000'), true);
    assert.equal(await h.isInsecure('10.1.2.3'), true);
    assert.equal(await h.isInsecure('10.2.0.1:5000'), false);
    assert.equal(await h.isInsecure('myreg.internal:5000'), true);
    assert.equal(await h.isInsecure('other.internal'), true);
    const secure = await h.endpoints('10.2.0.1:5000');
    assert.deepEqual(secure.map((e) => [e.url, e.tls.skipVerify]), [['https://10.2.0.1:5000', false]]);
    // The endpoint that answered last is tried first next time.
    h.worked(loop[1]!);
    assert.deepEqual((await h.endpoints('127.0.0.1:5000')).map((e) => e.url), ['http://127.0.0.1:5000', 'https://127.0.0.1:5000']);
    h.close();
  });

  it('reads certs.d: *.crt are CAs, *.cert with its *.key is the client pair; the first directory that has the host wins', async () => {
    const ours = await mkdtemp(join(tmpdir(), 'wharf-certs-'));
    const dockers = await mkdtemp(join(tmpdir(), 'wharf-certs-'));
    dirs.push(ours, dockers);
    await mkdir(join(dockers, 'reg.example:5000'));
    await writeFile(join(dockers, 'reg.example:5000', 'ca.crt'), 'CA-PEM');
    await writeFile(join(dockers, 'reg.example:5000', 'client.cert'), 'CERT-PEM');
    await writeFile(join(dockers, 'reg.example:5000', 'client.key'), 'KEY-PEM');
    const h = new RegistryHosts({ insecureRegistries: [], mirrors: [], certsDirs: [ours, dockers] });
    const [ep] = await h.endpoints('reg.example:5000');
    assert.deepEqual(ep!.tls.ca?.map(String), ['CA-PEM']);
    assert.equal(String(ep!.tls.cert), 'CERT-PEM');
    assert.equal(String(ep!.tls.key), 'KEY-PEM');

    await mkdir(join(ours, 'bad.example'));
    await writeFile(join(ours, 'bad.example', 'client.cert'), 'CERT-PEM');
    await assert.rejects(h.endpoints('bad.example'), /missing key client.key for client certificate client.cert. CA certificates must use the extension .crt/);
    h.close();
  });

  it('splits host and port', () => {
    assert.equal(hostOf('127.0.0.1:5000'), '127.0.0.1');
    assert.equal(hostOf('[::1]:5000'), '::1');
    assert.equal(hostOf('registry.example'), 'registry.example');
  });
});
