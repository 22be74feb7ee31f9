import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FakeDaemon, fakeDaemon, run, sendJSON } from './testutil.ts';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const now = Math.floor(Date.now() / 1000);
const DAY = 86400;

const images = [
  {
    Id: A,
    ParentId: '',
    RepoTags: ['busybox:latest'],
    RepoDigests: [`busybox@sha256:${'c'.repeat(64)}`],
    Created: now - 2 * DAY,
    Size: 4261550,
    SharedSize: -1,
    Labels: {},
    Containers: -1,
  },
  {
    Id: B,
    ParentId: '',
    RepoTags: [],
    RepoDigests: [],
    Created: now - 21 * DAY,
    Size: 1200000,
    SharedSize: -1,
    Labels: null,
    Containers: -1,
  },
];

/** docker's table layout: tabwriter minwidth 10, padding 3, last column unpadded. */
function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(10, ...rows.map((r) => (r[i] ?? '').length + 3))) ?? [];
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(''))
    .map((l) => `${l}\n`)
    .join('');
}

let d: FakeDaemon;
before(async () => {
  d = await fakeDaemon({
    'GET /images/json': (_r, res) => sendJSON(res, 200, images),
    'GET /images/busybox/json': (_r, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"Id":"sha256:aaa","RepoTags":["busybox:latest"],"Config":{"Labels":{}},"Size":4261550}\n');
    },
    'GET /images/nope/json': (_r, res) => sendJSON(res, 404, { message: 'No such image: nope:latest' }),
    'GET /images/busybox/history': (_r, res) =>
      sendJSON(res, 200, [
        { Id: A, Created: now - 2 * DAY, CreatedBy: '/bin/sh -c #(nop)  CMD ["sh"]', Tags: ['busybox:latest'], Size: 0, Comment: '' },
        { Id: '<missing>', Created: now - 2 * DAY, CreatedBy: '/bin/sh -c #(nop) ADD file:abcdef0123456789 in / ', Tags: null, Size: 4261550, Comment: 'imported' },
      ]),
    'POST /images/busybox/tag': (_r, res) => {
      res.writeHead(201);
      res.end();
    },
    'DELETE /images/busybox': (_r, res) => sendJSON(res, 200, [{ Untagged: 'busybox:latest' }, { Deleted: A }]),
    'DELETE /images/ghost': (_r, res) => sendJSON(res, 404, { message: 'No such image: ghost:latest' }),
    'DELETE /images/used': (_r, res) =>
      sendJSON(res, 409, { message: 'conflict: unable to remove repository reference "used" (must force)' }),
    'POST /images/prune': (_r, res) =>
      sendJSON(res, 200, { ImagesDeleted: [{ Untagged: 'old:1' }, { Deleted: B }], SpaceReclaimed: 1200000 }),
    'GET /images/get': (_r, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-tar' });
      res.end(Buffer.alloc(3000, 9));
    },
    'POST /images/load': (r, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`{"stream":"Loaded image: busybox:latest\\n"}\n{"stream":"bytes=${r.body.length}\\n"}\n`);
    },
    'POST /images/create': (_r, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`{"status":"${A}"}\n`);
    },
    'GET /events': (_r, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // timeNano is written by hand: its digits exceed a double's precision.
      const ev = JSON.stringify({ Type: 'image', Action: 'tag', Actor: { ID: A, Attributes: { name: 'busybox:latest' } }, scope: 'local', time: 1704067200 });
      res.end(`${ev.slice(0, -1)},"timeNano":1704067200000000123}\n`);
    },
    'GET /version': (_r, res) =>
      sendJSON(res, 200, {
        Platform: { Name: 'Wharf Engine' },
        Version: '0.1.0',
        ApiVersion: '1.50',
        MinAPIVersion: '1.24',
        GitCommit: 'abc1234',
        GoVersion: 'v24.0.0',
        Os: 'linux',
        Arch: 'amd64',
        KernelVersion: '6.1.0',
        BuildTime: '2024-01-01T00:00:00.000000000+00:00',
      }),
    'GET /info': (_r, res) =>
      sendJSON(res, 200, {
        ID: 'abc',
        Containers: 0,
        ContainersRunning: 0,
        ContainersPaused: 0,
        ContainersStopped: 0,
        Images: 2,
        Driver: 'overlayfs',
        DriverStatus: [['Backing Filesystem', 'extfs']],
        Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Log: ['json-file'] },
        OSType: 'linux',
        NCPU: 2,
        MemTotal: 25769803776,
        DockerRootDir: '/var/lib/wharf',
        Name: 'box',
        ServerVersion: '0.1.0',
        Swarm: { LocalNodeState: 'inactive' },
        Warnings: ['WARNING: bridge-nf-call-iptables is disabled'],
      }),
    'GET /system/df': (_r, res) =>
      sendJSON(res, 200, { LayersSize: 5461550, Images: images, Containers: [], Volumes: [], BuildCache: [] }),
  });
});
after(() => d.close());

