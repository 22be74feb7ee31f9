// POST /containers/create: the image's defaults applied, every setting checked, an rw
// snapshot prepared over the image's top layer, the container directory made, and the record
// written in one transaction. Whatever fails leaves nothing behind.
import { mkdir, rm } from 'node:fs/promises';
import { hostname as hostHostname } from 'node:os';
import { dirname } from 'node:path';
import { randomId } from '../lib/fsutil.ts';
import { nowRfc3339Nano } from '../lib/gotime.ts';
import { invalidParameter, notFound } from '../lib/errors.ts';
import { log } from '../lib/log.ts';
import { tx } from '../store/db.ts';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, parseSecurityOpt } from '../runtime/spec/index.ts';
import { parseNetworkMode } from '../network/mode.ts';
import { portRequests } from '../network/ports.ts';
import { commandLine, mergeImageConfig, validateConfig } from './config.ts';
import { checkHostConfig } from './hostconfig.ts';
import { initialState, type ContainerRecord } from './model.ts';
import { normalizeName, randomName } from './names.ts';
import { nameConflict } from './records.ts';
import { mountRootfs, unmountRootfs } from './rootfs.ts';
import { fillVolumes, type MountResolveDeps, resolveMounts, undoCreated } from '../volume/mounts.ts';
import type { ContainerService } from './service.ts';
import type { ContainerConfig, ContainerCreateBody, ContainerCreateResponse, HostConfig } from './types.ts';

export interface CreateOptions {
  name?: string;
  /** "os/arch[/variant]" from the query (API 1.41+). */
  platform?: string;
  /** API 1.44+: NetworkingConfig may name several networks. */
  multipleNetworks?: boolean;
}

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
export const HOST_ARCH = GOARCH[process.arch] ?? process.arch;

