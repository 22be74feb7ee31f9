// The manifest a push sends. Docker schema2 by default, byte for byte as dockerd writes it
// (distribution's schema2 FromStruct: MarshalIndent with three spaces, descriptor fields in the
// order mediaType, size, digest), so the same layers give the same manifest digest; OCI when the
// image came to us as OCI or a layer is zstd (schema2 cannot name zstd).
import { type Digest, sha256 } from '../lib/digest.ts';
import { MediaType } from '../image/types.ts';

export type ManifestFormat = 'docker' | 'oci';

export interface PushedBlob {
  digest: Digest;
  size: number;
  /** Its compression; the media type follows from it and the manifest format. */
  compression: 'gzip' | 'zstd';
}

export interface BuiltManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
}

export function layerMediaType(format: ManifestFormat, compression: 'gzip' | 'zstd'): string {
  if (compression === 'zstd') return MediaType.ociLayerZstd;
  return format === 'oci' ? MediaType.ociLayerGzip : MediaType.dockerLayerGzip;
}

/** The manifest format of a stored manifest's media type, if it is an image manifest. */
export function formatOfManifest(mediaType: string | undefined): ManifestFormat | undefined {
  if (mediaType === MediaType.ociManifest) return 'oci';
  if (mediaType === MediaType.dockerManifest) return 'docker';
  return undefined;
}

export function buildManifest(format: ManifestFormat, config: { digest: Digest; size: number }, layers: PushedBlob[]): BuiltManifest {
  let text: string;
  let mediaType: string;
  if (format === 'docker') {
    mediaType = MediaType.dockerManifest;
    const doc = {
      schemaVersion: 2,
      mediaType,
      config: { mediaType: MediaType.dockerConfig, size: config.size, digest: config.digest },
      layers: layers.map((l) => ({ mediaType: layerMediaType(format, l.compression), size: l.size, digest: l.digest })),
    };
    text = JSON.stringify(doc, null, 3);
  } else {
    mediaType = MediaType.ociManifest;
    const doc = {
      schemaVersion: 2,
      mediaType,
      config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: layerMediaType(format, l.compression), digest: l.digest, size: l.size })),
    };
    text = JSON.stringify(doc);
  }
  const bytes = Buffer.from(text);
  return { bytes, digest: sha256(bytes), mediaType };
}
