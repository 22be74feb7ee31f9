// HostConfig.NetworkMode as Docker reads it: the default bridge ("", "default", "bridge"), a
// namespace with only loopback ("none"), the host's ("host"), another container's
// ("container:<name|id>"), or a user-defined network by name or ID.
import { notFound } from '../lib/errors.ts';

export type NetworkMode =
  | { kind: 'none' }
  | { kind: 'host' }
  | { kind: 'container'; ref: string }
  | { kind: 'bridge' }
  | { kind: 'network'; name: string };

export interface ParsedNetworkMode {
  mode: NetworkMode;
  /** What inspect shows as HostConfig.NetworkMode ("bridge", "none", "host", "container:<x>", a name). */
  display: string;
}

export function parseNetworkMode(raw: string | undefined): ParsedNetworkMode {
  const v = raw ?? '';
  if (v === '' || v === 'default' || v === 'bridge') return { mode: { kind: 'bridge' }, display: 'bridge' };
  if (v === 'none') return { mode: { kind: 'none' }, display: 'none' };
  if (v === 'host') return { mode: { kind: 'host' }, display: 'host' };
  if (v.startsWith('container:')) {
    const ref = v.slice('container:'.length);
    if (ref === '') throw notFound('No such container: ');
    return { mode: { kind: 'container', ref }, display: v };
  }
  return { mode: { kind: 'network', name: v }, display: v };
}

/** Docker's NetworkMode.IsUserDefined. */
export function isUserDefined(name: string): boolean {
  return !['', 'default', 'bridge', 'host', 'none'].includes(name) && !name.startsWith('container:');
}
