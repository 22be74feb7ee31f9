// A registry that lies, for pull's failure tests: a small node HTTP server speaking enough of
// the distribution API (GET /v2/, manifests, blobs with Range) to serve one busybox image per
// repository, each repository with its own fault.
import { createHash } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

export type Fault =
  | 'none'
  | 'bad-digest' // the layer's gzip header differs (same size, valid gzip, other digest)
  | 'truncated' // every layer response stops halfway and the connection drops
  | 'die' // the whole server goes away halfway through the layer
  | 'bad-manifest' // the manifest served for a digest is not the one with that digest
  | 'bad-diffid' // the config's diff ID is not the layer's
  | 'slow'; // the layer trickles (for client-disconnect tests)

export interface TestImage {
  layer: Buffer;
  layerDigest: string;
  config: Buffer;
  configDigest: string;
  manifest: Buffer;
  manifestDigest: string;
}

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** `gzipMtime` varies the compressed blob (and so its digest) without changing the diff ID. */
export function makeImage(rootfsTar: Buffer, diffId = sha(rootfsTar), gzipMtime = 0): TestImage {
  const layer = gzipSync(rootfsTar, { level: 1 });
  layer.writeUInt32LE(gzipMtime, 4);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['sh'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created_by: 'hostile test image' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: sha(layer) }],
    }),
  );
  return { layer, layerDigest: sha(layer), config, configDigest: sha(config), manifest, manifestDigest: sha(manifest) };
}

export interface HostileRegistry {
  addr: string;
  /** Layer requests seen, per repository. */
  layerRequests: Map<string, number>;
  stop(): Promise<void>;
}

export async function startHostileRegistry(rootfsTar: Buffer, faults: Record<string, Fault>): Promise<HostileRegistry> {
  const good = makeImage(rootfsTar);
  const badDiff = makeImage(rootfsTar, sha('not this layer'));
  // Its own blob: a verified blob of another test stays in the content store and would be reused.
  const slow = makeImage(rootfsTar, sha(rootfsTar), 777);
  const sockets = new Set<Socket>();
  const layerRequests = new Map<string, number>();
  let server: Server;
  const die = () => {
    server.close();
    for (const s of sockets) s.destroy();
  };

  server = createServer((req, res) => {
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(req.url ?? '');
    if (req.url === '/v2/') return send(res, 200, 'application/json', Buffer.from('{}'));
    if (!m) return send(res, 404, 'application/json', Buffer.from('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}'));
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    const fault = faults[repo] ?? 'none';
    const img = fault === 'bad-diffid' ? badDiff : fault === 'slow' ? slow : good;
    if (kind === 'manifests') {
      let body = img.manifest;
      if (fault === 'bad-manifest' && ref.startsWith('sha256:')) body = Buffer.concat([body, Buffer.from(' ')]);
      res.setHeader('Docker-Content-Digest', fault === 'bad-manifest' ? ref : sha(body));
      return send(res, 200, 'application/vnd.docker.distribution.manifest.v2+json', req.method === 'HEAD' ? Buffer.alloc(0) : body, body.length);
    }
    if (ref === img.configDigest) return send(res, 200, 'application/octet-stream', img.config);
    if (ref !== img.layerDigest) return send(res, 404, 'application/json', Buffer.from('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}'));
    layerRequests.set(repo, (layerRequests.get(repo) ?? 0) + 1);
    let layer = img.layer;
    if (fault === 'bad-digest') {
      layer = Buffer.from(layer);
      layer.writeUInt32LE(12345, 4); // gzip MTIME: not covered by the CRC, so still valid gzip
    }
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const body = layer.subarray(start);
    res.writeHead(start > 0 ? 206 : 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': body.length,
      ...(start > 0 ? { 'Content-Range': `bytes ${start}-${layer.length - 1}/${layer.length}` } : {}),
    });
    if (fault === 'truncated' || fault === 'die') {
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => {
        setTimeout(() => (fault === 'die' ? die() : res.destroy()), 50);
      });
      return;
    }
    if (fault === 'slow') {
      let off = 0;
      const tick = setInterval(() => {
        if (res.destroyed || off >= body.length) {
          clearInterval(tick);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(body.subarray(off, off + 16384));
        off += 16384;
      }, 100);
      res.on('close', () => clearInterval(tick));
      return;
    }
    res.end(body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    addr,
    layerRequests,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
        if (!server.listening) r();
      }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: Buffer, length = body.length): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': length, 'Docker-Distribution-Api-Version': 'registry/2.0' });
  res.end(body);
}
