// Network records in the metadata database, and what containers hold on them: attachments (a
// container's wish to be on a network, with its live endpoint while its networking is up), IP
// leases and sandboxes. Lookups follow Docker's rules: full ID, exact name, then a unique ID
// prefix ("network x not found").
import type { Db } from '../store/db.ts';
import { conflict, notFound } from '../lib/errors.ts';
import type { EndpointIPAMConfig } from './types.ts';

export interface IpamEntry {
  Subnet: string;
  Gateway?: string;
  IPRange?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface NetworkRecord {
  id: string;
  name: string;
  created: string;
  /** bridge, host or null (none). */
  driver: 'bridge' | 'host' | 'null';
  /** The predefined bridge, host and none networks (cannot be removed). */
  builtin: boolean;
  internal: boolean;
  attachable: boolean;
  enableIPv6: boolean;
  ipamOptions: Record<string, string> | null;
  /** IPAM.Config as inspect shows it (the user's entries as given, else the chosen subnet). */
  ipamShown: IpamEntry[] | null;
  /** Whether the user chose the subnet (static --ip is allowed only then). */
  userSubnet: boolean;
  options: Record<string, string>;
  labels: Record<string, string>;
  /** For bridge networks: what the data plane is told. */
  bridge?: {
    name: string;
    subnet: string;
    gateway: string;
    ipRange?: string;
    reserved: string[];
    mtu: number;
    icc: boolean;
    masquerade: boolean;
    /** Dual stack (--ipv6): the IPv6 subnet and gateway; userSubnet when the user chose it. */
    ipv6?: { subnet: string; gateway: string; ipRange?: string; userSubnet: boolean };
  };
}

/** What a container asked for on a network (EndpointSettings' request half). */
export interface EndpointRequest {
  Aliases?: string[] | null;
  IPAMConfig?: EndpointIPAMConfig | null;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
  Links?: string[] | null;
  GwPriority?: number;
}

export interface LiveEndpoint {
  endpointId: string;
  /** eth0, eth1...; '' on host and none. */
  ifName: string;
  ipv4: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  /** Dual stack: the container's IPv6 address, its prefix length and the gateway. */
  ipv6?: string;
  prefixLen6?: number;
  gateway6?: string;
  /** The published ports, on the endpoint that carries the default route. */
  ports: PublishedPort[];
}

export interface PublishedPort {
  proto: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

export interface Attachment {
  containerId: string;
  networkId: string;
  networkName: string;
  seq: number;
  config: EndpointRequest;
  endpoint: LiveEndpoint | null;
}

interface AttachmentRow {
  container_id: string;
  network_id: string;
  network_name: string;
  seq: number;
  config: string;
  endpoint: string | null;
}

function toAttachment(r: AttachmentRow): Attachment {
  return {
    containerId: r.container_id,
    networkId: r.network_id,
    networkName: r.network_name,
    seq: r.seq,
    config: JSON.parse(r.config) as EndpointRequest,
    endpoint: r.endpoint ? (JSON.parse(r.endpoint) as LiveEndpoint) : null,
  };
}

export class NetworkRecords {
  private readonly db: Db;
  /** Parsed network records by id (the database is the truth; this saves parsing per query). */
  private readonly cache = new Map<string, NetworkRecord>();

  constructor(db: Db) {
    this.db = db;
  }

  // --- networks ----------------------------------------------------------------------------

  get(id: string): NetworkRecord | undefined {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const row = this.db.prepare('SELECT record FROM networks WHERE id = ?').get(id) as { record: string } | undefined;
    if (!row) return undefined;
    const rec = JSON.parse(row.record) as NetworkRecord;
    this.cache.set(id, rec);
    return rec;
  }

  all(): NetworkRecord[] {
    const ids = this.db.prepare('SELECT id FROM networks ORDER BY created_at, rowid').all() as { id: string }[];
    return ids.map((r) => this.get(r.id)).filter((r): r is NetworkRecord => r !== undefined);
  }

  byName(name: string): NetworkRecord | undefined {
    const row = this.db.prepare('SELECT id FROM networks WHERE name = ?').get(name) as { id: string } | undefined;
    return row ? this.get(row.id) : undefined;
  }

  /** Docker's FindNetwork: full ID, exact name, then a unique ID prefix. */
  find(ref: string): NetworkRecord | undefined {
    if (ref === '') return undefined;
    const byId = /^[a-f0-9]{64}$/.test(ref) ? this.get(ref) : undefined;
    if (byId) return byId;
    const byName = this.byName(ref);
    if (byName) return byName;
    if (/^[a-f0-9]+$/.test(ref)) {
      const ids = this.db.prepare("SELECT id FROM networks WHERE id GLOB ? || '*' LIMIT 2").all(ref) as { id: string }[];
      if (ids.length > 1) throw conflict(`network ${ref} is ambiguous (${ids.length} matches found based on ID prefix)`);
      if (ids.length === 1) return this.get(ids[0]!.id);
    }
    return undefined;
  }

  resolve(ref: string): NetworkRecord {
    const n = this.find(ref);
    if (!n) throw notFound(`network ${ref} not found`);
    return n;
  }

  /** Caller runs it in a transaction; Conflict on a taken name. */
  insert(n: NetworkRecord): void {
    if (this.byName(n.name)) throw conflict(`network with name ${n.name} already exists`);
    this.db.prepare('INSERT INTO networks (id, name, created_at, record) VALUES (?, ?, ?, ?)').run(n.id, n.name, n.created, JSON.stringify(n));
    this.cache.set(n.id, n);
  }

