// Builds (issue 7) through the real docker CLI on the classic builder protocol
// (DOCKER_BUILDKIT=0, POST /build) and through `wharf build`: every instruction, multi-stage
// with --target and skipped stages, the layer cache (hits, a changed file rebuilds from its
// step, failures keep the earlier steps), .dockerignore, build args, -q, --iidfile, history,
// RUN mounts and secrets, stdin and outside-the-context Dockerfiles, cancellation, prune/df,
// and a static C program compiled FROM a Debian image with gcc and copied into scratch.
// Tests run in order and share one daemon.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX_IMAGE_REF, DEBIAN_GCC_IMAGE_REF, busyboxImageArchive, debianGccImageArchive } from '../fixtures/index.ts';
import { type CmdResult, DOCKER, type Engine, runCommand, startEngine, waitFor } from './harness.ts';
import { startRegistryPeer } from './registry-peer.ts';
import { inspectImage, lines, scratch } from './util.ts';

const BB = BUSYBOX_IMAGE_REF;
const CLASSIC = { DOCKER_BUILDKIT: '0' };
let e: Engine;
let files: { dir: string; remove: () => Promise<void> };
let web: Server;
let webPort = 0;

before(async () => {
  e = await startEngine('build');
  files = await scratch('build');
  await e.dockerOk(['load', '-i', await busyboxImageArchive()]);
  // ADD <url> fetches from here (the daemon's own loopback).
  web = createServer((req, res) => {
    if (req.url === '/remote.txt') res.end('from the web\n');
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webPort = (web.address() as AddressInfo).port;
});
after(async () => {
  await new Promise<void>((r) => web?.close(() => r()));
  await e?.teardown();
  await files?.remove();
});

type Tree = Record<string, string | Buffer | { content: string | Buffer; mode: number }>;

let ctxCount = 0;
/** Writes a context directory; returns its path. */
function context(tree: Tree): string {
  const dir = join(files.dir, `ctx${++ctxCount}`);
  write(dir, tree);
  return dir;
}

function write(dir: string, tree: Tree): void {
  for (const [name, v] of Object.entries(tree)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof v === 'string' || Buffer.isBuffer(v)) writeFileSync(path, v);
    else {
      writeFileSync(path, v.content);
      chmodSync(path, v.mode);
    }
  }
}

function build(args: string[], opts: { input?: string | Buffer } = {}): Promise<CmdResult> {
  return e.docker(['build', ...args], { env: CLASSIC, ...(opts.input !== undefined ? { input: opts.input } : {}) });
}

async function buildOk(args: string[], opts: { input?: string | Buffer } = {}): Promise<string> {
  const r = await build(args, opts);
  assert.equal(r.code, 0, `docker build ${args.join(' ')}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r.stdout;
}

/** The image ID from a classic build's "Successfully built <id>". */
function builtId(out: string): string {
  const m = /^Successfully built ([0-9a-f]{12})$/m.exec(out);
  assert.ok(m, `no "Successfully built" in:\n${out}`);
  return m[1]!;
}

async function runIn(image: string, cmd: string[], extra: string[] = []): Promise<string> {
  return e.dockerOk(['run', '--rm', '--network', 'none', ...extra, image, ...cmd]);
}

interface ImageConfig {
  Env: string[];
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  WorkingDir: string;
  User: string;
  Labels: Record<string, string> | null;
  ExposedPorts: Record<string, object> | null;
  Volumes: Record<string, object> | null;
  StopSignal?: string;
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; Retries?: number };
  OnBuild: string[] | null;
  Shell?: string[];
}

async function config(ref: string): Promise<ImageConfig> {
  return (await inspectImage<{ Config: ImageConfig }>(e, ref)).Config;
}

/** How many RUN steps ran a container (" ---> Running in" under a "Step N/M : RUN" line). */
function runsExecuted(out: string): number {
  let step = '';
  let n = 0;
  for (const l of lines(out)) {
    if (l.startsWith('Step ')) step = l;
    else if (l.startsWith(' ---> Running in ') && / : RUN /.test(step)) n++;
  }
  return n;
}

/** "Step N/M : ..." lines of a classic build's output. */
function steps(out: string): string[] {
  return lines(out).filter((l) => /^Step \d+\/\d+ : /.test(l));
}

describe('docker build (classic protocol): instructions', () => {
  it('FROM, ENV, ARG, LABEL, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL, ENTRYPOINT, CMD make the config', async () => {
    const dir = context({
      Dockerfile: [
        `ARG BASE=${BB}`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile variables
        'FROM ${BASE} AS base',
        'ARG GREETING=hello',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile variables
        'ENV A=1 B="two words" C=${GREETING:-none} D=${UNSET:-fallback} E=${GREETING:+set}',
        'LABEL org.example.one="1" two=2',
        'WORKDIR /srv',
        'WORKDIR app',
        'EXPOSE 80/tcp 53/udp',
        'VOLUME ["/data"]',
        'STOPSIGNAL SIGUSR1',
        'HEALTHCHECK --interval=5s --timeout=2s --retries=2 CMD true',
        'SHELL ["/bin/sh", "-ec"]',
        'RUN echo "$A $B $C $D $E" > env.txt && pwd > pwd.txt',
        'USER 1000:1000',
        'ENTRYPOINT ["/bin/sh", "-c"]',
        'CMD ["echo A=$A C=$C; cat /srv/app/env.txt"]',
        '',
      ].join('\n'),
    });
    const out = await buildOk(['-t', 'inst:config', '--label', 'from-cli=yes', dir]);
    // As dockerd's classic builder counts them: the ARG before FROM is step 1, --label adds a LABEL step.
    const s = steps(out);
    assert.equal(s.length, 17, out);
    assert.equal(s[0], `Step 1/17 : ARG BASE=${BB}`);
    assert.equal(s[16], 'Step 17/17 : LABEL from-cli=yes');
    const c = await config('inst:config');
    for (const kv of ['A=1', 'B=two words', 'C=hello', 'D=fallback', 'E=set']) assert.ok(c.Env.includes(kv), `${kv} in ${c.Env}`);
    assert.ok(!c.Env.some((v) => v.startsWith('GREETING=')), 'ARG values are not ENV');
    assert.equal(c.WorkingDir, '/srv/app');
    assert.equal(c.User, '1000:1000');
    assert.deepEqual(c.Labels, { 'org.example.one': '1', two: '2', 'from-cli': 'yes' });
    assert.deepEqual(Object.keys(c.ExposedPorts ?? {}).sort(), ['53/udp', '80/tcp']);
    assert.deepEqual(Object.keys(c.Volumes ?? {}), ['/data']);
    assert.equal(c.StopSignal, 'SIGUSR1');
    assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Timeout: 2e9, Retries: 2 });
    assert.deepEqual(c.Shell, ['/bin/sh', '-ec']);
    assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c']);
    assert.deepEqual(c.Cmd, ['echo A=$A C=$C; cat /srv/app/env.txt']);
    // The built image runs with its CMD, ENV and WORKDIR.
    assert.equal(await runIn('inst:config', []), 'A=1 C=hello\n1 two words hello fallback set\n');
    assert.equal(await runIn('inst:config', ['cat pwd.txt']), '/srv/app\n');
  });

  it('COPY and ADD: --chown, --chmod, globs, directory contents, --from, --link, local tars extracted, URLs fetched', async () => {
    const tarDir = join(files.dir, 'tarsrc');
    write(tarDir, { 'inner/one.txt': 'one\n' });
    const dir = context({
      'a.txt': 'a\n',
      'b.txt': 'b\n',
      'c.md': 'c\n',
      'tree/sub/deep.txt': 'deep\n',
      'tree/top.txt': 'top\n',
      'run.sh': { content: '#!/bin/sh\necho script ran\n', mode: 0o755 },
      Dockerfile: [
        `FROM ${BB} AS other`,
        'RUN echo from-other > /other.txt',
        `FROM ${BB}`,
        'COPY --chown=1000:2000 --chmod=640 a.txt /owned/',
        'COPY *.txt /globbed/',
        'COPY tree /tree-contents',
        'COPY tree/ /tree2/',
        'COPY --from=other /other.txt /',
        'COPY --link b.txt /linked/b.txt',
        'COPY run.sh /usr/local/bin/',
        'ADD files.tar.gz /extracted/',
        `ADD http://127.0.0.1:${webPort}/remote.txt /web/`,
        '',
      ].join('\n'),
    });
    const r = await runCommand('tar', ['-czf', join(dir, 'files.tar.gz'), '-C', tarDir, 'inner'], process.env);
    assert.equal(r.code, 0, r.stderr);
    await buildOk(['-t', 'inst:copy', dir]);
    const check = async (cmd: string) => runIn('inst:copy', ['sh', '-c', cmd]);
    assert.equal(await check('stat -c "%u:%g %a" /owned/a.txt'), '1000:2000 640\n');
    assert.equal(await check('ls /globbed'), 'a.txt\nb.txt\n');
    assert.equal(await check('cd /tree-contents && find . -type f | sort'), './sub/deep.txt\n./top.txt\n');
    assert.equal(await check('cat /tree2/sub/deep.txt'), 'deep\n');
    assert.equal(await check('cat /other.txt /linked/b.txt'), 'from-other\nb\n');
    assert.equal(await check('run.sh'), 'script ran\n');
    assert.equal(await check('cat /extracted/inner/one.txt'), 'one\n');
    assert.equal(await check('cat /web/remote.txt'), 'from the web\n');
  });

  it('RUN: shell and exec forms, heredocs, line continuations, # escape directive', async () => {
    const dir = context({
      Dockerfile: [
        '# escape=`',
        `FROM ${BB}`,
        'RUN echo one `',
        '    two > /cont.txt',
        'RUN ["sh", "-c", "echo exec form > /exec.txt"]',
        'RUN <<EOF',
        'echo heredoc line 1 > /heredoc.txt',
        'echo heredoc line 2 >> /heredoc.txt',
        'EOF',
        '',
      ].join('\n'),
    });
    await buildOk(['-t', 'inst:run', dir]);
    assert.equal(await runIn('inst:run', ['cat', '/cont.txt', '/exec.txt', '/heredoc.txt']), 'one two\nexec form\nheredoc line 1\nheredoc line 2\n');
  });

  it('ONBUILD triggers run in the child build', async () => {
    const base = context({ Dockerfile: `FROM ${BB}\nONBUILD RUN echo triggered > /onbuild.txt\n` });
    await buildOk(['-t', 'inst:onbuild-base', base]);
    assert.deepEqual((await config('inst:onbuild-base')).OnBuild, ['RUN echo triggered > /onbuild.txt']);
    const child = context({ Dockerfile: 'FROM inst:onbuild-base\nRUN cat /onbuild.txt\n' });
    const out = await buildOk(['-t', 'inst:onbuild-child', child]);
    assert.match(out, /^triggered$/m);
    assert.equal(await runIn('inst:onbuild-child', ['cat', '/onbuild.txt']), 'triggered\n');
    assert.equal((await config('inst:onbuild-child')).OnBuild, null);
  });

  it('reports Dockerfile errors with their line, and an unknown # syntax clearly', async () => {
    const bad = await build([context({ Dockerfile: `FROM ${BB}\nFORM x\n` })]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /dockerfile parse error (on )?line 2: unknown instruction: FORM/i);
    const syntax = await build([context({ Dockerfile: `# syntax=example.com/frontend:2\nFROM ${BB}\n` })]);
    assert.equal(syntax.code, 1);
    assert.match(syntax.stderr, /syntax/i);
    assert.match(syntax.stderr, /example\.com\/frontend:2/);
    const ok = await build([context({ Dockerfile: `# syntax=docker/dockerfile:1\nFROM ${BB}\nRUN true\n` })]);
    assert.equal(ok.code, 0, ok.stderr);
  });
});

