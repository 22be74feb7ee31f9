// wharfd's configuration: dockerd-style flags plus daemon.json, with dockerd's rules — a
// directive given both ways is an error, unknown keys are an error — and Wharf's own:
// live-restore is on by default and tcp:// without TLS needs --insecure-tcp.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatHost, parseHost, plainTcpRefusal } from '../api/hosts.ts';
import { errnoCode, invalidParameter, messageOf } from '../lib/errors.ts';
import { isLogLevel, type LogLevel } from '../lib/log.ts';
import { DIRECTIVES, type Directive, flagName, flagSpecs } from './config-options.ts';
import { parseAddressPool, parseCidr, parseKeyValue, parseRuntimes, parseUlimits, type AddressPool, type RuntimeConfig, type Ulimit } from './config-values.ts';
import { type FlagValue, parseFlags } from './flags.ts';

export type { AddressPool, RuntimeConfig, Ulimit } from './config-values.ts';

export const DEFAULT_CONFIG_FILE = '/etc/wharf/daemon.json';
export const DEFAULT_DATA_ROOT = '/var/lib/wharf';
export const DEFAULT_EXEC_ROOT = '/run/wharf';
/** Runtimes wharfd knows by name; extra ones come from --add-runtime / "runtimes". */
export const BUILTIN_RUNTIMES = ['crun', 'runc'] as const;

export interface ProxyConfig {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

export interface DaemonConfig {
  /** What the command line asks for: run the daemon, or print help / version and quit. */
  action: 'run' | 'help' | 'version';
  configFile: string;
  /** Canonical listen addresses (unix:///run/wharf.sock, tcp://0.0.0.0:2376). */
  hosts: string[];
  tls: boolean;
  tlsVerify: boolean;
  tlsCaCert?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureTcp: boolean;
  dataRoot: string;
  execRoot: string;
  /** Default <exec-root>/wharfd.pid, so a second daemon with its own exec-root never clashes. */
  pidfile: string;
  group?: string;
  logLevel: LogLevel;
  debug: boolean;
  liveRestore: boolean;
  /** Unset: chosen at start-up from what is installed and works here (see info.ts). */
  defaultRuntime?: string;
  /**
   * Mount the controllers a hybrid host's cgroup2 hierarchy holds as v1 hierarchies at start-up,
   * so crun can run (cgroup-fix.ts). Off by default: it changes the host's cgroup layout.
   */
  cgroupHybridFix: boolean;
  /** Extra runtimes by name (crun and runc are built in). */
  runtimes: Record<string, RuntimeConfig>;
  insecureRegistries: string[];
  registryMirrors: string[];
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  /** Compression of the layer blobs push makes (zstd only when asked: an OCI manifest then). */
  pushCompression: 'gzip' | 'zstd';
  bip?: string;
  bridge?: string;
  defaultAddressPools: AddressPool[];
  /** Prefix of this daemon's firewall chains and bridge marks (default "WHARF"). */
  fwPrefix?: string;
  /** What "host-gateway" in --add-host stands for (default: the default bridge's gateway). */
  hostGatewayIp?: string;
  // Kept for the services that will implement them (dockerd semantics).
  logDriver?: string;
  logOpts?: Record<string, string>;
  labels?: string[];
  dns?: string[];
  dnsOpts?: string[];
  dnsSearch?: string[];
  mtu?: number;
  ip?: string;
  iptables?: boolean;
  ipForward?: boolean;
  ipMasq?: boolean;
  icc?: boolean;
  ipv6?: boolean;
  fixedCidr?: string;
  userlandProxy?: boolean;
  defaultUlimits?: Record<string, Ulimit>;
  shutdownTimeout?: number;
  storageDriver?: string;
  defaultShmSize?: string;
  init?: boolean;
  noNewPrivileges?: boolean;
  seccompProfile?: string;
  maxDownloadAttempts?: number;
  execOpts?: string[];
  cgroupParent?: string;
  features?: Record<string, boolean>;
  proxies?: ProxyConfig;
}

export { helpText } from './config-options.ts';

/** A directive's value and where it came from (flag and file forms differ for some). */
type Given = { from: 'flag'; value: FlagValue } | { from: 'file'; value: unknown };

/**
 * Parses argv (without "node" and the script) and the config file into a DaemonConfig.
 * Throws InvalidParameter with a message fit to print as-is.
 */
export async function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<DaemonConfig> {
  const { values, positionals } = parseFlags(argv, flagSpecs());
  if (positionals.length > 0) throw invalidParameter(`wharfd takes no arguments, got "${positionals[0]}" (see wharfd --help)`);
  const explicitFile = values.get('config-file');
  const configFile = typeof explicitFile === 'string' ? resolve(explicitFile) : DEFAULT_CONFIG_FILE;
  if (values.get('help') === true) return build(new Map(), configFile, env, 'help');
  if (values.get('version') === true) return build(new Map(), configFile, env, 'version');

  const fromFlags = new Map<string, FlagValue>();
  for (const d of DIRECTIVES) {
    const v = values.get(flagName(d));
    if (v !== undefined) fromFlags.set(d.key, v);
  }
  const fromFile = await readConfigFile(configFile, explicitFile !== undefined);
  checkFile(fromFile, configFile);
  checkConflicts(fromFlags, fromFile);

  const given = new Map<string, Given>();
  for (const [k, value] of fromFile) given.set(k, { from: 'file', value });
  for (const [k, value] of fromFlags) given.set(k, { from: 'flag', value });
  return build(given, configFile, env, 'run');
}

async function readConfigFile(path: string, explicit: boolean): Promise<Map<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' && !explicit) return new Map();
    throw invalidParameter(`unable to configure the Wharf daemon with file ${path}: ${messageOf(err)}`);
  }
  if (text.trim() === '') return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalidParameter(`unable to configure the Wharf daemon with file ${path}: ${messageOf(err)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidParameter(`unable to configure the Wharf daemon with file ${path}: the file must hold a JSON object`);
  }
  return new Map(Object.entries(parsed));
}

const BY_KEY = new Map<string, Directive>(DIRECTIVES.map((d) => [d.key, d]));

function checkFile(file: Map<string, unknown>, path: string): void {
  const unknown = [...file.keys()].filter((k) => !BY_KEY.has(k)).sort();
  if (unknown.length > 0) {
    throw invalidParameter(`the following directives don't match any configuration option: ${unknown.join(', ')}`);
  }
  for (const [key, value] of file) {
    const kind = BY_KEY.get(key)?.fileKind;
    const ok =
      kind === 'bool' ? typeof value === 'boolean'
      : kind === 'string' ? typeof value === 'string'
      : kind === 'int' ? Number.isSafeInteger(value)
      : kind === 'strings' ? Array.isArray(value) && value.every((v) => typeof v === 'string')
      : kind === 'array' ? Array.isArray(value)
      : value !== null && typeof value === 'object' && !Array.isArray(value);
    if (!ok) throw invalidParameter(`invalid value for "${key}" in ${path}: expected ${describeKind(kind)}`);
  }
}

