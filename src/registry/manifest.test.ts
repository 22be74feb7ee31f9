import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '../lib/digest.ts';
import { type ImageIndex, parseManifest, selectPlatform } from './manifest.ts';
import { parsePlatformSpec, platformRank } from './manifest-platform.ts';

const d = (s: string) => sha256(s);
const manifest = (layers: object[], config: object = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('c'), size: 2 }) =>
  Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers }));
const layer = (mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip') => ({ mediaType, digest: d('l'), size: 10 });

function index(entries: [string, string, string?][]): ImageIndex {
  return {
    kind: 'index',
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: entries.map(([os, architecture, variant], i) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: d(String(i)),
      size: 1,
      platform: { os, architecture, ...(variant ? { variant } : {}) },
    })),
  };
}

describe('parseManifest', () => {
  it('reads OCI and Docker manifests and indexes', () => {
    const m = parseManifest(manifest([layer()]), '', 'x');
    assert.equal(m.kind, 'manifest');
    assert.equal(m.kind === 'manifest' && m.layers[0]!.digest, d('l'));
    const list = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'x', digest: d('a'), size: 3, platform: { os: 'linux', architecture: 'amd64' } }] }));
    const i = parseManifest(list, 'application/vnd.docker.distribution.manifest.list.v2+json', 'x');
    assert.equal(i.kind, 'index');
  });

  it('refuses schema 1 with the deprecation notice, and what is not an image', () => {
    const s1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'x', fsLayers: [] }));
    assert.throws(() => parseManifest(s1, 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'busybox:old'), /schema 1 support has been removed. Suggest the author of busybox:old/);
    const helm = manifest([layer()], { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: d('c'), size: 2 });
    assert.throws(() => parseManifest(helm, '', 'chart'), /is not a container image/);
    assert.throws(() => parseManifest(manifest([layer('application/vnd.docker.image.rootfs.foreign.diff.tar.gzip')]), '', 'win'), /foreign/);
    assert.throws(() => parseManifest(Buffer.from('nope'), '', 'x'), /not JSON/);
  });

  it('validates descriptors: digest, algorithm, size', () => {
    assert.throws(() => parseManifest(manifest([{ ...layer(), digest: 'sha256:abc' }]), '', 'x'), /bad digest/);
    assert.throws(() => parseManifest(manifest([{ ...layer(), size: -1 }]), '', 'x'), /bad size/);
    assert.throws(() => parseManifest(manifest([{ ...layer(), size: 1.5 }]), '', 'x'), /bad size/);
    assert.throws(() => parseManifest(manifest([{ ...layer(), digest: `sha512:${'a'.repeat(128)}` }]), '', 'x'), /unsupported digest algorithm/);
  });
});

describe('platform selection', () => {
  it('normalizes --platform as containerd does', () => {
    assert.deepEqual(parsePlatformSpec('linux/x86_64'), { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(parsePlatformSpec('linux/aarch64/v8'), { os: 'linux', architecture: 'arm64' });
    assert.deepEqual(parsePlatformSpec('linux/arm'), { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.deepEqual(parsePlatformSpec('arm64'), { os: 'linux', architecture: 'arm64' });
    assert.throws(() => parsePlatformSpec('linux/amd64/v1/x'), /unknown operating system or architecture/);
  });

  it('picks the exact platform, skips unknown/unknown, prefers the closest arm variant', () => {
    const i = index([
      ['unknown', 'unknown'],
      ['linux', 'arm', 'v6'],
      ['linux', 'arm', 'v7'],
      ['linux', 'arm64', 'v8'],
      ['linux', 'amd64'],
    ]);
    assert.equal(selectPlatform(i, parsePlatformSpec('linux/amd64')).digest, d('4'));
    assert.equal(selectPlatform(i, parsePlatformSpec('linux/arm64')).digest, d('3'));
    assert.equal(selectPlatform(i, parsePlatformSpec('linux/arm/v7')).digest, d('2'));
    assert.equal(selectPlatform(index([['linux', 'arm', 'v6']]), parsePlatformSpec('linux/arm/v7')).digest, d('0'));
    assert.throws(() => selectPlatform(index([['linux', 'arm', 'v7']]), parsePlatformSpec('linux/arm/v6')), /no matching manifest for linux\/arm\/v6 in the manifest list entries/);
    assert.throws(() => selectPlatform(i, parsePlatformSpec('linux/s390x')), /no matching manifest for linux\/s390x in the manifest list entries/);
  });

  it('does not take amd64 micro-architecture levels unless asked', () => {
    assert.equal(platformRank({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64', variant: 'v3' }), undefined);
    assert.equal(platformRank({ os: 'linux', architecture: 'amd64', variant: 'v3' }, { os: 'linux', architecture: 'amd64', variant: 'v3' }), 0);
  });
});