describe('docker build: stages, args, outputs', () => {
  const multi = () =>
    context({
      Dockerfile: [
        `FROM ${BB} AS base`,
        'RUN echo base > /base.txt',
        'FROM base AS unused',
        'RUN echo "the unused stage ran" && exit 7',
        'FROM base AS tools',
        'RUN echo tools > /tools.txt',
        `FROM ${BB} AS final`,
        'COPY --from=tools /tools.txt /base.txt /',
        'CMD ["cat", "/tools.txt", "/base.txt"]',
        '',
      ].join('\n'),
    });

  it('multi-stage: stages the target does not need are skipped; --target stops at a stage', async () => {
    const dir = multi();
    const out = await buildOk(['-t', 'stages:final', dir]);
    assert.doesNotMatch(out, /the unused stage ran/);
    assert.equal(await runIn('stages:final', []), 'tools\nbase\n');
    const t = await buildOk(['-t', 'stages:base', '--target', 'base', dir]);
    assert.doesNotMatch(t, /tools|unused/);
    assert.equal(await runIn('stages:base', ['cat', '/base.txt']), 'base\n');
    const missing = await build(['--target', 'nope', dir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope/);
  });

  it('independent stages are built at the same time, their output shown in stage order', async () => {
    const dir = context({
      Dockerfile: [
        `FROM ${BB} AS one`,
        'RUN echo one-start && sleep 3 && echo one-end > /one',
        `FROM ${BB} AS two`,
        'RUN echo two-start && sleep 3 && echo two-end > /two',
        `FROM ${BB}`,
        'COPY --from=one /one /',
        'COPY --from=two /two /',
        '',
      ].join('\n'),
    });
    const started = performance.now();
    const out = await buildOk(['--no-cache', '-t', 'stages:parallel', dir]);
    const secs = (performance.now() - started) / 1000;
    assert.ok(secs < 5.5, `two 3 s stages took ${secs.toFixed(1)} s: not built at the same time`);
    assert.ok(out.indexOf('one-start') < out.indexOf('Step 4/7 : RUN echo two-start'), out);
    assert.equal(await runIn('stages:parallel', ['cat', '/one', '/two']), 'one-end\ntwo-end\n');
  });

  it('build args: defaults, --build-arg, ARG before FROM, predefined platform and proxy args, unused ones warned about', async () => {
    const dir = context({
      Dockerfile: [
        'ARG TAG=latest',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile variables
        'FROM --platform=$BUILDPLATFORM wharf-test/busybox:${TAG}',
        'ARG V=default',
        'ARG W',
        'ARG TARGETARCH',
        'ARG TARGETPLATFORM',
        'RUN echo "V=$V W=$W arch=$TARGETARCH platform=$TARGETPLATFORM proxy=$HTTP_PROXY" > /args.txt',
        '',
      ].join('\n'),
    });
    const out = await buildOk(['-t', 'args:one', '--build-arg', 'W=given', '--build-arg', 'HTTP_PROXY=http://proxy.invalid:3128', '--build-arg', 'NOPE=1', dir]);
    assert.match(out, /\[Warning\] One or more build-args \[NOPE\] were not consumed/);
    assert.equal(await runIn('args:one', ['cat', '/args.txt']), 'V=default W=given arch=amd64 platform=linux/amd64 proxy=http://proxy.invalid:3128\n');
    // Build args are not in the image's environment, and proxy values stay out of the history.
    const c = await config('args:one');
    assert.ok(!c.Env.some((v) => /^(V|W|HTTP_PROXY)=/.test(v)), c.Env.join(' '));
    const history = await e.dockerOk(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'args:one']);
    assert.doesNotMatch(history, /proxy\.invalid/);
    assert.match(history, /^\|\d+ .*W=given .*\/bin\/sh -c echo "V=\$V/m);
  });

  it('-t repeated, -q prints only the ID, --iidfile gets it', async () => {
    const dir = context({ Dockerfile: `FROM ${BB}\nLABEL quiet=1\n` });
    const iid = join(files.dir, 'iid');
    const out = await buildOk(['-q', '--iidfile', iid, '-t', 'out:a', '-t', 'out:b', dir]);
    assert.match(out, /^sha256:[0-9a-f]{64}\n$/);
    const id = out.trim();
    assert.equal((await readFile(iid, 'utf8')).trim(), id);
    for (const ref of ['out:a', 'out:b']) assert.equal((await e.dockerOk(['image', 'inspect', '--format', '{{.Id}}', ref])).trim(), id);
  });

  it('history shows each step with its size and CreatedBy', async () => {
    const dir = context({
      'data.bin': Buffer.alloc(300_000, 7),
      Dockerfile: `FROM ${BB}\nENV K=v\nWORKDIR /w\nCOPY data.bin .\nRUN head -c 200000 /dev/zero > /w/zeros\nCMD ["sh"]\n`,
    });
    await buildOk(['-t', 'hist:one', dir]);
    const rows = lines(await e.dockerOk(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}', 'hist:one'])).map((l) => l.split('|'));
    const by = rows.map((r) => r[0]!.trim());
    assert.equal(by.length, 6, by.join('\n'));
    assert.equal(by[0], '/bin/sh -c #(nop)  CMD ["sh"]');
    assert.equal(by[1], '/bin/sh -c head -c 200000 /dev/zero > /w/zeros');
    assert.match(by[2]!, /^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \.$/);
    assert.equal(by[3], '/bin/sh -c #(nop) WORKDIR /w');
    assert.equal(by[4], '/bin/sh -c #(nop)  ENV K=v');
    const size = (i: number) => rows[i]![1]!;
    assert.match(size(1), /^20\d(\.\d+)?kB$/);
    assert.match(size(2), /^30\d(\.\d+)?kB$/);
    assert.equal(size(0), '0B');
  });
});

describe('docker build: cache', () => {
  let dir: string;
  const dockerfile = [
    `FROM ${BB}`,
    'ENV STAGE=cache',
    'COPY first.txt /first.txt',
    'RUN cat /proc/sys/kernel/random/uuid > /first-run',
    'COPY second.txt /second.txt',
    'RUN cat /proc/sys/kernel/random/uuid > /second-run',
    'CMD ["cat", "/first.txt", "/second.txt"]',
    '',
  ].join('\n');

  it('a rebuild with nothing changed uses the cache for every step and runs no RUN', async () => {
    dir = context({ Dockerfile: dockerfile, 'first.txt': '1\n', 'second.txt': '2\n' });
    const cold = await buildOk(['-t', 'cache:x', dir]);
    assert.doesNotMatch(cold, /Using cache/);
    assert.equal(runsExecuted(cold), 2);
    const warm = await buildOk(['-t', 'cache:x', dir]);
    assert.equal((warm.match(/ ---> Using cache/g) ?? []).length, 6, warm);
    assert.doesNotMatch(warm, /Running in/);
    assert.equal(builtId(warm), builtId(cold));
  });

  it('a file whose mtime alone changed is still a hit; changing one COPY\'d file rebuilds from that step only', async () => {
    const before = await runIn('cache:x', ['cat', '/first-run', '/second-run']);
    utimesSync(join(dir, 'first.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const touched = await buildOk(['-t', 'cache:x', dir]);
    assert.doesNotMatch(touched, /Running in/);
    writeFileSync(join(dir, 'second.txt'), '2 changed\n');
    const out = await buildOk(['-t', 'cache:x', dir]);
    const hits = lines(out).map((l, i, all) => (l === ' ---> Using cache' ? all.slice(0, i).reverse().find((s) => s.startsWith('Step ')) : undefined)).filter(Boolean);
    assert.deepEqual(hits, ['Step 2/7 : ENV STAGE=cache', 'Step 3/7 : COPY first.txt /first.txt', 'Step 4/7 : RUN cat /proc/sys/kernel/random/uuid > /first-run']);
    assert.equal(runsExecuted(out), 1, out);
    const after = await runIn('cache:x', ['cat', '/first-run', '/second-run']);
    assert.equal(after.split('\n')[0], before.split('\n')[0], 'the first RUN was not run again');
    assert.notEqual(after.split('\n')[1], before.split('\n')[1], 'the second RUN ran again');
    assert.equal(await runIn('cache:x', []), '1\n2 changed\n');
  });

  it('--no-cache runs every step again', async () => {
    const out = await buildOk(['--no-cache', '-t', 'cache:x', dir]);
    assert.doesNotMatch(out, /Using cache/);
    assert.equal(runsExecuted(out), 2);
  });

  it('a failing RUN reports its exit code and output, leaves no container, keeps the tag, and the steps before it stay cached', async () => {
    const good = (await e.dockerOk(['image', 'inspect', '--format', '{{.Id}}', 'cache:x'])).trim();
    const failing = dockerfile.replace('RUN cat /proc/sys/kernel/random/uuid > /second-run', 'RUN echo "about to fail" && exit 3');
    writeFileSync(join(dir, 'Dockerfile'), failing);
    const r = await build(['-t', 'cache:x', dir]);
    assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^about to fail$/m);
    assert.match(r.stderr, /The command '\/bin\/sh -c echo "about to fail" && exit 3' returned a non-zero code: 3/);
    assert.equal((await e.dockerOk(['image', 'inspect', '--format', '{{.Id}}', 'cache:x'])).trim(), good);
    assert.equal((await e.dockerOk(['ps', '-aq'])).trim(), '', 'no container left behind');
    // The steps that succeeded before the failure are cached.
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    const again = await buildOk(['-t', 'cache:x', dir]);
    assert.equal((again.match(/ ---> Using cache/g) ?? []).length, 6, again);
  });

  it('--cache-from: an image of the same steps serves as cache after the local cache is pruned', async () => {
    const prune = await e.dockerOk(['builder', 'prune', '-af']);
    assert.match(prune, /Total reclaimed space: /);
    const cold = await buildOk(['-t', 'cache:y', dir]);
    assert.doesNotMatch(cold, /Using cache/, 'prune emptied the cache');
    await e.dockerOk(['builder', 'prune', '-af']);
    const from = await buildOk(['--cache-from', 'cache:y', '-t', 'cache:z', dir]);
    assert.match(from, / ---> Using cache/);
    assert.equal(builtId(from), builtId(cold));
  });

  it('system df counts the build cache; builder prune empties it', async () => {
    await buildOk(['-t', 'cache:df', dir]);
    const df = (await e.api('GET', '/v1.41/system/df')).json<{ BuildCache: { ID: string; Type: string; Size: number; UsageCount: number }[] }>();
    assert.ok(df.BuildCache.length >= 6, JSON.stringify(df.BuildCache));
    assert.ok(df.BuildCache.every((b) => b.Type === 'regular' && typeof b.Size === 'number'));
    const table = await e.dockerOk(['system', 'df']);
    assert.match(table, /^Build Cache\s+[1-9]\d*\s/m);
    const out = await e.dockerOk(['builder', 'prune', '-af']);
    assert.match(out, /^Deleted build cache objects:$/m);
    const after = (await e.api('GET', '/v1.41/system/df')).json<{ BuildCache: unknown[] }>();
    assert.deepEqual(after.BuildCache, []);
  });
});

describe('docker build: context', () => {
  it('.dockerignore: patterns, negation, **, the Dockerfile and .dockerignore themselves', async () => {
    const dir = context({
      '.dockerignore': '# comment\nDockerfile\n.dockerignore\n**/*.log\n!keep/important.log\nsecret*\nnode_modules\n',
      Dockerfile: `FROM ${BB}\nCOPY . /ctx/\nRUN cd /ctx && find . | sort > /listing\n`,
      'app.txt': 'app\n',
      'debug.log': 'x',
      'deep/down/trace.log': 'x',
      'deep/down/ok.txt': 'ok\n',
      'keep/important.log': 'kept\n',
      'secret.key': 'x',
      'node_modules/m/index.js': 'x',
    });
    await buildOk(['-t', 'ctx:ignore', dir]);
    assert.equal(
      await runIn('ctx:ignore', ['cat', '/listing']),
      ['.', './app.txt', './deep', './deep/down', './deep/down/ok.txt', './keep', './keep/important.log', ''].join('\n'),
    );
  });

  it('-f: a Dockerfile elsewhere in the context, or outside it', async () => {
    const dir = context({ 'docker/build.Dockerfile': `FROM ${BB}\nCOPY hello.txt /\n`, 'hello.txt': 'hi\n' });
    await buildOk(['-f', join(dir, 'docker/build.Dockerfile'), '-t', 'ctx:f1', dir]);
    assert.equal(await runIn('ctx:f1', ['cat', '/hello.txt']), 'hi\n');
    const outside = join(files.dir, 'Outside.Dockerfile');
    writeFileSync(outside, `FROM ${BB}\nCOPY . /ctx/\nRUN ls -a /ctx > /ls\n`);
    await buildOk(['-f', outside, '-t', 'ctx:f2', dir]);
    assert.equal(await runIn('ctx:f2', ['cat', '/ls']), '.\n..\ndocker\nhello.txt\n');
  });

  it('stdin: a bare Dockerfile, or a (gzipped) tar context', async () => {
    await buildOk(['-t', 'ctx:stdin', '-'], { input: `FROM ${BB}\nRUN echo from-stdin > /s\n` });
    assert.equal(await runIn('ctx:stdin', ['cat', '/s']), 'from-stdin\n');
    const dir = context({ Dockerfile: `FROM ${BB}\nCOPY x.txt /\n`, 'x.txt': 'tarred\n' });
    const tgz = join(files.dir, 'ctx.tgz');
    const r = await runCommand('tar', ['-czf', tgz, '-C', dir, '.'], process.env);
    assert.equal(r.code, 0, r.stderr);
    await buildOk(['-t', 'ctx:tgz', '-'], { input: await readFile(tgz) });
    assert.equal(await runIn('ctx:tgz', ['cat', '/x.txt']), 'tarred\n');
  });

  it('build options reach RUN: --network none, --add-host, --shm-size, --ulimit', async () => {
    const dir = context({
      Dockerfile: [
        `FROM ${BB}`,
        'RUN ls /sys/class/net > /nets; grep myhost /etc/hosts > /hosts; df -k /dev/shm | tail -1 > /shm; ulimit -n > /nofile',
        '',
      ].join('\n'),
    });
    await buildOk(['--network', 'none', '--add-host', 'myhost:10.9.8.7', '--shm-size', '32m', '--ulimit', 'nofile=512:512', '-t', 'opts:x', dir]);
    assert.equal(await runIn('opts:x', ['cat', '/nets']), 'lo\n');
    assert.match(await runIn('opts:x', ['cat', '/hosts']), /^10\.9\.8\.7\s+myhost$/m);
    assert.match(await runIn('opts:x', ['cat', '/shm']), /\s32768\s/);
    assert.equal(await runIn('opts:x', ['cat', '/nofile']), '512\n');
  });

  it('a client that goes away cancels the build and leaves nothing behind', async () => {
    const dir = context({ Dockerfile: `FROM ${BB}\nRUN echo started && sleep 60\n` });
    const before = await e.dockerOk(['images', '-aq']);
    const child = spawn(DOCKER, ['build', '-t', 'cancel:me', dir], { env: e.cliEnv(CLASSIC), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`RUN never started:\n${out}`)), 60_000);
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (/^started$/m.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGKILL');
    await waitFor(async () => (await e.dockerOk(['ps', '-aq'])).trim() === '', 20_000, 'the build container to go');
    assert.equal((await e.docker(['image', 'inspect', 'cancel:me'])).code, 1);
    assert.equal(await e.dockerOk(['images', '-aq']), before, 'no image was added');
  });
});

describe('wharf build', () => {
  it('renders steps with timings and CACHED, then the IDs; -q prints only the ID', async () => {
    const dir = context({ Dockerfile: `FROM ${BB}\nENV W=1\nRUN echo wharf-run-output\nCMD ["sh"]\n` });
    const cold = await e.wharfOk(['build', '-t', 'wharf:built', dir]);
    assert.match(cold, /^Step 3\/4 : RUN echo wharf-run-output$/m);
    assert.match(cold, /^wharf-run-output$/m);
    assert.match(cold, /^\[3\/4\] RUN echo wharf-run-output {2}\d+\.\ds$/m);
    assert.match(cold, /^Successfully built [0-9a-f]{12}$/m);
    assert.match(cold, /^Successfully tagged wharf:built$/m);
    assert.doesNotMatch(cold, /--->/);
    const warm = await e.wharfOk(['build', '-t', 'wharf:built', dir]);
    for (const s of ['[2/4] ENV W=1  CACHED', '[3/4] RUN echo wharf-run-output  CACHED', '[4/4] CMD ["sh"]  CACHED']) assert.ok(warm.includes(s), warm);
    assert.doesNotMatch(warm, /^wharf-run-output$/m);
    const q = await e.wharfOk(['build', '-q', dir]);
    assert.match(q, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(q.trim(), (await e.dockerOk(['image', 'inspect', '--format', '{{.Id}}', 'wharf:built'])).trim());
  });

  it('a failing RUN exits with its code and the daemon\'s message', async () => {
    const dir = context({ Dockerfile: `FROM ${BB}\nRUN echo failing-output; exit 4\n` });
    const r = await e.wharf(['build', dir]);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stdout, /^failing-output$/m);
    assert.match(r.stdout, /^\[2\/2\] RUN echo failing-output; exit 4 {2}ERROR$/m);
    assert.match(r.stderr, /returned a non-zero code: 4/);
  });

  it('--secret: RUN --mount=type=secret reads it; it is in no layer, history or cache key', async () => {
    const secretFile = join(files.dir, 'token');
    writeFileSync(secretFile, 'file-secret-value');
    const dir = context({
      Dockerfile: [
        `FROM ${BB}`,
        // Only digests of the values go in the image: the values themselves must be in no layer.
        'RUN --mount=type=secret,id=tok sha256sum /run/secrets/tok | cut -c1-64 > /seen-tok && ls /run/secrets > /secrets-dir',
        'RUN --mount=type=secret,id=envsecret,target=/custom sha256sum /custom | cut -c1-64 > /seen-env',
        '',
      ].join('\n'),
    });
    await e.wharfOk(['build', '-t', 'wharf:secret', '--secret', `id=tok,src=${secretFile}`, '--secret', 'id=envsecret,env=MY_SECRET', dir], {
      env: { MY_SECRET: 'env-secret-value' },
    });
    const sha = (v: string) => `${createHash('sha256').update(v).digest('hex')}\n`;
    assert.equal(await runIn('wharf:secret', ['cat', '/seen-tok']), sha('file-secret-value'));
    assert.equal(await runIn('wharf:secret', ['cat', '/seen-env']), sha('env-secret-value'));
    assert.equal(await runIn('wharf:secret', ['cat', '/secrets-dir']), 'tok\n');
    assert.equal(await runIn('wharf:secret', ['sh', '-c', 'ls -A /run/secrets 2>/dev/null; ls /custom 2>&1 || true']), 'ls: /custom: No such file or directory\n');
    const history = await e.dockerOk(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'wharf:secret']);
    assert.doesNotMatch(history, /secret-value/);
    const saved = join(files.dir, 'secret.tar');
    await e.dockerOk(['save', '-o', saved, 'wharf:secret']);
    const grep = await runCommand('grep', ['-c', 'secret-value', saved], process.env);
    assert.equal(grep.stdout.trim(), '0', 'no layer or config holds a secret value');
    // A different secret value is no reason to rebuild.
    writeFileSync(secretFile, 'another-value');
    const again = await e.wharfOk(['build', '--secret', `id=tok,src=${secretFile}`, '--secret', 'id=envsecret,env=MY_SECRET', dir], {
      env: { MY_SECRET: 'changed' },
    });
    assert.match(again, /\[2\/3\] .* {2}CACHED/);
  });

  it('RUN --mount=type=cache persists between builds; type=bind and type=tmpfs are there only during the RUN', async () => {
    const dir = context({
      'bound/file.txt': 'bound\n',
      Dockerfile: [
        `FROM ${BB}`,
        'RUN --mount=type=cache,target=/cache echo x >> /cache/log && wc -l < /cache/log > /count',
        'RUN --mount=type=bind,source=bound,target=/mnt/b cat /mnt/b/file.txt > /bound-copy',
        'RUN --mount=type=tmpfs,target=/scratch grep " /scratch " /proc/mounts | cut -d" " -f3 > /tmpfs-type; touch /scratch/x',
        'RUN --network=none ls /sys/class/net > /run-nets',
        '',
      ].join('\n'),
    });
    await e.wharfOk(['build', '--no-cache', '-t', 'wharf:mounts', dir]);
    const first = Number((await runIn('wharf:mounts', ['cat', '/count'])).trim());
    await e.wharfOk(['build', '--no-cache', '-t', 'wharf:mounts', dir]);
    assert.equal(Number((await runIn('wharf:mounts', ['cat', '/count'])).trim()), first + 1);
    assert.equal(await runIn('wharf:mounts', ['cat', '/bound-copy', '/tmpfs-type', '/run-nets']), 'bound\ntmpfs\nlo\n');
    assert.equal(await runIn('wharf:mounts', ['sh', '-c', 'ls -A /cache /mnt/b /scratch 2>/dev/null | grep -v : | grep . || echo empty']), 'empty\n');
  });

  it('builder prune through wharf', async () => {
    const out = await e.wharfOk(['builder', 'prune', '-af']);
    assert.match(out, /Total reclaimed space: /);
  });
});

describe('docker build: FROM a registry image', () => {
  it('pulls FROM with the credentials the CLIs send (X-Registry-Config); --pull looks for a newer one', async () => {
    const reg = await startRegistryPeer('build', { users: { alice: 's3cret' } });
    try {
      const ref = `${reg.host}/priv/base:1`;
      const copy = async (archive: string) => {
        const args = ['copy', '-q', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `docker-archive:${archive}`, `docker://${ref}`];
        const r = await runCommand('skopeo', args, process.env);
        assert.equal(r.code, 0, r.stderr);
      };
      await copy(await busyboxImageArchive());
      const dir = context({ Dockerfile: `FROM ${ref}\nRUN cat /version 2>/dev/null || echo none > /version\n` });
      const denied = await build(['-t', 'reg:built', dir]);
      assert.notEqual(denied.code, 0, 'no credentials: the pull is refused');
      await e.dockerOk(['login', '-u', 'alice', '--password-stdin', reg.host], { input: 's3cret' });
      await buildOk(['-t', 'reg:built', dir]);
      assert.equal(await runIn('reg:built', ['cat', '/version']), 'none\n');
      // A newer image under the same tag: used only with --pull.
      const v2 = context({ Dockerfile: `FROM ${BB}\nRUN echo v2 > /version\n` });
      await buildOk(['-t', 'reg:v2', v2]);
      const saved = join(files.dir, 'v2.tar');
      await e.dockerOk(['save', '-o', saved, 'reg:v2']);
      await copy(saved);
      const cached = await buildOk(['-t', 'reg:built', dir]);
      assert.match(cached, / ---> Using cache/);
      assert.equal(await runIn('reg:built', ['cat', '/version']), 'none\n');
      await buildOk(['--pull', '-t', 'reg:built', dir]);
      assert.equal(await runIn('reg:built', ['cat', '/version']), 'v2\n');
      // wharf build sends the same credentials from the same config file.
      await e.wharfOk(['build', '--pull', '-t', 'reg:wharf', dir]);
      assert.equal(await runIn('reg:wharf', ['cat', '/version']), 'v2\n');
    } finally {
      await e.docker(['logout', reg.host]);
      await reg.stop();
    }
  });
});

describe('a static C program compiled FROM Debian with gcc, run from scratch', () => {
  it('builds with the docker CLI and runs', async () => {
    await e.dockerOk(['load', '-q', '-i', await debianGccImageArchive()]);
    const dir = context({
      'hello.c': '#include <stdio.h>\nint main(int argc, char **argv) { printf("hello, %s\\n", argc > 1 ? argv[1] : "nobody"); return 0; }\n',
      Dockerfile: [
        `FROM ${DEBIAN_GCC_IMAGE_REF} AS compile`,
        'WORKDIR /src',
        'COPY hello.c .',
        'RUN gcc -static -O2 -o /hello hello.c && strip /hello',
        'FROM scratch',
        'COPY --from=compile /hello /hello',
        'ENTRYPOINT ["/hello"]',
        'CMD ["world"]',
        '',
      ].join('\n'),
    });
    await buildOk(['-t', 'static:hello', dir]);
    assert.equal(await runIn('static:hello', []), 'hello, world\n');
    assert.equal(await runIn('static:hello', ['wharf']), 'hello, wharf\n');
    const layers = (await inspectImage<{ RootFS: { Layers: string[] } }>(e, 'static:hello')).RootFS.Layers;
    assert.equal(layers.length, 1, 'scratch plus one COPY');
  });
});
