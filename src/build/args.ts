// Build arguments as the classic builder and BuildKit scope them: `--build-arg` values, the
// ARGs declared before the first FROM (usable in FROM lines, and in a stage once re-declared),
// each stage's own ARGs, the proxy variables usable without a declaration (and kept out of
// the history), and BuildKit's platform arguments (TARGETARCH...) with this host's values.
import { HOST_ARCH } from '../container/create.ts';

/** Usable without an ARG line; never recorded in the image's history. */
export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

/** BuildKit's automatic platform arguments (builds here are native: build = target). */
export function platformArgs(platform?: string): Map<string, string> {
  const [os = 'linux', arch = HOST_ARCH, variant = ''] = (platform ?? '').split('/').filter(Boolean);
  const target = `${os}/${arch}${variant ? `/${variant}` : ''}`;
  const build = `linux/${HOST_ARCH}`;
  return new Map([
    ['TARGETPLATFORM', target],
    ['TARGETOS', os],
    ['TARGETARCH', arch],
    ['TARGETVARIANT', variant],
    ['BUILDPLATFORM', build],
    ['BUILDOS', 'linux'],
    ['BUILDARCH', HOST_ARCH],
    ['BUILDVARIANT', ''],
  ]);
}

export class BuildArgs {
  /** --build-arg values (null: take it from the environment of the client, i.e. unset here). */
  private readonly given: Map<string, string>;
  private readonly platform: Map<string, string>;
  /** Meta ARGs (before the first FROM) with their values. */
  readonly meta = new Map<string, string | undefined>();
  /** Names a declaration used: the rest are reported as not consumed. */
  private readonly consumed = new Set<string>();

  constructor(given: Record<string, string | null>, platform?: string) {
    this.given = new Map(Object.entries(given).filter((e): e is [string, string] => e[1] !== null));
    this.platform = platformArgs(platform);
  }

  /** Declares a meta ARG; `expanded` is its default after substitution. */
  declareMeta(name: string, expanded: string | undefined): void {
    this.meta.set(name, this.valueOf(name, expanded));
  }

  /** What FROM lines see: meta ARGs plus the platform arguments. */
  metaEnv(): Map<string, string> {
    const env = new Map(this.platform);
    for (const [k, v] of this.meta) if (v !== undefined) env.set(k, v);
    return env;
  }

  /** The value a stage's `ARG name[=default]` takes. */
  stageValue(name: string, expandedDefault: string | undefined): string | undefined {
    const v = this.valueOf(name, expandedDefault);
    if (v !== undefined) return v;
    if (this.meta.has(name)) return this.meta.get(name);
    return this.platform.get(name);
  }

  /** Proxy variables given with --build-arg: in every RUN's environment without a declaration. */
  proxyEnv(): string[] {
    return PROXY_ARGS.filter((k) => this.given.has(k)).map((k) => `${k}=${this.given.get(k)}`);
  }

  /** The --build-arg names no ARG declared (Docker warns about them). */
  unconsumed(): string[] {
    return [...this.given.keys()].filter((k) => !this.consumed.has(k) && !PROXY_ARGS.includes(k)).sort();
  }

  private valueOf(name: string, fallback: string | undefined): string | undefined {
    if (this.given.has(name)) {
      this.consumed.add(name);
      return this.given.get(name);
    }
    return fallback;
  }
}