describe('images', () => {
  it('prints docker\'s table', async () => {
    const r = await run(d.host, ['images']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      table([
        ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
        ['busybox', 'latest', 'a'.repeat(12), '2 days ago', '4.26MB'],
        ['<none>', '<none>', 'b'.repeat(12), '3 weeks ago', '1.2MB'],
      ]),
    );
  });

  it('lists quietly, with filters and a reference', async () => {
    const r = await run(d.host, ['image', 'ls', '-aq', '--filter', 'dangling=false', 'busy*']);
    assert.equal(r.stdout, `${'a'.repeat(12)}\n${'b'.repeat(12)}\n`);
    const q = d.seen.at(-1)?.query;
    assert.equal(q?.get('all'), '1');
    assert.deepEqual(JSON.parse(q?.get('filters') ?? ''), { dangling: { false: true }, reference: { 'busy*': true } });
  });

  it('shows digests and full IDs', async () => {
    const r = await run(d.host, ['images', '--digests', '--no-trunc', '--format', '{{.Repository}} {{.Digest}} {{.ID}}']);
    assert.equal(r.stdout, `busybox sha256:${'c'.repeat(64)} ${A}\n<none> <none> ${B}\n`);
  });

  it('rejects extra arguments like docker', async () => {
    const r = await run(d.host, ['images', 'a', 'b']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "wharf: 'wharf images' requires at most 1 argument\n\nUsage:  wharf images [OPTIONS] [REPOSITORY[:TAG]]\n\nRun 'wharf images --help' for more information\n",
    );
  });
});

describe('inspect', () => {
  it('prints the daemon JSON in an array indented by 4 spaces', async () => {
    const r = await run(d.host, ['image', 'inspect', 'busybox']);
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      '[\n    {\n        "Id": "sha256:aaa",\n        "RepoTags": [\n            "busybox:latest"\n        ],\n        "Config": {\n            "Labels": {}\n        },\n        "Size": 4261550\n    }\n]\n',
    );
  });

  it('applies --format and reports missing images after the others', async () => {
    const r = await run(d.host, ['inspect', '-f', '{{.Size}}', 'busybox', 'nope']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '4261550\n');
    assert.equal(r.stderr, 'Error: No such object: nope\n');
    const r2 = await run(d.host, ['image', 'inspect', 'nope']);
    assert.equal(r2.stdout, '[]\n');
    assert.equal(r2.stderr, 'Error response from daemon: No such image: nope:latest\n');
  });
});

describe('history', () => {
  it('prints the human table with truncated commands', async () => {
    const r = await run(d.host, ['history', 'busybox']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      table([
        ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
        ['a'.repeat(12), '2 days ago', '/bin/sh -c #(nop)  CMD ["sh"]', '0B', ''],
        ['<missing>', '2 days ago', '/bin/sh -c #(nop) ADD file:abcdef0123456789 …', '4.26MB', 'imported'],
      ]),
    );
  });

  it('prints raw sizes with -H=false and IDs with -q', async () => {
    const r = await run(d.host, ['image', 'history', '-H=false', '--format', '{{.Size}}', 'busybox']);
    assert.equal(r.stdout, '0\n4261550\n');
    const q = await run(d.host, ['history', '-q', 'busybox']);
    assert.equal(q.stdout, `${'a'.repeat(12)}\n<missing>\n`);
  });
});