function describeKind(kind: string | undefined): string {
  return (
    { bool: 'true or false', string: 'a string', int: 'an integer', strings: 'a list of strings', array: 'a list', object: 'an object' }[
      kind ?? ''
    ] ?? 'another type'
  );
}

function checkConflicts(flags: Map<string, FlagValue>, file: Map<string, unknown>): void {
  const conflicts: string[] = [];
  for (const [key, fv] of flags) {
    if (file.has(key)) conflicts.push(`${key}: (from flag: ${show(fv)}, from file: ${show(file.get(key))})`);
  }
  if (conflicts.length > 0) {
    throw invalidParameter(`the following directives are specified both as a flag and in the configuration file: ${conflicts.join(', ')}`);
  }
}

/** Values printed the way dockerd prints them in conflict messages ([a b] for lists). */
function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ')}]`;
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function build(given: Map<string, Given>, configFile: string, env: NodeJS.ProcessEnv, action: DaemonConfig['action']): DaemonConfig {
  const raw = (k: string) => given.get(k)?.value;
  const str = (k: string) => (typeof raw(k) === 'string' ? (raw(k) as string) : undefined);
  const bool = (k: string) => (typeof raw(k) === 'boolean' ? (raw(k) as boolean) : undefined);
  const int = (k: string) => (typeof raw(k) === 'number' ? (raw(k) as number) : undefined);
  const list = (k: string) => (Array.isArray(raw(k)) ? (raw(k) as string[]) : undefined);

  if (bool('experimental') === true) throw invalidParameter('experimental features are not available in wharfd');
  const debug = bool('debug') ?? false;
  const level = str('log-level') ?? 'info';
  if (!isLogLevel(level)) throw invalidParameter(`invalid log level "${level}": use one of debug, info, warn, error, fatal`);

  const tlsVerify = bool('tlsverify') ?? false;
  const tls = tlsVerify || (bool('tls') ?? false);
  const insecureTcp = bool('insecure-tcp') ?? false;
  const hosts: string[] = [];
  for (const h of list('hosts') ?? []) {
    const addr = parseHost(h, tls);
    const text = formatHost(addr);
    if (addr.proto === 'tcp' && !tls && !insecureTcp) throw invalidParameter(plainTcpRefusal(text));
    if (!hosts.includes(text)) hosts.push(text);
  }
  if (hosts.length === 0) hosts.push(formatHost(parseHost('', tls)));

  const execRoot = resolve(str('exec-root') ?? DEFAULT_EXEC_ROOT);
  const certDir = env['DOCKER_CERT_PATH'] || join(homedir(), '.docker');
  const cfg: DaemonConfig = {
    action,
    configFile,
    hosts,
    tls,
    tlsVerify,
    insecureTcp,
    dataRoot: resolve(str('data-root') ?? DEFAULT_DATA_ROOT),
    execRoot,
    pidfile: resolve(str('pidfile') ?? join(execRoot, 'wharfd.pid')),
    logLevel: debug ? 'debug' : level,
    debug,
    liveRestore: bool('live-restore') ?? true,
    cgroupHybridFix: bool('cgroup-hybrid-fix') ?? false,
    runtimes: parseRuntimes(given.get('runtimes')?.value, BUILTIN_RUNTIMES),
    insecureRegistries: list('insecure-registries') ?? [],
    registryMirrors: (list('registry-mirrors') ?? []).map(normalizeMirror),
    maxConcurrentDownloads: atLeastOne('max-concurrent-downloads', int('max-concurrent-downloads') ?? 3),
    maxConcurrentUploads: atLeastOne('max-concurrent-uploads', int('max-concurrent-uploads') ?? 5),
    pushCompression: pushCompression(str('push-compression')),
    defaultAddressPools: parsePools(given.get('default-address-pools')),
  };
  if (tls) {
    cfg.tlsCert = resolve(str('tlscert') ?? join(certDir, 'cert.pem'));
    cfg.tlsKey = resolve(str('tlskey') ?? join(certDir, 'key.pem'));
    cfg.tlsCaCert = resolve(str('tlscacert') ?? join(certDir, 'ca.pem'));
  }
  const group = str('group');
  if (group !== undefined && group !== '') cfg.group = group;
  const defaultRuntime = str('default-runtime');
  if (defaultRuntime !== undefined) {
    if (!(BUILTIN_RUNTIMES as readonly string[]).includes(defaultRuntime) && !(defaultRuntime in cfg.runtimes)) {
      throw invalidParameter(`default runtime "${defaultRuntime}" is unknown: use crun, runc or a runtime added with --add-runtime`);
    }
    cfg.defaultRuntime = defaultRuntime;
  }
  const bip = str('bip');
  if (bip !== undefined) cfg.bip = parseCidr(bip, 'bip');
  const bridge = str('bridge');
  if (bridge !== undefined) cfg.bridge = bridge;
  if (cfg.bip !== undefined && cfg.bridge !== undefined) {
    throw invalidParameter('you specified both "bridge" and "bip"; a bip only applies to the default bridge wharfd creates');
  }
  addLater(cfg, given);
  return cfg;
}

