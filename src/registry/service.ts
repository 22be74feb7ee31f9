// The daemon's distribution service: one RegistryHosts (endpoints, TLS, keep-alive transports)
// shared by pulls and logins. Push builds on the same hosts (registry/push*.ts).
import type { ImageService } from '../image/service.ts';
import type { Reference } from '../image/reference.ts';
import { type AuthConfig, RegistryHosts } from './client/index.ts';
import { type AuthResponse, login } from './login.ts';
import { type PullOptions, PullService } from './pull.ts';

export interface DistributionConfig {
  images: ImageService;
  insecureRegistries: readonly string[];
  mirrors: readonly string[];
  /** certs.d directories, searched in order (ours, then dockerd's /etc/docker/certs.d). */
  certsDirs: readonly string[];
  maxConcurrentDownloads: number;
}

export class DistributionService {
  readonly hosts: RegistryHosts;
  private readonly pulls: PullService;

  constructor(cfg: DistributionConfig) {
    this.hosts = new RegistryHosts({ insecureRegistries: cfg.insecureRegistries, mirrors: cfg.mirrors, certsDirs: cfg.certsDirs });
    this.pulls = new PullService({ images: cfg.images, hosts: this.hosts, maxConcurrentDownloads: cfg.maxConcurrentDownloads });
  }

  pull(ref: Reference, opts: PullOptions): Promise<void> {
    return this.pulls.pull(ref, opts);
  }

  login(auth: AuthConfig, signal?: AbortSignal): Promise<AuthResponse> {
    return login(this.hosts, auth, signal);
  }

  close(): void {
    this.hosts.close();
  }
}
