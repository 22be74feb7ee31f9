// Registry workloads (issue 6): push and pull of the Debian image through a loopback
// docker-registry, per engine, through the Engine API (POST /images/{name}/push and
// /images/create?fromImage: what the docker CLI calls, minus its rendering). podman is told the
// registry is plain HTTP with tlsVerify=false (its registries.conf does not know the port).
// Run them alone with `make bench BENCH_ARGS='--only push,pull'` or BENCH_ONLY=push,pull.
import { readFileSync } from 'node:fs';
import { descendants, runCommand, type Engine } from '../test/e2e/harness.ts';
import { type RegistryPeer, startRegistryPeer } from '../test/e2e/registry-peer.ts';
import { ensureImage, interleaveAll, newSeries, removeImage, settle, type Workload } from './workloads.ts';

const REPO = 'debian';
const TAG = 'bench';
const ANONYMOUS = 'e30='; // base64("{}"): what the docker CLI sends without credentials

/**
 * CPU seconds (user + system, every thread) the engine's process tree has used so far: dockerd
 * with its containerd, wharfd with its workers, podman's service. A loaded machine stretches
 * wall times; the work an engine does for a push is what this counts.
 */
function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {} // exited meanwhile
  }
  return ticks / 100; // USER_HZ
}

/** A progress-stream API call; throws on an HTTP error or an error line in the stream. */
async function streamCall(e: Engine, path: string): Promise<string[]> {
  const r = await e.api('POST', path, undefined, { headers: { 'X-Registry-Auth': ANONYMOUS }, timeoutMs: 600_000 });
  if (r.status !== 200) throw new Error(`POST ${path}: ${r.status} ${r.text.trim()}`);
  const lines = r.text.split('\n').filter((l) => l.trim() !== '');
  for (const l of lines) {
    const m = JSON.parse(l) as { error?: string; errorDetail?: { message?: string } };
    if (m.error || m.errorDetail) throw new Error(`POST ${path}: ${m.error ?? m.errorDetail?.message}`);
  }
  return lines;
}

/** POST /images/{name}/push (podman's compat push takes tlsVerify=false). */
function pushPath(e: Engine, name: string, tag: string): string {
  return `/v1.41/images/${name}/push?tag=${tag}${e.kind === 'podman' ? '&tlsVerify=false' : ''}`;
}

/**
 * POST /images/create?fromImage= for dockerd and wharfd; podman's compat pull cannot be told the
 * registry is plain HTTP (4.3 ignores tlsVerify there), so podman gets its own pull endpoint,
 * the one `podman pull` uses, with tlsVerify=false.
 */
function pullPath(e: Engine, name: string, tag: string): string {
  if (e.kind === 'podman') return `/v4.0.0/libpod/images/pull?reference=${encodeURIComponent(`${name}:${tag}`)}&tlsVerify=false&quiet=true`;
  return `/v1.41/images/create?fromImage=${name}&tag=${tag}`;
}

async function manifestDigest(reg: RegistryPeer, ref: string): Promise<string> {
  const accept = ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json'].join(', ');
  const r = await reg.get(`/v2/${REPO}/manifests/${ref}`, { method: 'HEAD', accept });
  if (r.status !== 200) throw new Error(`the registry has no ${REPO}:${ref} (HEAD ${r.status})`);
  return r.headers.get('docker-content-digest') ?? '';
}