  update(n: NetworkRecord): void {
    this.db.prepare('UPDATE networks SET name = ?, record = ? WHERE id = ?').run(n.name, JSON.stringify(n), n.id);
    this.cache.set(n.id, n);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM networks WHERE id = ?').run(id);
    this.cache.delete(id);
  }

  invalidate(id: string): void {
    this.cache.delete(id);
  }

  // --- attachments -------------------------------------------------------------------------

  attachmentsOf(containerId: string): Attachment[] {
    const rows = this.db.prepare('SELECT * FROM network_attachments WHERE container_id = ? ORDER BY seq').all(containerId) as unknown as AttachmentRow[];
    return rows.map(toAttachment);
  }

  attachmentsOn(networkId: string): Attachment[] {
    const rows = this.db.prepare('SELECT * FROM network_attachments WHERE network_id = ? ORDER BY seq').all(networkId) as unknown as AttachmentRow[];
    return rows.map(toAttachment);
  }

  /** Every attachment with a live endpoint (DNS index, port allocations, reconcile). */
  liveAttachments(): Attachment[] {
    const rows = this.db.prepare('SELECT * FROM network_attachments WHERE endpoint IS NOT NULL ORDER BY container_id, seq').all() as unknown as AttachmentRow[];
    return rows.map(toAttachment);
  }

  /** Network IDs with at least one attachment (dangling filter, prune). */
  networksInUse(): Set<string> {
    const rows = this.db.prepare('SELECT DISTINCT network_id FROM network_attachments').all() as { network_id: string }[];
    return new Set(rows.map((r) => r.network_id));
  }

  activeOn(networkId: string): Attachment[] {
    const rows = this.db.prepare('SELECT * FROM network_attachments WHERE network_id = ? AND endpoint IS NOT NULL ORDER BY seq').all(networkId) as unknown as AttachmentRow[];
    return rows.map(toAttachment);
  }

  putAttachment(a: Attachment): void {
    this.db
      .prepare(
        'INSERT INTO network_attachments (container_id, network_id, network_name, seq, config, endpoint) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (container_id, network_id) DO UPDATE SET network_name = excluded.network_name, seq = excluded.seq, config = excluded.config, endpoint = excluded.endpoint',
      )
      .run(a.containerId, a.networkId, a.networkName, a.seq, JSON.stringify(a.config), a.endpoint ? JSON.stringify(a.endpoint) : null);
  }

  setEndpoint(containerId: string, networkId: string, ep: LiveEndpoint | null): void {
    this.db.prepare('UPDATE network_attachments SET endpoint = ? WHERE container_id = ? AND network_id = ?').run(ep ? JSON.stringify(ep) : null, containerId, networkId);
  }

  deleteAttachment(containerId: string, networkId: string): void {
    this.db.prepare('DELETE FROM network_attachments WHERE container_id = ? AND network_id = ?').run(containerId, networkId);
  }

  deleteAttachmentsOf(containerId: string): void {
    this.db.prepare('DELETE FROM network_attachments WHERE container_id = ?').run(containerId);
  }

  nextSeq(containerId: string): number {
    const row = this.db.prepare('SELECT MAX(seq) AS m FROM network_attachments WHERE container_id = ?').get(containerId) as { m: number | null };
    return (row.m ?? -1) + 1;
  }

  // --- leases ------------------------------------------------------------------------------

  leased(networkId: string): Set<string> {
    const rows = this.db.prepare('SELECT address FROM ip_leases WHERE network_id = ?').all(networkId) as { address: string }[];
    return new Set(rows.map((r) => r.address));
  }

  leaseHolder(networkId: string, address: string): string | undefined {
    const row = this.db.prepare('SELECT container_id FROM ip_leases WHERE network_id = ? AND address = ?').get(networkId, address) as { container_id: string } | undefined;
    return row?.container_id;
  }

  lease(networkId: string, address: string, containerId: string): void {
    this.db.prepare('INSERT INTO ip_leases (network_id, address, container_id) VALUES (?, ?, ?)').run(networkId, address, containerId);
  }

  releaseLease(networkId: string, containerId: string): void {
    this.db.prepare('DELETE FROM ip_leases WHERE network_id = ? AND container_id = ?').run(networkId, containerId);
  }

  releaseLeasesOf(containerId: string): void {
    this.db.prepare('DELETE FROM ip_leases WHERE container_id = ?').run(containerId);
  }

  leaseCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM ip_leases').get() as { n: number }).n;
  }

  // --- sandboxes ---------------------------------------------------------------------------

  sandbox(containerId: string): string | undefined {
    const row = this.db.prepare('SELECT netns_path FROM network_sandboxes WHERE container_id = ?').get(containerId) as { netns_path: string } | undefined;
    return row?.netns_path;
  }

  sandboxes(): { containerId: string; netnsPath: string }[] {
    const rows = this.db.prepare('SELECT container_id, netns_path FROM network_sandboxes').all() as { container_id: string; netns_path: string }[];
    return rows.map((r) => ({ containerId: r.container_id, netnsPath: r.netns_path }));
  }

  putSandbox(containerId: string, netnsPath: string): void {
    this.db.prepare('INSERT INTO network_sandboxes (container_id, netns_path) VALUES (?, ?) ON CONFLICT (container_id) DO UPDATE SET netns_path = excluded.netns_path').run(containerId, netnsPath);
  }

  deleteSandbox(containerId: string): void {
    this.db.prepare('DELETE FROM network_sandboxes WHERE container_id = ?').run(containerId);
  }
}
