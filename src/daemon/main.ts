// wharfd: the composition root. Reads the config, takes the data root, opens the stores,
// wires the services and their routes, serves the Engine API, and shuts down cleanly: every
// start-up step goes through the Lifecycle (lifecycle.ts), so a signal at any point closes
// what was opened so far.
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { helpText, loadConfig, type DaemonConfig } from './config.ts';
import { readBuildInfo } from './build-info.ts';
import { acquireDaemonLock } from './lock.ts';
import { Lifecycle } from './lifecycle.ts';
import { EventBus } from './events.ts';
import { SystemInfoService } from './info.ts';
import { applyCgroupFix, realCgroupFixHost } from './cgroup-fix.ts';
import { openDatabase } from '../store/db.ts';
import { ContentStore } from '../content/store.ts';
import { OverlaySnapshotter } from '../snapshot/overlay.ts';
import { ImageService } from '../image/service.ts';
import { Router } from '../api/router.ts';
import { startApiServer } from '../api/server.ts';
import { registerSystemRoutes } from '../api/routes/system.ts';
import { registerImagePushRoute, registerImageRoutes } from '../api/routes/images.ts';
import { DiskUsageService } from './disk-usage.ts';
import { ConmonRuntime } from '../runtime/conmon-runtime.ts';
import type { OciLinuxResources, OciProcess } from '../runtime/runtime.ts';
import { buildExecProcess, buildResources, buildSpec, readHostFacts } from '../runtime/spec/index.ts';
import { openContainers, type OpenedContainers } from '../container/open.ts';
import type { ContainerDefaults } from '../container/service.ts';
import type { HostCaps } from '../container/hostconfig.ts';
import { registerContainerRoutes } from '../api/routes/containers.ts';
import { registerNetworkRoutes } from '../api/routes/networks.ts';
import { containerLookup } from '../container/network-view.ts';
import { openNetworks } from './networks.ts';
import { registerVolumeRoutes } from '../api/routes/volumes.ts';
import { registerBuildRoutes } from '../api/routes/build.ts';
import { BuildService } from '../build/service.ts';
import { basePuller } from '../build/pull-base.ts';
import { ContainerMounts } from '../volume/activate.ts';
import { LocalDriver } from '../volume/driver.ts';
import { VolumeService } from '../volume/service.ts';
import { registerExecRoutes } from '../api/routes/exec.ts';
import { registerAuthRoutes } from '../api/routes/auth.ts';
import { DistributionService } from '../registry/service.ts';
import { PushService } from '../registry/push.ts';
import { hostSyscalls } from '../host/syscalls.ts';
import { log, setLogLevel } from '../lib/log.ts';
import { messageOf } from '../lib/errors.ts';

/** What shutdown closes, in this order (each only if it was opened). */
const SHUTDOWN_ORDER = ['containers', 'networks', 'runtime', 'events', 'api', 'db', 'lock'] as const;

// Signal handlers first: a SIGTERM at any point of start-up closes what was opened so far.
const life = new Lifecycle(SHUTDOWN_ORDER);