const push: Workload = {
  name: 'push',
  describe: (ctx) =>
    `push of the Debian image (${ctx.debian.sizeMB.toFixed(0)} MB tar) to an empty loopback docker-registry (a fresh one per push): ` +
    'POST /images/{name}/push (podman: with tlsVerify=false) until the stream ends, then the manifest is checked in the registry; between reps the image is removed and ' +
    'loaded again, so no engine reuses a compressed blob it made in an earlier rep (wharfd keeps them; dockerd and podman recompress anyway); ' +
    "also the CPU the engine's process tree used (user + system, all threads; dockerd with containerd), which a loaded machine does not stretch",
  async run(ctx) {
    const s = newSeries('push Debian image', 's', ['median', 'min'], {
      goal: { text: 'push faster than podman (issue 6)', stat: 'median', vs: 'podman', max: 1 },
    });
    const cpu = newSeries('push Debian image, engine CPU', 's', ['median']);
    await interleaveAll(ctx, [s, cpu], async (e) => {
      await removeImage(e, ctx.debian.ref);
      await e.dockerOk(['load', '-q', '-i', ctx.debian.archive]);
      const reg = await startRegistryPeer(`bench-push-${e.kind}`);
      try {
        await e.dockerOk(['tag', ctx.debian.ref, `${reg.host}/${REPO}:${TAG}`]);
        await settle();
        const cpu0 = treeCpuSeconds(e.pid!);
        const started = performance.now();
        await streamCall(e, pushPath(e, `${reg.host}/${REPO}`, TAG));
        const secs = (performance.now() - started) / 1000;
        const cpuSecs = treeCpuSeconds(e.pid!) - cpu0;
        await manifestDigest(reg, TAG);
        await e.docker(['rmi', `${reg.host}/${REPO}:${TAG}`]);
        return [secs, cpuSecs];
      } finally {
        await reg.stop();
      }
    });
    return [s, cpu];
  },
};

const pull: Workload = {
  name: 'pull',
  describe: (ctx) =>
    `pull of the Debian image from a loopback docker-registry, where skopeo put it once (skopeo copy docker-archive: → docker://, gzip): ` +
    `POST /images/create?fromImage= until the stream ends (podman: its own /libpod/images/pull?tlsVerify=false, the compat one ignores tlsVerify), ` +
    `image and its layer removed between reps (${ctx.reps} reps); also the engine's CPU, as for push`,
  async run(ctx) {
    const s = newSeries('pull Debian image', 's', ['median', 'min'], {
      goal: { text: "pull ≤ 0.7× dockerd's time (issue 6)", stat: 'median', vs: 'dockerd', max: 0.7 },
    });
    const cpu = newSeries('pull Debian image, engine CPU', 's', ['median']);
    const reg = await startRegistryPeer('bench-pull');
    const ref = `${reg.host}/${REPO}:${TAG}`;
    try {
      const copy = await runCommand(
        'skopeo',
        ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${ctx.debian.archive}:${ctx.debian.ref}`, `docker://${ref}`],
        process.env,
        { timeoutMs: 600_000 },
      );
      if (copy.code !== 0) throw new Error(`skopeo copy into the registry failed: ${copy.stderr.trim()}`);
      const digest = await manifestDigest(reg, TAG);
      ctx.log(`  the registry holds ${ref} as ${digest}`);
      await interleaveAll(ctx, [s, cpu], async (e) => {
        // Nothing of the image may be left, or the engine skips the layer.
        await removeImage(e, ref);
        await removeImage(e, ctx.debian.ref);
        await settle();
        const cpu0 = treeCpuSeconds(e.pid!);
        const started = performance.now();
        const lines = await streamCall(e, pullPath(e, `${reg.host}/${REPO}`, TAG));
        const secs = (performance.now() - started) / 1000;
        const cpuSecs = treeCpuSeconds(e.pid!) - cpu0;
        if (e.kind !== 'podman' && !lines.some((l) => l.includes(digest))) throw new Error(`the pull did not report digest ${digest}`);
        return [secs, cpuSecs];
      });
    } finally {
      for (const e of ctx.engines) {
        await removeImage(e, ref).catch(() => {});
        await ensureImage(e, ctx.debian).catch((err: unknown) => ctx.log(`  ${e.kind}: could not load the Debian image back: ${String(err)}`));
      }
      await reg.stop();
    }
    return [s, cpu];
  },
};

export const REGISTRY_WORKLOADS: Workload[] = [push, pull];
