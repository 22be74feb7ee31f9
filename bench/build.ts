// The build workload (issue 7): issue 7's 6-step Dockerfile FROM busybox (ENV, WORKDIR, COPY of
// 10 MiB, RUN writing 200 files, CMD) built through the same docker CLI on the classic protocol
// (DOCKER_BUILDKIT=0, POST /build) against each engine: cold (--no-cache) and fully cached.
// podman answers POST /build with buildah. Run it alone with `node bench/run.ts --only build`.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine } from '../test/e2e/harness.ts';
import { BUSYBOX, type BenchContext, firstLine, interleaveAll, newSeries, settle, type Workload } from './workloads.ts';

const DATA_BYTES = 10 * 2 ** 20;
const TAG = 'bench-build:latest';
const STAGES_TAG = 'bench-build-stages:latest';
const CLASSIC = { DOCKER_BUILDKIT: '0' };

/** The context: the Dockerfile and 10 MiB of random data. FROM names busybox in full (podman's short names). */
async function writeContext(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'data.bin'), randomBytes(DATA_BYTES));
  await writeFile(
    join(dir, 'Dockerfile'),
    [
      `FROM docker.io/library/${BUSYBOX}`,
      'ENV APP=bench MODE=build',
      'WORKDIR /app',
      'COPY data.bin .',
      'RUN for i in $(seq 1 200); do echo "file $i" > "f$i"; done',
      'CMD ["sh"]',
      '',
    ].join('\n'),
  );
}

/** Two stages that need nothing from each other (a second each), and a final stage taking from both. */
async function writeStagesContext(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const stage = (name: string) => [`FROM docker.io/library/${BUSYBOX} AS ${name}`, `RUN sleep 1 && echo ${name} > /${name}`];
  await writeFile(
    join(dir, 'Dockerfile'),
    [...stage('one'), ...stage('two'), `FROM docker.io/library/${BUSYBOX}`, 'COPY --from=one /one /', 'COPY --from=two /two /', ''].join('\n'),
  );
}

/** One `docker build`; its CLI wall time in ms. Checks the output says what was measured. */
async function timedBuild(e: Engine, dir: string, args: string[], expect: 'cold' | 'cached', tag = TAG): Promise<number> {
  const started = performance.now();
  const r = await e.docker(['build', ...args, '-t', tag, dir], { env: CLASSIC });
  const ms = performance.now() - started;
  if (r.code !== 0) throw new Error(`docker build exited ${r.code}\n--- stderr\n${r.stderr}`);
  // podman (buildah) words its cache hits "--> Using cache"; the classic builder " ---> Using cache".
  const hits = (r.stdout.match(/--> Using cache/g) ?? []).length;
  if (expect === 'cold' && hits > 0) throw new Error(`a --no-cache build used the cache:\n${r.stdout}`);
  if (expect === 'cached' && hits < 5) throw new Error(`a rebuild was not fully cached (${hits} hits):\n${r.stdout}`);
  return ms;
}

async function cleanup(e: Engine): Promise<void> {
  await e.docker(['rmi', '-f', TAG, STAGES_TAG]);
  await e.docker(['builder', 'prune', '-af']);
}

export const BUILD_WORKLOADS: Workload[] = [
  {
    name: 'build',
    describe: (ctx) =>
      `docker build (classic protocol, DOCKER_BUILDKIT=0) of issue 7's 6-step Dockerfile FROM ${BUSYBOX} (ENV, WORKDIR, COPY 10 MiB, ` +
      `RUN writing 200 files, CMD): cold with --no-cache, then fully cached; and (--no-cache) a Dockerfile of two independent ` +
      `stages of RUN sleep 1 and a final stage copying from both (1 s if the stages are built at the same time, 2 s one after ` +
      `the other); CLI wall time, ${ctx.reps} reps each after a warm-up`,
    async run(ctx: BenchContext) {
      const cold = newSeries('build cold (--no-cache)', 'ms', ['median', 'min'], {
        goal: { text: 'cold build ≤ 0.7× dockerd', stat: 'median', vs: 'dockerd', max: 0.7 },
      });
      const cached = newSeries('build fully cached', 'ms', ['median', 'min'], {
        goal: { text: 'cached build ≤ 0.5× dockerd', stat: 'median', vs: 'dockerd', max: 0.5 },
      });
      const stages = newSeries('build 2 independent stages (RUN sleep 1 each)', 'ms', ['median', 'min'], {
        goal: { text: 'independent stages at the same time (≤ 0.75× dockerd, which builds them in turn)', stat: 'median', vs: 'dockerd', max: 0.75 },
      });
      const dir = join(ctx.scratch, 'build-context');
      await writeContext(dir);
      const stagesDir = join(ctx.scratch, 'build-stages');
      await writeStagesContext(stagesDir);
      try {
        await interleaveAll(
          ctx,
          [cold],
          async (e) => {
            await settle();
            return [await timedBuild(e, dir, ['--no-cache'], 'cold')];
          },
          { warmup: 1 },
        );
        // The last cold build left its steps in the cache: every rebuild is a full hit.
        await interleaveAll(ctx, [cached], async (e) => [await timedBuild(e, dir, [], 'cached')], { warmup: 1 });
        await interleaveAll(ctx, [stages], async (e) => [await timedBuild(e, stagesDir, ['--no-cache'], 'cold', STAGES_TAG)], { warmup: 1 });
      } finally {
        for (const e of ctx.engines) await cleanup(e).catch((err: unknown) => ctx.log(`  ${e.kind}: cleanup: ${firstLine(err)}`));
      }
      return [cold, cached, stages];
    },
  },
];
