// Container operations beyond the lifecycle, through the real docker CLI: commit, diff,
// export, top, update, stats, restart policies, healthchecks with their events, a TTY through
// a pty, and live restore across a daemon SIGKILL. Tests in this file run in order and share
// one daemon.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { BUSYBOX_IMAGE_REF, busyboxImageArchive } from '../fixtures/index.ts';
import { type Engine, ENGINE_KIND, runCommand, startEngine, waitFor } from './harness.ts';
import { jsonLines, lines } from './util.ts';

const BB = BUSYBOX_IMAGE_REF;
let e: Engine;

before(async () => {
  e = await startEngine('containers-ops');
  await e.dockerOk(['load', '-i', await busyboxImageArchive()]);
});
after(async () => {
  await e?.teardown();
});

async function inspectField(name: string, template: string): Promise<string> {
  return (await e.dockerOk(['inspect', '--format', template, name])).trim();
}

describe('filesystem changes', () => {
  it('diff lists additions, changes and deletions of the rw layer only', async () => {
    await e.dockerOk(['run', '--name', 'changer', BB, 'sh', '-c', 'echo x > /tmp/new; rm /bin/vi; mkdir -p /etc/foo; echo y > /etc/foo/bar']);
    const diff = lines(await e.dockerOk(['diff', 'changer']));
    assert.deepEqual(diff, ['C /bin', 'D /bin/vi', 'C /etc', 'A /etc/foo', 'A /etc/foo/bar', 'C /tmp', 'A /tmp/new']);
  });

  it('commit makes an image of the changes, with --change and a message', async () => {
    const id = (await e.dockerOk(['commit', '-m', 'my change', '-a', 'me', '-c', 'ENV A=b', '-c', 'CMD ["cat", "/tmp/new"]', 'changer', 'committed:v1'])).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await e.dockerOk(['run', '--rm', 'committed:v1']), 'x\n');
    assert.equal(await e.dockerOk(['run', '--rm', 'committed:v1', 'sh', '-c', 'echo $A; cat /etc/foo/bar; test -e /bin/vi || echo gone']), 'b\ny\ngone\n');
    const hist = lines(await e.dockerOk(['history', '--format', '{{.Comment}}', 'committed:v1']));
    assert.equal(hist[0], 'my change');
    assert.equal(await inspectField('committed:v1', '{{.Author}}'), 'me');
    assert.equal(Number(await inspectField('committed:v1', '{{len .RootFS.Layers}}')), 2);
    const diffOfNew = lines(await e.dockerOk(['run', '--name', 'clean', 'committed:v1', 'true']).then(() => e.dockerOk(['diff', 'clean'])));
    assert.deepEqual(diffOfNew, [], 'the runtime\'s mount points are not changes');
  });

  it('an image used by a container cannot be removed without force', async () => {
    const r = await e.docker(['rmi', 'committed:v1']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /container [0-9a-f]{12} is using its referenced image/);
  });

  it('export writes the whole filesystem as a tar', async () => {
    const tar = await e.docker(['export', 'changer'], { stdoutFile: `${e.root}/export.tar` });
    assert.equal(tar.code, 0, tar.stderr);
    const list = await runCommand('tar', ['-tf', `${e.root}/export.tar`], process.env);
    const names = new Set(lines(list.stdout));
    assert.ok(names.has('tmp/new') && names.has('etc/foo/bar') && names.has('bin/busybox'));
    assert.ok(!names.has('bin/vi'));
  });
});