async function main(argv: string[]): Promise<void> {
  let config: DaemonConfig;
  try {
    config = await life.step(loadConfig(argv));
  } catch (err) {
    process.stderr.write(`wharfd: ${messageOf(err)}\n`);
    process.exit(1);
  }
  if (config.action === 'help') {
    process.stdout.write(helpText());
    return;
  }
  const build = await life.step(readBuildInfo());
  if (config.action === 'version') {
    process.stdout.write(`Wharf version ${build.version}, build ${build.gitCommit}\n`);
    return;
  }
  setLogLevel(config.logLevel);

  await life.step(mkdir(config.dataRoot, { recursive: true, mode: 0o710 }));
  await life.step(mkdir(config.execRoot, { recursive: true, mode: 0o700 }));
  await life.open('lock', acquireDaemonLock(config.dataRoot, config.pidfile), (lock) => lock.release());

  const db = life.add('db', openDatabase(join(config.dataRoot, 'wharf.db')), (d) => d.close());
  const content = new ContentStore(join(config.dataRoot, 'content'));
  await life.step(content.init());
  const snapshotter = new OverlaySnapshotter(db, join(config.dataRoot, 'overlay'));
  await life.step(snapshotter.cleanup());

  const events = life.add('events', new EventBus(), (ev) => ev.close());
  // Containers' networking outlives the daemon (live restore): close() only stops DNS and port reservations.
  // Made this early because its netns worker thread takes ~100 ms to load, meanwhile the rest starts.
  const networks = life.add('networks', openNetworks(config, db, events), (n) => n.close());
  // Containers and images need each other: containers keep images' layers alive (GC roots,
  // rmi conflicts) and are made from images. The image service asks through this late binding.
  let containers: OpenedContainers | undefined;
  const users = {
    containersUsing: (id: string) => containers?.api.containersUsing(id) ?? [],
    layersInUse: () => containers?.api.layersInUse() ?? [],
  };
  const images = new ImageService({ db, content, snapshotter, events, users });

  // Before the host is probed: the runtime choice and /info see the layout it leaves.
  if (config.cgroupHybridFix) await life.step(applyCgroupFix(realCgroupFixHost()));
  const info = await life.step(
    SystemInfoService.start({
      config,
      build,
      events,
      counts: { objectCounts: () => ({ ...(containers?.api.counts() ?? zeroCounts), Images: images.records.count() }) },
      platform: { storageDriver: snapshotter.driverName },
    }),
  );

  // Volumes ask containers which of them reference a volume (in use, dangling, RefCount).
  const volumes = new VolumeService({
    db,
    events,
    drivers: [new LocalDriver(join(config.dataRoot, 'volumes'), hostSyscalls())],
    users: { containersUsing: (name) => containers?.api.containersUsingVolume(name) ?? [] },
  });
  volumes.reconcile();
  const mounts = new ContainerMounts({ volumes, sys: hostSyscalls(), stagingRoot: join(config.execRoot, 'mounts'), imageView: (layer) => snapshotter.mounts(layer) });

  const specFacts = readHostFacts();
  const runtime = await life.open('runtime', ConmonRuntime.open({ root: join(config.execRoot, 'runtime') }), (r) => r.close());
  containers = openContainers({
    db,
    images,
    snapshotter,
    volumes,
    mounts,
    runtime,
    network: networks,
    events,
    sys: hostSyscalls(),
    dataDir: join(config.dataRoot, 'containers'),
    execDir: join(config.execRoot, 'containers'),
    caps: hostCaps(info),
    runtimes: info.facts.runtime.runtimes,
    defaultRuntime: info.facts.runtime.defaultRuntime,
    buildSpec: (input) => buildSpec(input, specFacts),
    // The spec builder's OCI types are stricter than the runtime's pass-through records.
    execProcess: (input, exec) => buildExecProcess(input, exec, specFacts) as unknown as OciProcess,
    ociResources: (r) => buildResources(r, { devices: specFacts.devices, blkioWeight: specFacts.blkioWeight }) as unknown as OciLinuxResources,
    defaults: containerDefaults(config, info),
  });
  life.add('containers', containers, (c) => c.shutdown());
  networks.bindContainers(containerLookup(containers.api.svc));
  // Bridges, rules, sandboxes and leases made to match the store before containers are re-adopted.
  await life.step(networks.init((id) => alive(containers?.api.svc.records.get(id)?.state)));
  const containersApi = containers.api;
  containersApi.svc.onLifecycle({ started: () => {}, stopped: (rec) => mounts.release(rec.id, rec.mountPoints) });
  await life.step(containers.recover());
  mounts.recover(containersApi.runningMounts());
  await life.step(images.lock.run(() => images.gc())); // frees what a crash left half-made

  const routes = new Router();
  // The build service is made below; df only asks it once the API is up.
  const buildCache = { cacheRecords: () => builds.cacheRecords() };
  registerSystemRoutes(routes, { system: new DiskUsageService(images, containers.api, volumes, buildCache), info, events });
  const distribution = new DistributionService({
    images,
    insecureRegistries: config.insecureRegistries,
    mirrors: config.registryMirrors,
    certsDirs: [join(dirname(config.configFile), 'certs.d'), '/etc/docker/certs.d'],
    maxConcurrentDownloads: config.maxConcurrentDownloads,
  });
  registerImageRoutes(routes, images, distribution);
  registerImagePushRoute(routes, new PushService(images, distribution.hosts, { maxConcurrentUploads: config.maxConcurrentUploads, compression: config.pushCompression }));
  registerAuthRoutes(routes, distribution);
  registerContainerRoutes(routes, containers.api);
  registerNetworkRoutes(routes, networks);
  registerVolumeRoutes(routes, volumes);
  registerExecRoutes(routes, containers.api);
  const builds = new BuildService({ db, images, containers: containers.api.svc, root: join(config.dataRoot, 'build'), pull: basePuller(distribution, images) });
  registerBuildRoutes(routes, builds);
  await life.open('api', startApiServer(config, routes, { serverVersion: build.version }), (api) => api.close());
  log.info('API listening', { hosts: config.hosts });
  for (const w of (await life.step(info.info())).Warnings ?? []) log.warn(w);
}

const zeroCounts = { Containers: 0, ContainersRunning: 0, ContainersPaused: 0, ContainersStopped: 0 };

/** A container whose networking should be up: running, not waiting for a policy restart. */
function alive(s: { Running: boolean; Restarting: boolean } | undefined): boolean {
  return (s?.Running ?? false) && !s?.Restarting;
}

function hostCaps(info: SystemInfoService): HostCaps {
  const c = info.facts.capabilities;
  return {
    ncpu: availableParallelism(),
    memoryLimit: c.MemoryLimit,
    swapLimit: c.SwapLimit,
    cpuCfs: c.CpuCfsQuota,
    cpuShares: c.CPUShares,
    cpuset: c.CPUSet,
    pidsLimit: c.PidsLimit,
    oomKillDisable: c.OomKillDisable,
    blkioWeight: c.BlkioWeight,
    blkioThrottle: c.BlkioThrottle,
  };
}

function containerDefaults(config: DaemonConfig, info: SystemInfoService): ContainerDefaults {
  return {
    initPath: info.facts.binaries.init?.path,
    init: config.init ?? false,
    ulimits: Object.values(config.defaultUlimits ?? {}).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })),
    cgroupParent: config.cgroupParent ?? '/wharf',
    noNewPrivileges: config.noNewPrivileges ?? false,
    logDriver: config.logDriver ?? 'json-file',
    logOpts: config.logOpts ?? {},
    shutdownTimeout: config.shutdownTimeout ?? 15,
    liveRestore: config.liveRestore,
  };
}

main(process.argv.slice(2)).catch((err: unknown) => life.fail(err));
