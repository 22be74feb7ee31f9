// The three files every container gets bind-mounted, as Docker writes them: /etc/hostname,
// /etc/hosts (localhost lines, then the container's own address and names) and
// /etc/resolv.conf (the host's, without loopback nameservers, which mean nothing inside
// another network namespace). They are derived state: written again on every start.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { hostname as hostHostname } from 'node:os';
import { join } from 'node:path';
import { errnoCode } from '../lib/errors.ts';

export const DEFAULT_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** Google's public resolvers: libnetwork's fallback when the host has no usable nameserver. */
const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

export interface HostsInput {
  hostname: string;
  domainname?: string;
  /** The container's own address, when it has one besides loopback. */
  ip?: string;
  /** Its addresses on several networks (one line each, as Docker adds one per endpoint). */
  ips?: string[];
  /** --add-host entries "name:ip" (or "name=ip"). */
  extraHosts?: string[];
}

export function hostsFile(h: HostsInput): string {
  const lines = [...DEFAULT_HOSTS];
  for (const e of h.extraHosts ?? []) {
    const m = /^([^:=]+)[:=](.+)$/.exec(e);
    if (m) lines.push(`${m[2]}\t${m[1]}`);
  }
  const names = h.domainname ? `${h.hostname}.${h.domainname} ${h.hostname}` : h.hostname;
  for (const ip of [...(h.ip ? [h.ip] : []), ...(h.ips ?? [])]) lines.push(`${ip}\t${names}`);
  return `${lines.join('\n')}\n`;
}

export interface ResolvInput {
  /** The host's resolv.conf text. */
  host: string;
  /** Keep loopback nameservers (host networking shares the host's loopback). */
  keepLoopback: boolean;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** The embedded DNS server's address (user-defined networks): the only nameserver. */
  embeddedDns?: string;
}

const isLoopback = (ns: string) => /^127\./.test(ns) || ns === '::1' || ns === '0:0:0:0:0:0:0:1';

/** libnetwork's resolvconf rules: host file filtered, --dns* flags replace their kind of line. */
export function resolvConf(r: ResolvInput): string {
  const other: string[] = [];
  let nameservers: string[] = [];
  let search: string[] | undefined;
  let options: string[] | undefined;
  for (const raw of r.host.split('\n')) {
    const line = raw.trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') search = rest;
    else if (key === 'options') options = [...(options ?? []), ...rest];
    else if (line.startsWith('#') || line.startsWith(';')) other.push(line);
  }
  if (!r.keepLoopback) nameservers = nameservers.filter((ns) => !isLoopback(ns));
  if (r.dns && r.dns.length > 0) nameservers = r.dns;
  if (nameservers.length === 0) nameservers = DEFAULT_NAMESERVERS;
  if (r.dnsSearch && r.dnsSearch.length > 0) search = r.dnsSearch.filter((s) => s !== '.');
  if (r.dnsOptions && r.dnsOptions.length > 0) options = r.dnsOptions;
  if (r.embeddedDns) {
    // Docker's resolv.conf behind its embedded server: ndots:0 unless the user chose ndots.
    nameservers = [r.embeddedDns];
    if (!(options ?? []).some((o) => o.startsWith('ndots:'))) options = [...(options ?? []), 'ndots:0'];
  }
  const out = [...other];
  for (const ns of nameservers) out.push(`nameserver ${ns}`);
  if (search && search.length > 0) out.push(`search ${search.join(' ')}`);
  if (options && options.length > 0) out.push(`options ${options.join(' ')}`);
  return `${out.join('\n')}\n`;
}

/** The host's resolv.conf; systemd-resolved's stub (127.0.0.53) is swapped for its upstream list, as Docker does. */
export async function hostResolvConf(): Promise<string> {
  const main = await readText('/etc/resolv.conf');
  if (/^\s*nameserver\s+127\.0\.0\.53\s*$/m.test(main)) {
    const upstream = await readText('/run/systemd/resolve/resolv.conf');
    if (upstream) return upstream;
  }
  return main;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return '';
    throw err;
  }
}

export interface EtcFilesInput {
  dir: string;
  hostname: string;
  domainname?: string;
  /** Host networking: the host's own hosts file and loopback resolvers. */
  hostNetwork: boolean;
  ip?: string;
  ips?: string[];
  extraHosts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  embeddedDns?: string;
  /** The host's resolv.conf text, when the caller has read it already. */
  hostResolv?: string;
}

export interface EtcPaths {
  hostnamePath: string;
  hostsPath: string;
  resolvConfPath: string;
}

/** Writes hostname, hosts and resolv.conf into the container's directory. */
export async function writeEtcFiles(f: EtcFilesInput): Promise<EtcPaths> {
  const paths = etcPaths(f.dir);
  const hostname = f.hostNetwork ? hostHostname() : f.hostname;
  let hosts: string;
  if (f.hostNetwork) {
    hosts = await readText('/etc/hosts');
    for (const e of f.extraHosts ?? []) {
      const m = /^([^:=]+)[:=](.+)$/.exec(e);
      if (m) hosts += `${m[2]}\t${m[1]}\n`;
    }
  } else {
    hosts = hostsFile({ hostname: f.hostname, ...opt('domainname', f.domainname), ...opt('ip', f.ip), ips: f.ips ?? [], extraHosts: f.extraHosts ?? [] });
  }
  const resolv = resolvConf({
    host: f.hostResolv ?? (await hostResolvConf()),
    ...opt('embeddedDns', f.embeddedDns),
    keepLoopback: f.hostNetwork,
    dns: f.dns ?? [],
    dnsSearch: f.dnsSearch ?? [],
    dnsOptions: f.dnsOptions ?? [],
  });
  await Promise.all([replace(paths.hostnamePath, `${hostname}\n`), replace(paths.hostsPath, hosts), replace(paths.resolvConfPath, resolv)]);
  return paths;
}

/**
 * Rewrites /etc/hosts of a running container (live connect/disconnect) in place: the file is
 * bind-mounted, so a rename would leave the container looking at the old one.
 */
export async function rewriteHosts(dir: string, h: HostsInput): Promise<void> {
  await writeFile(etcPaths(dir).hostsPath, hostsFile(h), { mode: 0o644 });
}

export function etcPaths(dir: string): EtcPaths {
  return { hostnamePath: join(dir, 'hostname'), hostsPath: join(dir, 'hosts'), resolvConfPath: join(dir, 'resolv.conf') };
}

/** Regenerable files: a rename keeps readers whole; no fsync, a crash rewrites them. */
async function replace(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, path);
}

function opt<K extends string>(key: K, v: string | undefined): { [P in K]?: string } {
  return (v ? { [key]: v } : {}) as { [P in K]?: string };
}