describe('tag, rmi, prune', () => {
  it('tags with repo and tag parameters', async () => {
    const r = await run(d.host, ['tag', 'busybox', 'example.com/me/box:v1']);
    assert.equal(r.code, 0, r.stderr);
    const q = d.seen.at(-1)?.query;
    assert.equal(q?.get('repo'), 'example.com/me/box');
    const h = await run(d.host, ['tag', 'busybox', 'me/box']);
    assert.equal(h.code, 0, h.stderr);
    assert.equal(d.seen.at(-1)?.query.get('repo'), 'docker.io/me/box');
    assert.equal(d.seen.at(-1)?.query.get('tag'), 'latest');
    const bad = await run(d.host, ['tag', 'busybox', 'Bad:Name']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Error parsing reference: "Bad:Name" is not a valid repository\/tag: invalid reference format/);
    assert.equal(q?.get('tag'), 'v1');
  });

  it('prints Untagged and Deleted lines', async () => {
    const r = await run(d.host, ['rmi', 'busybox']);
    assert.equal(r.stdout, `Untagged: busybox:latest\nDeleted: ${A}\n`);
  });

  it('fails on errors, but --force only reports missing images', async () => {
    const r = await run(d.host, ['rmi', 'ghost', 'busybox']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error response from daemon: No such image: ghost:latest\n');
    const f = await run(d.host, ['image', 'rm', '-f', 'ghost']);
    assert.equal(f.code, 0);
    assert.equal(f.stderr, 'Error response from daemon: No such image: ghost:latest\n');
    const c = await run(d.host, ['rmi', '-f', 'used']);
    assert.equal(c.code, 1);
  });

  it('prompts, then lists what was deleted and the space reclaimed', async () => {
    const r = await run(d.host, ['image', 'prune'], { stdin: 'y\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] Deleted Images:\nuntagged: old:1\ndeleted: ${B}\n\nTotal reclaimed space: 1.2MB\n`,
    );
    assert.deepEqual(JSON.parse(d.seen.at(-1)?.query.get('filters') ?? ''), { dangling: { true: true } });
  });

  it('does nothing when the prompt is declined', async () => {
    const before = d.seen.length;
    const r = await run(d.host, ['image', 'prune', '-a'], { stdin: 'n\n' });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^WARNING! This will remove all images without at least one container associated to them\./);
    assert.equal(d.seen.length, before);
  });
});

describe('save, load, import', () => {
  it('refuses to write a tar to a terminal', async () => {
    const r = await run(d.host, ['save', 'busybox'], { stdoutTTY: true });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'cowardly refusing to save to a terminal. Use the -o flag or redirect\n');
  });

  it('saves to a file with -o', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-save-'));
    try {
      const file = join(dir, 'out.tar');
      const r = await run(d.host, ['save', '-o', file, 'busybox', 'alpine']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(file).length, 3000);
      assert.deepEqual(d.seen.at(-1)?.query.getAll('names'), ['busybox', 'alpine']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads from a file and prints the stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-load-'));
    try {
      const file = join(dir, 'in.tar');
      writeFileSync(file, Buffer.alloc(4096, 1));
      const r = await run(d.host, ['load', '-i', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Loaded image: busybox:latest\nbytes=4096\n');
      assert.equal(d.seen.at(-1)?.query.get('quiet'), '1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to load from a terminal', async () => {
    const r = await run(d.host, ['load'], { stdinTTY: true });
    assert.equal(r.stderr, 'requested load from stdin, but stdin is empty\n');
  });

  it('imports stdin with changes and prints the new image ID', async () => {
    const r = await run(d.host, ['import', '-c', 'CMD ["sh"]', '--change', 'ENV A=1', '-m', 'hi', '-', 'mine:v1'], {
      stdin: Buffer.alloc(1024, 2),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${A}\n`);
    const seen = d.seen.at(-1);
    assert.equal(seen?.query.get('fromSrc'), '-');
    assert.equal(seen?.query.get('repo'), 'mine:v1');
    assert.equal(seen?.query.get('message'), 'hi');
    assert.deepEqual(seen?.query.getAll('changes'), ['CMD ["sh"]', 'ENV A=1']);
    assert.equal(seen?.body.length, 1024);
  });
});

describe('system', () => {
  it('prints events in docker\'s default line format', async () => {
    const r = await run(d.host, ['events', '--since', '1704067000', '--until', '1704067300', '-f', 'type=image']);
    assert.equal(r.stdout, `2024-01-01T00:00:00.000000123Z image tag ${A} (name=busybox:latest)\n`);
    const q = d.seen.at(-1)?.query;
    assert.equal(q?.get('since'), '1704067000');
    assert.deepEqual(JSON.parse(q?.get('filters') ?? ''), { type: { image: true } });
  });

  it('formats events with a template', async () => {
    const r = await run(d.host, ['system', 'events', '--format', '{{.Type}}/{{.Action}}/{{.Actor.Attributes.name}}']);
    assert.equal(r.stdout, 'image/tag/busybox:latest\n');
  });

  it('prints client and server versions', async () => {
    const r = await run(d.host, ['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Client:\n Version: {11}0\.1\.0\n API version: {7}1\.50\n/);
    assert.match(r.stdout, /\nServer: Wharf Engine\n Engine:\n {2}Version: {10}0\.1\.0\n {2}API version: {6}1\.50 \(minimum version 1\.24\)\n/);
    const f = await run(d.host, ['version', '--format', '{{.Server.Version}}']);
    assert.equal(f.stdout, '0.1.0\n');
  });

  it('prints info in docker\'s layout with warnings on stderr', async () => {
    const r = await run(d.host, ['info']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Client:\n Version: {4}0\.1\.0\n Context: {4}default\n Debug Mode: false\n\nServer:\n Containers: 0\n {2}Running: 0\n/);
    assert.match(r.stdout, / Storage Driver: overlayfs\n {2}Backing Filesystem: extfs\n/);
    assert.match(r.stdout, / Total Memory: 24GiB\n/);
    assert.equal(r.stderr, 'WARNING: bridge-nf-call-iptables is disabled\n');
  });

  it('prints the disk usage summary', async () => {
    const r = await run(d.host, ['system', 'df']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      table([
        ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
        ['Images', '2', '0', '5.462MB', '5.462MB (100%)'],
        ['Containers', '0', '0', '0B', '0B'],
        ['Local Volumes', '0', '0', '0B', '0B'],
        ['Build Cache', '0', '0', '0B', '0B'],
      ]),
    );
  });
});

describe('errors and help', () => {
  it('says when the daemon is not running', async () => {
    const r = await run(undefined, ['images'], { env: { WHARF_HOST: 'unix:///nonexistent.sock' } });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Cannot connect to the Wharf daemon at unix:///nonexistent.sock. Is the wharf daemon running?\n');
  });

  it('exits 125 on flag errors', async () => {
    const r = await run(d.host, ['images', '--bogus']);
    assert.equal(r.code, 125);
    assert.equal(
      r.stderr,
      "unknown flag: --bogus\n\nUsage:  wharf images [OPTIONS] [REPOSITORY[:TAG]]\n\nRun 'wharf images --help' for more information\n",
    );
  });

  it('rejects unknown commands', async () => {
    const r = await run(d.host, ['frobnicate']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "wharf: unknown command: wharf frobnicate\n\nRun 'wharf --help' for more information\n");
    const sub = await run(d.host, ['image', 'frob']);
    assert.equal(sub.code, 1);
    assert.equal(sub.stderr, "wharf: unknown command: wharf image frob\n\nUsage:  wharf image\n\nRun 'wharf image --help' for more information\n");
  });

  it('prints usage for --help', async () => {
    const r = await run(d.host, ['image', 'ls', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: {2}wharf image ls \[OPTIONS\] \[REPOSITORY\[:TAG\]\]\n\nList images\n\nAliases:\n {2}wharf image ls, wharf image list, wharf images\n\nOptions:\n {2}-a, --all {13}Show all images/);
    const root = await run(d.host, ['--help']);
    assert.match(root.stdout, /Management Commands:\n {2}builder {5}Manage builds\n {2}container {3}Manage containers\n {2}image {7}Manage images\n {2}network {5}Manage networks\n/);
    assert.equal((await run(d.host, ['-v'])).stdout.startsWith('Wharf version 0.1.0, build '), true);
  });
});
