// A network as GET /networks and GET /networks/{id} show it (dockerd's field order), and the
// list filters of GET /networks (driver, id, label, name, scope, type, dangling).
import { invalidParameter } from '../lib/errors.ts';
import { matchLabels } from '../lib/filters.ts';
import type { Attachment, NetworkRecord } from './records.ts';
import type { NetworkContainer, NetworkResource } from './types.ts';

export function networkResource(n: NetworkRecord, containers: Record<string, NetworkContainer>): NetworkResource {
  const shown = n.ipamShown ?? [];
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv4: n.driver === 'bridge',
    EnableIPv6: n.enableIPv6,
    IPAM: { Driver: 'default', Options: n.ipamOptions, Config: n.driver === 'bridge' ? shown : null },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.options,
    Labels: n.labels,
  };
}

/** The Containers map: containers with a live endpoint on the network. */
export function networkContainers(active: Attachment[], nameOf: (id: string) => string | undefined): Record<string, NetworkContainer> {
  const out: Record<string, NetworkContainer> = {};
  for (const a of active) {
    const ep = a.endpoint;
    if (!ep) continue;
    out[a.containerId] = {
      Name: nameOf(a.containerId) ?? '',
      EndpointID: ep.endpointId,
      MacAddress: ep.mac,
      IPv4Address: ep.ipv4 ? `${ep.ipv4}/${ep.prefixLen}` : '',
      IPv6Address: ep.ipv6 ? `${ep.ipv6}/${ep.prefixLen6}` : '',
    };
  }
  return out;
}

const FILTERS = new Set(['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type']);

/** Docker's filters.Match: each value is a regular expression tried against the field. */
function regexMatch(values: string[] | undefined, field: string): boolean {
  if (!values || values.length === 0) return true;
  return values.some((v) => {
    try {
      return new RegExp(v).test(field);
    } catch {
      return field.includes(v);
    }
  });
}

export function checkListFilters(f: Map<string, string[]>): void {
  for (const key of f.keys()) if (!FILTERS.has(key)) throw invalidParameter(`invalid filter '${key}'`);
  for (const t of f.get('type') ?? []) if (t !== 'custom' && t !== 'builtin') throw invalidParameter(`invalid filter: 'type'='${t}'`);
  for (const d of f.get('dangling') ?? []) {
    if (!['true', 'false', '1', '0'].includes(d)) throw invalidParameter(`invalid filter 'dangling=${d}'`);
  }
  if ((f.get('dangling') ?? []).length > 1) throw invalidParameter(`got more than one value for filter key "dangling"`);
}

export function matchesListFilters(n: NetworkRecord, f: Map<string, string[]>, inUse: boolean): boolean {
  const drivers = f.get('driver');
  if (drivers && drivers.length > 0 && !drivers.includes(n.driver)) return false;
  if (!regexMatch(f.get('id'), n.id)) return false;
  if (!regexMatch(f.get('name'), n.name)) return false;
  if (!matchLabels(n.labels, f.get('label'))) return false;
  const scope = f.get('scope');
  if (scope && scope.length > 0 && !scope.includes('local')) return false;
  const type = f.get('type');
  if (type && type.length > 0 && !type.includes(n.builtin ? 'builtin' : 'custom')) return false;
  const dangling = f.get('dangling')?.[0];
  if (dangling !== undefined) {
    const want = dangling === 'true' || dangling === '1';
    // Docker counts the predefined networks as in use for this filter.
    if (want === (inUse || n.builtin)) return false;
  }
  return true;
}
