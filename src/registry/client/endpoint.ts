// Where a registry name leads (moby's registry.LookupPullEndpoints): docker.io goes to the
// configured mirrors, then registry-1.docker.io; an insecure registry (a configured host, a
// configured CIDR, or loopback, which is always insecure) is tried over TLS without
// verification, then plain HTTP; anything else over verified TLS with the system CAs and the
// registry's certs.d directory (<dir>/<host:port>/{*.crt CAs, *.cert + *.key client pairs}).
import { lookup } from 'node:dns/promises';
import { readdir, readFile } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { join } from 'node:path';
import { errnoCode, invalidParameter } from '../../lib/errors.ts';
import { DEFAULT_DOMAIN } from '../../image/reference.ts';
import { type TlsSettings, Transport } from './transport.ts';

export const HUB_ENDPOINT = 'https://registry-1.docker.io';

export interface Endpoint {
  /** Base URL without a trailing slash: "https://registry-1.docker.io". */
  url: string;
  /** The registry's name as references spell it: "docker.io", "127.0.0.1:5000". */
  registry: string;
  mirror: boolean;
  tls: TlsSettings;
  transport: Transport;
}

export interface RegistryHostsConfig {
  insecureRegistries: readonly string[];
  mirrors: readonly string[];
  /** Directories holding <host:port>/ca.crt etc., searched in order. */
  certsDirs: readonly string[];
}

export class RegistryHosts {
  private readonly cfg: RegistryHostsConfig;
  private readonly cidrs = new BlockList();
  private readonly insecureNames = new Set<string>();
  private readonly transports = new Map<string, Transport>();
  /** The endpoint URL that answered last, per registry: tried first next time. */
  private readonly preferred = new Map<string, string>();

  constructor(cfg: RegistryHostsConfig) {
    this.cfg = cfg;
    this.cidrs.addSubnet('127.0.0.0', 8, 'ipv4');
    this.cidrs.addSubnet('::1', 128, 'ipv6');
    for (const raw of cfg.insecureRegistries) {
      const entry = raw.replace(/^https?:\/\//, '').replace(/\/+$/, '');
      const slash = entry.indexOf('/');
      const ip = slash > 0 ? entry.slice(0, slash) : '';
      const fam = isIP(ip);
      if (fam !== 0) this.cidrs.addSubnet(ip, Number(entry.slice(slash + 1)), fam === 4 ? 'ipv4' : 'ipv6');
      else this.insecureNames.add(entry);
    }
  }

  /** Endpoints to try, in order. Mirrors serve pulls from Docker Hub only. */
  async endpoints(registry: string, purpose: 'pull' | 'push' = 'pull'): Promise<Endpoint[]> {
    const out: Endpoint[] = [];
    if (registry === DEFAULT_DOMAIN) {
      if (purpose === 'pull') {
        for (const m of this.cfg.mirrors) {
          const url = m.replace(/\/+$/, '');
          const host = new URL(url).host;
          const insecure = url.startsWith('http:') || (await this.isInsecure(host));
          out.push(await this.endpoint(url, registry, true, insecure));
        }
      }
      out.push(await this.endpoint(HUB_ENDPOINT, registry, false, false));
      return out;
    }
    const insecure = await this.isInsecure(registry);
    out.push(await this.endpoint(`https://${registry}`, registry, false, insecure));
    if (insecure) out.push(await this.endpoint(`http://${registry}`, registry, false, true));
    const pref = this.preferred.get(registry);
    if (pref) out.sort((a, b) => Number(b.url === pref) - Number(a.url === pref));
    return out;
  }

  /** Remembers the endpoint that worked, so the next request skips the ones that did not. */
  worked(ep: Endpoint): void {
    if (!ep.mirror) this.preferred.set(ep.registry, ep.url);
  }

  /** moby's isSecureIndex, inverted: configured names, then the host's addresses against the CIDRs. */
  async isInsecure(registry: string): Promise<boolean> {
    if (this.insecureNames.has(registry)) return true;
    const host = hostOf(registry);
    if (this.insecureNames.has(host)) return true;
    let addrs: string[];
    if (isIP(host)) addrs = [host];
    else {
      try {
        addrs = (await lookup(host, { all: true })).map((a) => a.address);
      } catch {
        return false; // unresolvable: assume secure, as dockerd does
      }
    }
    return addrs.some((a) => this.cidrs.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4'));
  }

  private async endpoint(url: string, registry: string, mirror: boolean, insecure: boolean): Promise<Endpoint> {
    const tls: TlsSettings = url.startsWith('https:') ? { ...(await this.certsFor(new URL(url).host)), skipVerify: insecure } : {};
    const key = `${url}|${insecure}`;
    let transport = this.transports.get(key);
    if (!transport) {
      transport = new Transport(tls);
      this.transports.set(key, transport);
    }
    return { url, registry, mirror, tls, transport };
  }

  private async certsFor(hostPort: string): Promise<TlsSettings> {
    for (const base of this.cfg.certsDirs) {
      const dir = join(base, hostPort.replace(/[/\\]/g, '_'));
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') continue;
        throw err;
      }
      const out: TlsSettings = { ca: [] };
      for (const n of names.sort()) {
        if (n.endsWith('.crt')) out.ca!.push(await readFile(join(dir, n)));
        else if (n.endsWith('.cert')) {
          const keyName = `${n.slice(0, -5)}.key`;
          if (!names.includes(keyName)) throw invalidParameter(`missing key ${keyName} for client certificate ${n}. CA certificates must use the extension .crt`);
          out.cert = await readFile(join(dir, n));
          out.key = await readFile(join(dir, keyName));
        } else if (n.endsWith('.key') && !names.includes(`${n.slice(0, -4)}.cert`)) {
          throw invalidParameter(`missing client certificate ${n.slice(0, -4)}.cert for key ${n}`);
        }
      }
      return out;
    }
    return {};
  }

  close(): void {
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
  }
}

/** "127.0.0.1:5000" → "127.0.0.1"; "[::1]:5000" → "::1". */
export function hostOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const i = registry.lastIndexOf(':');
  return i > 0 && !registry.slice(0, i).includes(':') ? registry.slice(0, i) : registry;
}