function atLeastOne(key: string, n: number): number {
  if (n < 1) throw invalidParameter(`invalid ${key}: ${n} (must be at least 1)`);
  return n;
}

/** dockerd's ValidateMirror: an http(s) URL without path, kept with a trailing slash. */
function normalizeMirror(m: string): string {
  let url: URL;
  try {
    url = new URL(m);
  } catch {
    throw invalidParameter(`invalid mirror: "${m}" is not a valid URI`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidParameter(`invalid mirror: unsupported scheme "${url.protocol.replace(':', '')}" in "${m}"`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw invalidParameter(`invalid mirror: path, query, or fragment at end of the URI "${m}"`);
  }
  return `${url.protocol}//${url.host}/`;
}

function parsePools(g: Given | undefined): AddressPool[] {
  return g ? (g.value as unknown[]).map((p) => parseAddressPool(p)) : [];
}

function addLater(cfg: DaemonConfig, given: Map<string, Given>): void {
  const v = (k: string) => given.get(k)?.value;
  const strings: [string, 'logDriver' | 'ip' | 'fixedCidr' | 'storageDriver' | 'defaultShmSize' | 'seccompProfile' | 'cgroupParent' | 'fwPrefix' | 'hostGatewayIp'][] = [
    ['log-driver', 'logDriver'],
    ['ip', 'ip'],
    ['fixed-cidr', 'fixedCidr'],
    ['fw-prefix', 'fwPrefix'],
    ['host-gateway-ip', 'hostGatewayIp'],
    ['storage-driver', 'storageDriver'],
    ['default-shm-size', 'defaultShmSize'],
    ['seccomp-profile', 'seccompProfile'],
    ['cgroup-parent', 'cgroupParent'],
  ];
  for (const [k, f] of strings) if (typeof v(k) === 'string') cfg[f] = v(k) as string;
  checkNetworkValues(cfg);
  const bools: [string, 'iptables' | 'ipForward' | 'ipMasq' | 'icc' | 'ipv6' | 'userlandProxy' | 'init' | 'noNewPrivileges'][] = [
    ['iptables', 'iptables'],
    ['ip-forward', 'ipForward'],
    ['ip-masq', 'ipMasq'],
    ['icc', 'icc'],
    ['ipv6', 'ipv6'],
    ['userland-proxy', 'userlandProxy'],
    ['init', 'init'],
    ['no-new-privileges', 'noNewPrivileges'],
  ];
  for (const [k, f] of bools) if (typeof v(k) === 'boolean') cfg[f] = v(k) as boolean;
  const ints: [string, 'mtu' | 'shutdownTimeout' | 'maxDownloadAttempts'][] = [
    ['mtu', 'mtu'],
    ['shutdown-timeout', 'shutdownTimeout'],
    ['max-download-attempts', 'maxDownloadAttempts'],
  ];
  for (const [k, f] of ints) if (typeof v(k) === 'number') cfg[f] = v(k) as number;
  const lists: [string, 'labels' | 'dns' | 'dnsOpts' | 'dnsSearch' | 'execOpts'][] = [
    ['labels', 'labels'],
    ['dns', 'dns'],
    ['dns-opts', 'dnsOpts'],
    ['dns-search', 'dnsSearch'],
    ['exec-opts', 'execOpts'],
  ];
  for (const [k, f] of lists) if (Array.isArray(v(k))) cfg[f] = [...(v(k) as string[])];
  const logOpts = given.get('log-opts');
  if (logOpts) cfg.logOpts = parseKeyValue(logOpts.value, 'log-opts');
  const ulimits = given.get('default-ulimits');
  if (ulimits) cfg.defaultUlimits = parseUlimits(ulimits.value);
  const features = v('features');
  if (features !== undefined) {
    const out: Record<string, boolean> = {};
    for (const [name, on] of Object.entries(features as object)) {
      if (typeof on !== 'boolean') throw invalidParameter(`invalid value for features.${name}: expected true or false`);
      out[name] = on;
    }
    cfg.features = out;
  }
  const proxies = v('proxies');
  if (proxies !== undefined) cfg.proxies = parseProxies(proxies as Record<string, unknown>);
}

/** dockerd's checks of the network directives, so a typo stops start-up with a clear reason. */
function checkNetworkValues(cfg: DaemonConfig): void {
  for (const [key, value] of [['ip', cfg.ip], ['host-gateway-ip', cfg.hostGatewayIp]] as const) {
    if (value !== undefined && isIP(value) === 0) throw invalidParameter(`invalid ${key}: "${value}" is not an IP address`);
  }
  if (cfg.fixedCidr !== undefined) parseCidr(cfg.fixedCidr, 'fixed-cidr');
  // Chain names "<prefix>-ISOLATION-1" must fit iptables' 28 characters.
  if (cfg.fwPrefix !== undefined && !(/^[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*$/.test(cfg.fwPrefix) && cfg.fwPrefix.length <= 16)) {
    throw invalidParameter(`invalid fw-prefix "${cfg.fwPrefix}": letters, digits, '_' and '-', at most 16 characters`);
  }
}

function parseProxies(p: Record<string, unknown>): ProxyConfig {
  const out: ProxyConfig = {};
  const names: Record<string, keyof ProxyConfig> = { 'http-proxy': 'httpProxy', 'https-proxy': 'httpsProxy', 'no-proxy': 'noProxy' };
  for (const [k, val] of Object.entries(p)) {
    const field = names[k];
    if (!field) throw invalidParameter(`the following directives don't match any configuration option: proxies.${k}`);
    if (typeof val !== 'string') throw invalidParameter(`invalid value for proxies.${k}: expected a string`);
    out[field] = val;
  }
  return out;
}

function pushCompression(v: string | undefined): 'gzip' | 'zstd' {
  if (v === undefined || v === 'gzip' || v === 'zstd') return v ?? 'gzip';
  throw invalidParameter(`invalid push-compression "${v}": gzip or zstd`);
}