describe('running containers', () => {
  it('top lists the container\'s processes', async () => {
    await e.dockerOk(['run', '-d', '--name', 'busy', BB, 'sh', '-c', 'sleep 1001 & sleep 1002']);
    await waitFor(async () => (await e.dockerOk(['top', 'busy'])).includes('sleep 1001'), 5000, 'both sleeps');
    const top = await e.dockerOk(['top', 'busy']);
    assert.match(top, /^UID\s+PID\s+PPID/m);
    assert.match(top, /sleep 1001/);
    assert.match(top, /sleep 1002/);
    assert.doesNotMatch(top, /wharfd|conmon/);
    const custom = await e.dockerOk(['top', 'busy', '-o', 'pid,comm']);
    assert.match(custom, /^\s*PID\s+COMMAND/m);
  });

  it('update changes limits live and inspect shows them', async () => {
    await e.dockerOk(['update', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '50', 'busy']);
    assert.equal(await inspectField('busy', '{{.HostConfig.Memory}}'), String(64 * 1024 * 1024));
    assert.equal(await inspectField('busy', '{{.HostConfig.NanoCpus}}'), '500000000');
    const stats = jsonLines<{ MemUsage: string; PIDs: string }>(await e.dockerOk(['stats', '--no-stream', '--format', '{{json .}}', 'busy']));
    assert.match(stats[0]?.MemUsage ?? '', /\/ 64MiB$/);
    assert.equal(stats[0]?.PIDs, '2', 'busybox sh execs its last command: two sleeps');
  });

  it('stats --no-stream shows every running container', async () => {
    const out = await e.dockerOk(['stats', '--no-stream']);
    assert.match(out, /CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT/);
    assert.match(out, /busy/);
    const api = await e.api('GET', '/containers/busy/stats?stream=false');
    const s = api.json<{ cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number }; memory_stats: { usage: number; limit: number }; pids_stats: { current: number } }>();
    assert.ok(s.cpu_stats.cpu_usage.total_usage > 0);
    assert.ok(s.cpu_stats.system_cpu_usage > 0);
    assert.ok(s.cpu_stats.online_cpus >= 1);
    assert.equal(s.memory_stats.limit, 64 * 1024 * 1024);
    assert.equal(s.pids_stats.current, 2);
  });

  it('stats --no-stream measures CPU against a sample a second earlier, as dockerd', async () => {
    await e.dockerOk(['run', '-d', '--name', 'spin', BB, 'sh', '-c', 'while :; do :; done']);
    type Cpu = { cpu_usage: { total_usage: number }; system_cpu_usage?: number };
    const s = (await e.api('GET', '/containers/spin/stats?stream=false')).json<{ cpu_stats: Cpu; precpu_stats: Cpu }>();
    assert.ok((s.precpu_stats.system_cpu_usage ?? 0) > 0, 'precpu_stats is a real earlier sample');
    assert.ok(s.cpu_stats.cpu_usage.total_usage > s.precpu_stats.cpu_usage.total_usage);
    const one = (await e.api('GET', '/containers/spin/stats?stream=false&one-shot=true')).json<{ precpu_stats: Cpu }>();
    assert.equal(one.precpu_stats.cpu_usage.total_usage, 0, 'one-shot does not wait for a second sample');
    const pct = Number.parseFloat(await e.dockerOk(['stats', '--no-stream', '--format', '{{.CPUPerc}}', 'spin']));
    assert.ok(pct > 20, `a busy loop shows real CPU use, got ${pct}%`);
    await e.dockerOk(['rm', '-f', 'spin']);
  });

  it('a TTY container gets a real terminal of the client\'s size', async () => {
    const r = await runCommand(
      'script',
      ['-qec', `stty rows 33 cols 101; docker run -it --rm ${BB} sh -c 'tty; stty size'`, '/dev/null'],
      e.cliEnv(),
      { timeoutMs: 30_000 },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
    assert.match(r.stdout, /33 101/);
  });
});

/**
 * Runs `command` under `script` (a real pty) with script's stdin held open until the command
 * ends, as a person at a terminal would. (With stdin at EOF, e.g. /dev/null, script writes the
 * EOF character into the pty while it is still in canonical mode; the kernel queues it as a NUL
 * byte that the docker CLI reads once it puts the terminal in raw mode and forwards as typed
 * input, which the container's terminal echoes as ^@. dockerd shows the same.)
 */
function throughPty(command: string, timeoutMs = 30_000): Promise<{ code: number | null; out: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: e.cliEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, out: Buffer.concat(out) });
    });
  });
}