export async function createContainer(svc: ContainerService, body: ContainerCreateBody, opts: CreateOptions): Promise<ContainerCreateResponse> {
  const { HostConfig: hostConfigIn, NetworkingConfig: _net, Platform: _p, ...userConfig } = body;
  const warnings: string[] = [];
  if (!userConfig.Image) throw invalidParameter('No image was specified');
  const hostConfig: HostConfig = structuredClone(hostConfigIn ?? {});
  const img = svc.deps.images.resolve(userConfig.Image);
  const imageConfig = await svc.deps.images.config(img.id);
  checkPlatform(opts.platform, userConfig.Image, imageConfig.os, imageConfig.architecture, imageConfig.variant);

  const config: ContainerConfig = mergeImageConfig(userConfig, imageConfig.config);
  validateConfig(config);
  const { path, args } = commandLine(config);
  warnings.push(...checkHostConfig(hostConfig, svc.deps.caps));
  parseSecurityOpt((hostConfig.SecurityOpt ?? []).filter((o) => !o.startsWith('systempaths=')));
  if (!hostConfig.LogConfig?.Type || hostConfig.LogConfig.Type === '') {
    hostConfig.LogConfig = { Type: svc.deps.defaults.logDriver, Config: { ...svc.deps.defaults.logOpts } };
  }
  hostConfig.Runtime = hostConfig.Runtime || svc.deps.defaultRuntime;
  // Docker records the default masks in the container (inspect shows them; privileged has none).
  if (!hostConfig.Privileged && !(hostConfig.SecurityOpt ?? []).includes('systempaths=unconfined')) {
    hostConfig.MaskedPaths ??= [...DEFAULT_MASKED_PATHS];
    hostConfig.ReadonlyPaths ??= [...DEFAULT_READONLY_PATHS];
  }
  svc.runtimeBinary(hostConfig.Runtime); // "Unknown runtime specified x"

  const net = parseNetworkMode(hostConfig.NetworkMode);
  const publishes = Object.keys(hostConfig.PortBindings ?? {}).length > 0 || (hostConfig.PublishAllPorts ?? false);
  if (net.mode.kind === 'container') {
    // runconfig's ErrConflict* checks: the namespace is another container's.
    if (config.Hostname) throw invalidParameter('conflicting options: hostname and the network mode');
    if ((hostConfig.Dns ?? []).length > 0) throw invalidParameter('conflicting options: dns and the network mode');
    if ((hostConfig.ExtraHosts ?? []).length > 0) throw invalidParameter('conflicting options: custom host-to-IP mapping and the network mode');
    if (publishes) throw invalidParameter('conflicting options: port publishing and the container type network mode');
    if (config.MacAddress) throw invalidParameter('conflicting options: mac-address and the network mode');
    // As dockerd: an unknown peer fails the start, not the create (a 404 at create makes the
    // docker CLI try to pull the image).
    const peer = svc.records.find(net.mode.ref);
    hostConfig.NetworkMode = `container:${peer?.id ?? net.mode.ref}`;
  } else {
    hostConfig.NetworkMode = net.display;
  }
  if (net.mode.kind === 'host' && publishes) warnings.push('Published ports are discarded when using host network mode');
  portRequests(hostConfig.PortBindings, config.ExposedPorts, false); // malformed ports fail here, not at start
  const networks = svc.deps.network.plan(hostConfig.NetworkMode, body.NetworkingConfig?.EndpointsConfig, opts.multipleNetworks ?? true);
  // Config.MacAddress (deprecated in 1.44) belongs to the primary endpoint.
  if (config.MacAddress && networks[0] && !networks[0].config.MacAddress) networks[0].config.MacAddress = config.MacAddress;
  if (hostConfig.PidMode?.startsWith('container:')) svc.records.resolve(hostConfig.PidMode.slice(10));
  if (hostConfig.IpcMode?.startsWith('container:')) svc.records.resolve(hostConfig.IpcMode.slice(10));

  const id = randomId();
  if (!config.Hostname) config.Hostname = net.mode.kind === 'host' ? hostHostname() : id.slice(0, 12);
  config.Image = userConfig.Image;
  const name = opts.name ? normalizeName(opts.name) : uniqueRandomName(svc);
  const taken = svc.records.idByName(name);
  if (taken) throw nameConflict(name, taken);

  const rec: ContainerRecord = {
    id,
    name,
    created: nowRfc3339Nano(),
    image: userConfig.Image,
    imageId: img.id,
    path,
    args,
    config,
    hostConfig,
    state: initialState(),
    restartCount: 0,
    hasBeenStarted: false,
    manuallyStopped: false,
    snapshotKey: id,
    layer: img.top_layer,
    runtime: hostConfig.Runtime,
    networkMode: hostConfig.NetworkMode ?? 'none',
    platform: 'linux',
    mountPoints: [],
  };
  if (config.Healthcheck && (config.Healthcheck.Test ?? [])[0] !== 'NONE' && (config.Healthcheck.Test ?? []).length > 0) {
    rec.state.Health = { Status: 'starting', FailingStreak: 0, Log: [] };
  }

  const dir = svc.containerDir(id);
  await mkdir(dir, { recursive: true, mode: 0o710 });
  let prepared = false;
  try {
    // Under the volume lock: volume rm and prune see either no container or one that references its volumes.
    await svc.deps.volumes.lock.run(async () => {
      const mounts = resolveMounts(mountResolveDeps(svc), hostConfig, config.Volumes);
      rec.mountPoints = mounts.mountPoints;
      try {
        // Under the image lock: rmi and GC see either no container or one that holds its layers.
        await svc.deps.images.lock.run(async () => {
          if (!svc.deps.images.records.get(img.id)) throw notFound(`No such image: ${userConfig.Image}`);
          await svc.deps.snapshotter.prepare(rec.snapshotKey, rec.layer ?? undefined);
          prepared = true;
          if (mounts.copies.length > 0) {
            const rootfs = await mountRootfs(svc, rec);
            try {
              await fillVolumes(svc.deps.volumes, svc.deps.sys, rootfs, mounts.copies, id);
            } finally {
              await unmountRootfs(svc, id);
            }
          }
          tx(svc.deps.db, () => {
            svc.records.insert(rec);
            svc.deps.network.save(id, networks);
          });
        });
      } catch (err) {
        undoCreated(svc.deps.volumes, mounts.created);
        throw err;
      }
    });
  } catch (err) {
    svc.records.invalidate(id);
    if (prepared) await svc.deps.snapshotter.remove(rec.snapshotKey).catch((e: unknown) => log.warn('cleanup: snapshot', { id, error: String(e) }));
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  svc.emit(rec, 'create');
  return { Id: id, Warnings: warnings };
}

/** What mount resolution asks of containers and images (--volumes-from, --mount type=image). */
function mountResolveDeps(svc: ContainerService): MountResolveDeps {
  return {
    volumes: svc.deps.volumes,
    containerMounts: (ref) => svc.records.resolve(ref).mountPoints,
    daemonRoot: dirname(svc.deps.dataDir),
    image: (ref) => {
      const img = svc.deps.images.resolve(ref);
      return { id: img.id, layer: img.top_layer };
    },
  };
}

function uniqueRandomName(svc: ContainerService): string {
  for (let retry = 0; retry < 64; retry++) {
    const name = `/${randomName(retry)}`;
    if (!svc.records.idByName(name)) return name;
  }
  return `/${randomId(6)}`;
}

/** Docker's check of a requested platform against the image, and ours of the image against the host. */
function checkPlatform(requested: string | undefined, ref: string, os: string, arch: string, variant: string | undefined): void {
  const actual = `${os}/${arch}${variant ? `/${variant}` : ''}`;
  if (requested) {
    const [wantOs = '', wantArch = '', wantVariant] = requested.toLowerCase().split('/');
    if (wantOs !== os || (wantArch && normalizeArch(wantArch) !== arch) || (wantVariant && variant && wantVariant !== variant)) {
      throw notFound(`image with reference ${ref} was found but does not match the specified platform: wanted ${requested}, actual: ${actual}`);
    }
  }
  if (os !== 'linux') throw invalidParameter(`image operating system "${os}" cannot be used on this platform: operating system is not supported`);
  if (arch !== HOST_ARCH) {
    throw invalidParameter(
      `image ${ref} is for ${actual}, which this host (linux/${HOST_ARCH}) cannot run: no emulation is configured; use an image built for linux/${HOST_ARCH}`,
    );
  }
}

function normalizeArch(a: string): string {
  return a === 'x86_64' || a === 'x86-64' ? 'amd64' : a === 'aarch64' ? 'arm64' : a;
}
