// Test helpers: a registry server on 127.0.0.1:0 over a temp root, and a tiny client made of
// fetch calls, so tests read like the spec's requests.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEDIA } from './names.ts';
import { RegistryServer, type RegistryServerOptions } from './server.ts';

export interface TestRegistry {
  url: string;
  root: string;
  server: RegistryServer;
  close(): Promise<void>;
}

export async function startRegistry(opts: Partial<RegistryServerOptions> = {}): Promise<TestRegistry> {
  const root = opts.root ?? (await mkdtemp(join(tmpdir(), 'wharf-registry-')));
  const server = await RegistryServer.create({ ...opts, root });
  const url = await server.listen('127.0.0.1', 0);
  return {
    url,
    root,
    server,
    async close() {
      await server.close();
      if (!opts.root) await rm(root, { recursive: true, force: true });
    },
  };
}

export function digestOf(data: string | Uint8Array): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Monolithic POST ?digest= upload; returns the digest. */
export async function pushBlob(url: string, name: string, data: string | Uint8Array, headers: Record<string, string> = {}) {
  const d = digestOf(data);
  const r = await fetch(`${url}/v2/${name}/blobs/uploads/?digest=${d}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', ...headers },
    body: Buffer.from(data),
  });
  if (r.status !== 201) throw new Error(`push blob: ${r.status} ${await r.text()}`);
  return d;
}

export interface TestImage {
  config: string;
  layers: string[];
  manifest: string;
  digest: `sha256:${string}`;
}

/** An image (config + layers) whose manifest has optional extra fields (subject, artifactType...). */
export function makeImage(seed: string, extra: Record<string, unknown> = {}, mediaType: string = MEDIA.ociManifest): TestImage {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', seed });
  const layers = [`layer-a-${seed}`, `layer-b-${seed}`];
  const desc = (mt: string, s: string) => ({ mediaType: mt, digest: digestOf(s), size: Buffer.byteLength(s) });
  const docker = mediaType === MEDIA.dockerManifest;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: desc(docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json', config),
    layers: layers.map((l) => desc(docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar', l)),
    ...extra,
  });
  return { config, layers, manifest, digest: digestOf(manifest) };
}

/** Pushes an image's blobs and its manifest under `ref`; returns the PUT response. */
export async function pushImage(url: string, name: string, img: TestImage, ref: string, headers: Record<string, string> = {}) {
  for (const b of [img.config, ...img.layers]) await pushBlob(url, name, b, headers);
  return putManifest(url, name, ref, img.manifest, JSON.parse(img.manifest).mediaType, headers);
}

export function putManifest(url: string, name: string, ref: string, body: string, mediaType: string, headers: Record<string, string> = {}) {
  return fetch(`${url}/v2/${name}/manifests/${ref}`, {
    method: 'PUT',
    headers: { 'Content-Type': mediaType, ...headers },
    body,
  });
}

/** The first error code of a spec error body. */
export async function errorCode(r: Response): Promise<string | undefined> {
  const body = (await r.json()) as { errors?: Array<{ code: string }> };
  return body.errors?.[0]?.code;
}