describe('terminals', () => {
  it('run -it and exec -it print exactly the program\'s output, no stray byte first', async () => {
    const run = await throughPty(`docker run -it --rm --network none ${BB} sh -c 'echo hi'`);
    assert.equal(run.code, 0);
    assert.equal(run.out.toString('latin1'), 'hi\r\n');
    const exec = await throughPty("docker exec -it busy sh -c 'echo hi'");
    assert.equal(exec.code, 0);
    assert.equal(exec.out.toString('latin1'), 'hi\r\n');
  });

  it('keeps the output of a command that exits with stdin unread (-i and -it)', async () => {
    // conmon can exit before reading the last stdin sent to it; the output it forwarded before
    // must still arrive. The race is narrow: a few tries of each form.
    for (let i = 0; i < 12; i++) {
      const r = await e.docker(['run', '-i', '--rm', '--network', 'none', BB, 'echo', 'hi'], { input: 'x' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hi\n', `try ${i}`);
      // Under script with stdin at EOF the CLI sends a NUL (see throughPty) right at the start.
      const t = await runCommand('script', ['-qec', `docker run -it --rm --network none ${BB} echo hi`, '/dev/null'], e.cliEnv(), { timeoutMs: 30_000 });
      assert.equal(t.code, 0);
      // The tty echoes that NUL as ^@, before or after the output, as with dockerd.
      assert.equal(t.stdout.replace('^@', ''), 'hi\r\n', `try ${i} with a TTY`);
    }
  });

  it('passes stdin through byte for byte, NUL included', async () => {
    const r = await e.docker(['run', '-i', '--rm', '--network', 'none', BB, 'od', '-An', '-tx1'], { input: Buffer.from([0x61, 0x00, 0x0a, 0xff]) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '61 00 0a ff');
  });

  it('exec -it gets a terminal of the client\'s size', async () => {
    const r = await runCommand('script', ['-qec', "stty rows 40 cols 120; docker exec -it busy sh -c 'tty; stty size'", '/dev/null'], e.cliEnv(), { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
    assert.match(r.stdout, /40 120/);
  });

  it('a TTY container survives its client and can be attached again', async () => {
    await e.dockerOk(['run', '-dit', '--name', 'shell', BB, 'sh']);
    const r = await runCommand('sh', ['-c', "(sleep 1; printf 'echo attached-$((40+2))\\n'; sleep 1; printf 'exit\\n'; sleep 1) | script -qec 'docker attach shell' /dev/null"], e.cliEnv(), {
      timeoutMs: 30_000,
    });
    assert.match(r.stdout, /attached-42/);
    await waitFor(async () => (await inspectField('shell', '{{.State.Status}}')) === 'exited', 10_000, 'sh exits');
  });
});

describe('restart policies and healthchecks', () => {
  it('on-failure:2 restarts twice, then leaves the container exited', async () => {
    await e.dockerOk(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', BB, 'sh', '-c', 'exit 1']);
    await waitFor(async () => (await inspectField('flaky', '{{.RestartCount}} {{.State.Status}}')) === '2 exited', 15_000, 'two restarts');
    assert.equal(await inspectField('flaky', '{{.State.ExitCode}}'), '1');
  });

  it('always restarts after an exit, but not after docker stop', async () => {
    await e.dockerOk(['run', '-d', '--name', 'phoenix', '--restart', 'always', BB, 'sh', '-c', 'sleep 0.3; exit 0']);
    await waitFor(async () => Number(await inspectField('phoenix', '{{.RestartCount}}')) >= 1, 15_000, 'a restart');
    await e.dockerOk(['stop', '-t', '1', 'phoenix']);
    const count = await inspectField('phoenix', '{{.RestartCount}}');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await inspectField('phoenix', '{{.State.Status}}'), 'exited');
    assert.equal(await inspectField('phoenix', '{{.RestartCount}}'), count);
  });

  it('a healthcheck turns healthy and publishes health_status', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    await e.dockerOk([
      'run', '-d', '--name', 'checked', '--health-cmd', 'test -f /tmp/ready', '--health-interval', '300ms', '--health-retries', '2',
      BB, 'sh', '-c', 'sleep 1; touch /tmp/ready; sleep 1000',
    ]);
    assert.equal(await inspectField('checked', '{{.State.Health.Status}}'), 'starting');
    await waitFor(async () => (await inspectField('checked', '{{.State.Health.Status}}')) === 'healthy', 15_000, 'healthy');
    assert.match(await e.dockerOk(['ps', '--filter', 'health=healthy', '--format', '{{.Names}} {{.Status}}']), /checked Up .* \(healthy\)/);
    const events = await e.dockerOk(['events', '--since', since, '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'container=checked', '--format', '{{.Action}}']);
    assert.ok(lines(events).includes('health_status: healthy'), events);
  });

  it('a failing healthcheck makes the container unhealthy', async () => {
    await e.dockerOk(['run', '-d', '--name', 'sick', '--health-cmd', 'exit 1', '--health-interval', '200ms', '--health-retries', '2', BB, 'sleep', '1000']);
    await waitFor(async () => (await inspectField('sick', '{{.State.Health.Status}}')) === 'unhealthy', 15_000, 'unhealthy');
    assert.ok(Number(await inspectField('sick', '{{.State.Health.FailingStreak}}')) >= 2);
  });
});

describe('websocket attach', () => {
  /** Opens /containers/{id}/attach/ws on the engine's socket and collects what arrives. */
  function openWs(name: string, query: string, version = '1.50') {
    const ws = new WebSocket(`ws+unix://${e.socket}:/v${version}/containers/${name}/attach/ws?${query}`);
    const got: { data: Buffer; binary: boolean }[] = [];
    ws.on('message', (data: Buffer, binary: boolean) => got.push({ data, binary }));
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    return { ws, got, opened, closed, text: () => Buffer.concat(got.map((g) => g.data)).toString() };
  }

  it('streams stdin to the container and its output back in binary frames', async () => {
    await e.dockerOk(['run', '-d', '-i', '--name', 'wscat', BB, 'cat']);
    const c = openWs('wscat', 'stream=1&stdin=1&stdout=1&stderr=1');
    await c.opened;
    c.ws.send('hello over ws\n');
    await waitFor(async () => c.text().includes('hello over ws'), 10_000, 'echo through the websocket');
    assert.ok(c.got.every((g) => g.binary), 'API 1.28+ sends binary frames');
    c.ws.close();
    await c.closed;
    await e.dockerOk(['rm', '-f', 'wscat']);
  });

  it('logs=1 replays the output; an old API version gets text frames; a missing container is 404', async () => {
    await e.dockerOk(['run', '--name', 'wslogs', BB, 'echo', 'from the past']);
    const c = openWs('wslogs', 'logs=1&stdout=1', '1.27');
    await c.opened;
    await c.closed;
    assert.equal(c.text(), 'from the past\n');
    assert.ok(c.got.every((g) => !g.binary), 'text frames before API 1.28');
    const missing = new WebSocket(`ws+unix://${e.socket}:/v1.50/containers/nope/attach/ws?stream=1`);
    const status = await new Promise<number>((resolve) => missing.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    assert.equal(status, 404);
  });
});

describe('live restore', { skip: ENGINE_KIND !== 'wharfd' ? 'kills the daemon under test' : false }, () => {
  it('a daemon SIGKILL leaves containers running; the restarted daemon re-adopts them', async () => {
    await e.dockerOk(['run', '-d', '--name', 'survivor', BB, 'sh', '-c', 'while true; do echo tick; sleep 0.2; done']);
    await e.dockerOk(['run', '-d', '--name', 'shortlived', BB, 'sleep', '1']);
    const pid = await inspectField('survivor', '{{.State.Pid}}');
    await e.stop('SIGKILL');
    process.kill(Number(pid), 0); // still alive with no daemon
    await new Promise((r) => setTimeout(r, 1500)); // shortlived exits while the daemon is away
    await e.start();
    assert.equal(await inspectField('survivor', '{{.State.Status}} {{.State.Pid}}'), `running ${pid}`);
    assert.equal(await inspectField('shortlived', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 0');
    assert.match(await e.dockerOk(['logs', '--tail', '1', 'survivor']), /^tick\n$/);
    assert.equal(await e.dockerOk(['exec', 'survivor', 'echo', 'still here']), 'still here\n');
    await e.dockerOk(['stop', '-t', '1', 'survivor']);
    assert.equal(await inspectField('survivor', '{{.State.Status}}'), 'exited');
  });
});
