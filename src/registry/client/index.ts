// The distribution client: pull, push and login build on these.
export { type AuthConfig, type Challenge, credentialsOf, decodeRegistryAuth, parseChallenges, repositoryScope } from './auth.ts';
export {
  type BlobStream,
  MANIFEST_MEDIA_TYPES,
  MAX_MANIFEST_SIZE,
  type ManifestHead,
  type ManifestResult,
  type PutBlobOptions,
  RegistryClient,
  type RegistryClientOptions,
  type UploadSession,
} from './client.ts';
export { type ConnectOptions, connectRegistry } from './connect.ts';
export { type Endpoint, HUB_ENDPOINT, hostOf, RegistryHosts, type RegistryHostsConfig } from './endpoint.ts';
export { formatEntry, RegistryError, type RegistryErrorEntry } from './errors.ts';
export { type TlsSettings, Transport } from './transport.ts';
