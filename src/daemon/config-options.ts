// The directives wharfd understands, each usable as a daemon.json key and (mostly) as a
// dockerd-style flag. One table drives flag parsing, daemon.json validation, the
// flag/file conflict check and --help.
import type { FlagKind, FlagSpec } from './flags.ts';

/** The JSON type a directive must have in daemon.json. */
export type FileKind = 'bool' | 'string' | 'int' | 'strings' | 'object' | 'array';

export interface Directive {
  /** The daemon.json key; also the flag name unless `flag` says otherwise. */
  key: string;
  fileKind: FileKind;
  /** The flag's kind; absent for file-only directives. */
  flagKind?: FlagKind;
  flag?: string;
  short?: string;
  arg?: string;
  help: string;
  /** Parsed and kept for the services that will use it; not acted on by wharfd yet. */
  later?: true;
}

export const DIRECTIVES: readonly Directive[] = [
  { key: 'hosts', flag: 'host', short: 'H', fileKind: 'strings', flagKind: 'list', arg: 'list', help: 'Daemon socket(s) to listen on (default unix:///run/wharf.sock)' },
  { key: 'tls', fileKind: 'bool', flagKind: 'bool', help: 'Serve TCP hosts over TLS; implied by --tlsverify' },
  { key: 'tlsverify', fileKind: 'bool', flagKind: 'bool', help: 'Use TLS and require client certificates signed by --tlscacert' },
  { key: 'tlscacert', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Trust client certificates signed by this CA (default ~/.docker/ca.pem)' },
  { key: 'tlscert', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Path to the TLS certificate file (default ~/.docker/cert.pem)' },
  { key: 'tlskey', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Path to the TLS key file (default ~/.docker/key.pem)' },
  { key: 'insecure-tcp', fileKind: 'bool', flagKind: 'bool', help: 'Allow tcp:// hosts without TLS (anyone reaching the port is root here)' },
  { key: 'data-root', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Root directory of persistent state (default /var/lib/wharf)' },
  { key: 'exec-root', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Root directory for execution state files (default /run/wharf)' },
  { key: 'pidfile', short: 'p', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Path to use for the daemon PID file (default <exec-root>/wharfd.pid)' },
  { key: 'group', short: 'G', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Group owning the unix socket(s), mode 0660 (default root)' },
  { key: 'log-level', short: 'l', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Logging level: debug, info, warn, error, fatal (default info)' },
  { key: 'debug', short: 'D', fileKind: 'bool', flagKind: 'bool', help: 'Enable debug mode' },
  { key: 'live-restore', fileKind: 'bool', flagKind: 'bool', help: 'Keep containers running while the daemon is down (default true)' },
  { key: 'default-runtime', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Default OCI runtime for containers (crun or runc; detected when unset)' },
  // Changes the host's cgroup layout for every engine on it, so never done unasked (cgroup-fix.ts).
  { key: 'cgroup-hybrid-fix', fileKind: 'bool', flagKind: 'bool', help: 'On hybrid cgroups, mount the controllers cgroup2 holds as v1 hierarchies so crun works (changes the host; else runc is used)' },
  { key: 'runtimes', flag: 'add-runtime', fileKind: 'object', flagKind: 'list', arg: 'name=path', help: 'Register an additional OCI compatible runtime' },
  { key: 'insecure-registries', flag: 'insecure-registry', fileKind: 'strings', flagKind: 'list', arg: 'list', help: 'Registries (host:port or CIDR) to reach without TLS verification' },
  { key: 'registry-mirrors', flag: 'registry-mirror', fileKind: 'strings', flagKind: 'list', arg: 'list', help: 'Preferred Docker Hub mirrors' },
  { key: 'max-concurrent-downloads', fileKind: 'int', flagKind: 'int', arg: 'int', help: 'Max concurrent layer downloads per pull (default 3)' },
  { key: 'max-concurrent-uploads', fileKind: 'int', flagKind: 'int', arg: 'int', help: 'Max concurrent layer uploads per push (default 5)' },
  { key: 'push-compression', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Compression of the layer blobs push makes: gzip (default) or zstd (pushed as OCI manifests)' },
  { key: 'bip', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'IP address and prefix of the default bridge (e.g. 172.17.0.1/16)' },
  { key: 'bridge', short: 'b', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Name of the default bridge, made if missing (default wharf0; "none" disables it)' },
  { key: 'default-address-pools', flag: 'default-address-pool', fileKind: 'array', flagKind: 'list', arg: 'base=CIDR,size=N', help: 'Address pools for new networks' },
  // Several wharfd on one host (tests, side-by-side runs) each need their own chains and bridges.
  { key: 'fw-prefix', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Prefix of the firewall chains and bridge marks of this wharfd (default WHARF)' },
  { key: 'host-gateway-ip', fileKind: 'string', flagKind: 'string', arg: 'ip', help: 'IP address "host-gateway" stands for in --add-host (default: the default bridge\'s address)' },
  // Accepted and kept, for the issues that will implement them (dockerd meaning).
  { key: 'log-driver', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Default log driver for containers', later: true },
  { key: 'log-opts', flag: 'log-opt', fileKind: 'object', flagKind: 'list', arg: 'key=value', help: 'Default log driver options', later: true },
  { key: 'labels', flag: 'label', fileKind: 'strings', flagKind: 'list', arg: 'list', help: 'Labels for the daemon', later: true },
  { key: 'dns', fileKind: 'strings', flagKind: 'list', arg: 'list', help: 'DNS servers for containers (and upstreams of the embedded DNS)' },
  { key: 'dns-opts', flag: 'dns-opt', fileKind: 'strings', flagKind: 'list', arg: 'list', help: 'DNS options for containers' },
  { key: 'dns-search', fileKind: 'strings', flagKind: 'list', arg: 'list', help: 'DNS search domains for containers' },
  { key: 'mtu', fileKind: 'int', flagKind: 'int', arg: 'int', help: 'MTU of the default bridge (default 1500)' },
  { key: 'ip', fileKind: 'string', flagKind: 'string', arg: 'ip', help: 'Default host IP for published ports (default 0.0.0.0)' },
  { key: 'iptables', fileKind: 'bool', flagKind: 'bool', help: 'Write firewall rules for networks and published ports (default true)' },
  { key: 'ip-forward', fileKind: 'bool', flagKind: 'bool', help: 'Enable IP forwarding (default true)', later: true },
  { key: 'ip-masq', fileKind: 'bool', flagKind: 'bool', help: 'Masquerade the default bridge\'s outbound traffic (default true)' },
  { key: 'icc', fileKind: 'bool', flagKind: 'bool', help: 'Allow traffic between containers on the default bridge (default true)' },
  { key: 'ipv6', fileKind: 'bool', flagKind: 'bool', help: 'Enable IPv6 on the default bridge', later: true },
  { key: 'fixed-cidr', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'IPv4 range of the default bridge\'s container addresses' },
  { key: 'userland-proxy', fileKind: 'bool', flagKind: 'bool', help: 'Use a userland proxy for loopback traffic (default true)', later: true },
  { key: 'default-ulimits', flag: 'default-ulimit', fileKind: 'object', flagKind: 'list', arg: 'name=soft[:hard]', help: 'Default ulimits for containers', later: true },
  { key: 'shutdown-timeout', fileKind: 'int', flagKind: 'int', arg: 'int', help: 'Seconds to wait for containers on shutdown (default 15)', later: true },
  { key: 'storage-driver', short: 's', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Storage driver to use', later: true },
  { key: 'default-shm-size', fileKind: 'string', flagKind: 'string', arg: 'bytes', help: 'Default /dev/shm size for containers (default 64MiB)', later: true },
  { key: 'init', fileKind: 'bool', flagKind: 'bool', help: 'Run an init inside containers by default', later: true },
  { key: 'no-new-privileges', fileKind: 'bool', flagKind: 'bool', help: 'Set no-new-privileges by default for new containers', later: true },
  { key: 'seccomp-profile', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Path to the default seccomp profile', later: true },
  { key: 'max-download-attempts', fileKind: 'int', flagKind: 'int', arg: 'int', help: 'Max download attempts per layer (default 5)', later: true },
  { key: 'exec-opts', flag: 'exec-opt', fileKind: 'strings', flagKind: 'list', arg: 'list', help: 'Runtime execution options', later: true },
  { key: 'cgroup-parent', fileKind: 'string', flagKind: 'string', arg: 'string', help: 'Parent cgroup for all containers', later: true },
  { key: 'features', fileKind: 'object', help: 'Feature switches', later: true },
  { key: 'proxies', fileKind: 'object', help: 'http-proxy, https-proxy and no-proxy for registry access', later: true },
  { key: 'experimental', fileKind: 'bool', flagKind: 'bool', help: 'Experimental features (not available in wharfd; must stay false)' },
];

/** Flags that are not directives: they steer the command itself. */
export const COMMAND_FLAGS: readonly FlagSpec[] = [
  { name: 'config-file', kind: 'string' },
  { name: 'help', short: 'h', kind: 'bool' },
  { name: 'version', short: 'v', kind: 'bool' },
];

export function flagName(d: Directive): string {
  return d.flag ?? d.key;
}

export function flagSpecs(): FlagSpec[] {
  const specs: FlagSpec[] = [...COMMAND_FLAGS];
  for (const d of DIRECTIVES) {
    if (!d.flagKind) continue;
    specs.push(d.short ? { name: flagName(d), short: d.short, kind: d.flagKind } : { name: flagName(d), kind: d.flagKind });
  }
  return specs;
}

export function helpText(): string {
  const rows: [string, string][] = [['    --config-file string', 'Daemon configuration file (default /etc/wharf/daemon.json)']];
  for (const d of DIRECTIVES) {
    if (!d.flagKind) continue;
    const short = d.short ? `-${d.short}, ` : '    ';
    rows.push([`${short}--${flagName(d)}${d.arg ? ` ${d.arg}` : ''}`, d.help + (d.later ? ' [kept for later use]' : '')]);
  }
  rows.push(['-h, --help', 'Print usage'], ['-v, --version', 'Print version information and quit']);
  const width = Math.max(...rows.map(([f]) => f.length)) + 3;
  const lines = rows.map(([f, h]) => `  ${f.padEnd(width)}${h}`);
  return `Usage:\twharfd [OPTIONS]\n\nA self-sufficient runtime for containers, Docker-compatible.\n\nOptions:\n${lines.join('\n')}\n`;
}
