// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text, not templates
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BuildArgs } from './args.ts';
import { readInstructions } from './dockerfile/instructions.ts';
import { parseDockerfile } from './dockerfile/parse.ts';
import { applyMetadata, goQuoteList, nopCreatedBy, parseGoDuration } from './metadata.ts';
import { planStages } from './stages.ts';
import type { ContainerConfigTemplate } from '../image/types.ts';

const plan = (text: string, target?: string, meta = new Map<string, string>()) => planStages(readInstructions(parseDockerfile(text)), meta, target, '\\');

describe('planStages', () => {
  const df = ['ARG BASE=busybox', 'FROM ${BASE} AS deps', 'FROM scratch AS unused', 'FROM deps AS build', 'COPY --from=deps /a /a', 'FROM busybox', 'COPY --from=build /b /b'].join('\n');

  it('builds what the target needs, dependencies first, and skips the rest', () => {
    const p = plan(df, undefined, new Map([['BASE', 'alpine']]));
    assert.deepEqual(p.order, [0, 2, 3]);
    assert.deepEqual(p.stages[0]!.base, { kind: 'image', ref: 'alpine' });
    assert.deepEqual(p.stages[1]!.base, { kind: 'scratch' });
    assert.deepEqual(p.stages[2]!.base, { kind: 'stage', index: 0 });
    assert.equal(p.metaArgs.length, 1);
  });

  it('stops at --target and refuses an unknown one', () => {
    assert.deepEqual(plan(df, 'build', new Map([['BASE', 'b']])).order, [0, 2]);
    assert.throws(() => plan(df, 'nope', new Map([['BASE', 'b']])), /failed to reach build target nope/);
  });

  it('refuses duplicate stage names and instructions before FROM', () => {
    assert.throws(() => plan('FROM a AS x\nFROM b AS x'), /duplicate name x/);
    assert.throws(() => plan('RUN x\nFROM a'), /no build stage in current context/);
  });
});

describe('config-only instructions', () => {
  const apply = (line: string, config: ContainerConfigTemplate, flags = { cmdSet: false }) => {
    const [ins] = readInstructions(parseDockerfile(line));
    const env = new Map([['X', 'ex']]);
    return applyMetadata(ins!, config, (w) => w.replace('$X', env.get('X')!), (t) => t.split(/\s+/), flags);
  };

  it('ENV replaces a key in place, LABEL merges, EXPOSE expands ranges', () => {
    const c: ContainerConfigTemplate = { Env: ['PATH=/bin', 'A=1'] };
    assert.equal(apply('ENV A=2 B=$X', c), 'ENV A=2 B=ex');
    assert.deepEqual(c.Env, ['PATH=/bin', 'A=2', 'B=ex']);
    apply('LABEL a=b', c);
    apply('LABEL c=d', c);
    assert.deepEqual(c.Labels, { a: 'b', c: 'd' });
    assert.equal(apply('EXPOSE 80 8000-8001/udp', c), 'EXPOSE 80/tcp 8000/udp 8001/udp');
  });

  it('CMD and ENTRYPOINT in shell form go through SHELL; ENTRYPOINT resets an inherited CMD only', () => {
    const c: ContainerConfigTemplate = { Cmd: ['sh'], Shell: ['/bin/bash', '-c'] };
    const flags = { cmdSet: false };
    assert.equal(apply('ENTRYPOINT run it', c, flags), 'ENTRYPOINT ["/bin/bash" "-c" "run it"]');
    assert.equal(c.Cmd, null);
    apply('CMD ["a"]', c, flags);
    apply('ENTRYPOINT ["b"]', c, flags);
    assert.deepEqual(c.Cmd, ['a']);
  });

  it('HEALTHCHECK reads Go durations; history lines are the classic builder\'s', () => {
    const c: ContainerConfigTemplate = {};
    apply('HEALTHCHECK --interval=1m30s --retries=3 CMD true', c);
    assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 90e9, Retries: 3 });
    assert.equal(parseGoDuration('1.5s', 'x'), 1.5e9);
    assert.throws(() => parseGoDuration('5', 'interval'), /invalid duration/);
    assert.equal(nopCreatedBy(['/bin/sh', '-c'], 'CMD ["x"]'), '/bin/sh -c #(nop)  CMD ["x"]');
    assert.equal(goQuoteList(['a b', 'c']), '["a b" "c"]');
  });
});

describe('BuildArgs', () => {
  it('--build-arg beats a default, meta ARGs reach stages that re-declare them, unused ones are reported', () => {
    const a = new BuildArgs({ V: 'given', UNUSED: 'x', HTTP_PROXY: 'http://p', EMPTY: null });
    a.declareMeta('M', 'meta');
    assert.equal(a.stageValue('V', 'default'), 'given');
    assert.equal(a.stageValue('M', undefined), 'meta');
    assert.equal(a.stageValue('TARGETOS', undefined), 'linux');
    assert.equal(a.stageValue('NOPE', undefined), undefined);
    assert.deepEqual(a.proxyEnv(), ['HTTP_PROXY=http://p']);
    assert.deepEqual(a.unconsumed(), ['UNUSED']);
  });
});
