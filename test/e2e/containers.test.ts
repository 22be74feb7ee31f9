// The container lifecycle through the real docker CLI, checked against Docker's documented
// behaviour: run (output, exit codes 125/126/127), detached runs and logs, stop/kill/restart/
// pause, inspect, ps filters, exec, attach, rename, rm -f, names and conflicts, the /etc files
// and network modes. Tests in this file run in order and share one daemon.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX_IMAGE_REF, busyboxImageArchive } from '../fixtures/index.ts';
import { type Engine, startEngine, waitFor } from './harness.ts';
import { jsonLines, lines } from './util.ts';

const BB = BUSYBOX_IMAGE_REF;
let e: Engine;

before(async () => {
  e = await startEngine('containers');
  await e.dockerOk(['load', '-i', await busyboxImageArchive()]);
});
after(async () => {
  await e?.teardown();
});

interface State {
  Status: string;
  Running: boolean;
  Paused: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  OOMKilled: boolean;
  Health?: { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string }[] };
}

interface Inspect {
  Id: string;
  Name: string;
  Path: string;
  Args: string[];
  State: State;
  Image: string;
  RestartCount: number;
  HostnamePath: string;
  HostsPath: string;
  ResolvConfPath: string;
  LogPath: string;
  Driver: string;
  Config: { Hostname: string; Cmd: string[]; Env: string[]; Labels: Record<string, string>; Image: string; Tty: boolean };
  HostConfig: { RestartPolicy: { Name: string; MaximumRetryCount: number }; Memory: number; NetworkMode: string; AutoRemove: boolean };
  GraphDriver: { Name: string; Data: Record<string, string> | null };
}

async function inspect(name: string): Promise<Inspect> {
  const [c] = JSON.parse(await e.dockerOk(['inspect', name])) as Inspect[];
  assert.ok(c, `inspect ${name}`);
  return c;
}

async function state(name: string): Promise<State> {
  return (await inspect(name)).State;
}

describe('docker run', () => {
  it('prints the output and exits 0 (--rm leaves nothing behind)', async () => {
    const r = await e.docker(['run', '--rm', BB, 'echo', 'hi']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');
    assert.equal((await e.dockerOk(['ps', '-aq'])).trim(), '');
  });

  it('propagates the exit code', async () => {
    const r = await e.docker(['run', '--rm', BB, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /^err$/m);
  });

  it('exits 127 with the runtime\'s reason for a missing command', async () => {
    const r = await e.docker(['run', '--rm', BB, 'nope']);
    assert.equal(r.code, 127);
    assert.match(r.stderr, /exec: "nope": executable file not found in \$PATH/);
    assert.equal((await e.dockerOk(['ps', '-aq'])).trim(), '', '--rm removes a container that could not start');
  });

  it('exits 126 for a file that cannot be executed', async () => {
    const r = await e.docker(['run', '--rm', BB, '/etc/passwd']);
    assert.equal(r.code, 126);
    assert.match(r.stderr, /permission denied/);
  });

  it('exits 125 for a daemon error (unknown image, invalid name, bad memory value)', async () => {
    const img = await e.docker(['run', '--rm', '--pull', 'never', 'no-such-image:1']);
    assert.equal(img.code, 125);
    assert.match(img.stderr, /No such image: no-such-image:1/);
    const name = await e.docker(['run', '--rm', '--name', 'bad name!', BB, 'true']);
    assert.equal(name.code, 125);
    assert.match(name.stderr, /Invalid container name \(bad name!\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed/);
    const mem = await e.docker(['run', '--rm', '-m', '1k', BB, 'true']);
    assert.equal(mem.code, 125);
    assert.match(mem.stderr, /Minimum memory limit allowed is 6MB/);
    assert.equal((await e.dockerOk(['ps', '-aq'])).trim(), '');
  });

  it('streams stdin with -i and closes it on EOF', async () => {
    const r = await e.docker(['run', '--rm', '-i', BB, 'sh', '-c', 'cat; echo end'], { input: 'line1\nline2\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'line1\nline2\nend\n');
  });

  it('-i with stdin at EOF from the start (</dev/null) closes the container\'s stdin too', async () => {
    // The client half-closes before the container starts: that end must still reach it.
    const r = await e.docker(['run', '--rm', '-i', '--network', 'none', BB, 'sh', '-c', 'cat; echo done'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'done\n');
  });

  it('applies the image defaults and the flags (env, workdir, user, entrypoint)', async () => {
    const r = await e.dockerOk(['run', '--rm', '-e', 'FOO=bar', '-w', '/tmp', '-u', '1000:1000', BB, 'sh', '-c', 'echo $FOO $(pwd) $(id -u):$(id -g) $PATH']);
    assert.equal(r, 'bar /tmp 1000:1000 /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n');
    const ep = await e.dockerOk(['run', '--rm', '--entrypoint', 'echo', BB, 'a', 'b']);
    assert.equal(ep, 'a b\n');
  });
});

describe('detached containers', () => {
  it('runs -d and follows the logs to the end', async () => {
    const id = (await e.dockerOk(['run', '-d', '--name', 'logger', BB, 'sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.2; done; echo oops >&2'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const r = await e.docker(['logs', '-f', 'logger']);
    assert.equal(r.stdout, 'line 1\nline 2\nline 3\n');
    assert.equal(r.stderr, 'oops\n');
    const tail = await e.docker(['logs', '--tail', '2', 'logger']);
    assert.equal(tail.stdout, 'line 3\n', 'the last two lines of both streams');
    assert.equal(tail.stderr, 'oops\n');
    const ts = await e.dockerOk(['logs', '-t', 'logger']);
    assert.match(ts.split('\n')[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line 1$/);
    const st = await state('logger');
    assert.equal(st.Status, 'exited');
    assert.equal(st.ExitCode, 0);
  });

  it('stop signals, waits, then kills; inspect shows the state', async () => {
    await e.dockerOk(['run', '-d', '--name', 'sleeper', BB, 'sleep', '1000']);
    const running = await inspect('sleeper');
    assert.equal(running.State.Status, 'running');
    assert.equal(running.State.Running, true);
    assert.ok(running.State.Pid > 0);
    assert.notEqual(running.State.StartedAt, '0001-01-01T00:00:00Z');
    assert.equal(running.Path, 'sleep');
    assert.deepEqual(running.Args, ['1000']);
    assert.equal(running.Name, '/sleeper');
    assert.equal(running.Config.Hostname, running.Id.slice(0, 12));
    assert.equal(running.Driver, 'overlay2');
    const t0 = Date.now();
    await e.dockerOk(['stop', '-t', '1', 'sleeper']);
    assert.ok(Date.now() - t0 < 8000);
    const stopped = await state('sleeper');
    assert.equal(stopped.Status, 'exited');
    assert.equal(stopped.ExitCode, 137, 'sleep as PID 1 ignores SIGTERM: killed after the timeout');
    assert.equal(stopped.Pid, 0);
  });

  it('stop exits quickly for a process that handles SIGTERM', async () => {
    await e.dockerOk(['run', '-d', '--name', 'trapper', BB, 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done']);
    const t0 = Date.now();
    await e.dockerOk(['stop', 'trapper']);
    assert.ok(Date.now() - t0 < 5000);
    assert.equal((await state('trapper')).ExitCode, 0);
  });

  it('kill sends signals, restart restarts, pause freezes', async () => {
    await e.dockerOk(['start', 'sleeper']);
    assert.equal((await state('sleeper')).Status, 'running');
    await e.dockerOk(['pause', 'sleeper']);
    assert.equal((await state('sleeper')).Status, 'paused');
    assert.match(await e.dockerOk(['ps', '--filter', 'name=sleeper', '--format', '{{.Status}}']), /\(Paused\)/);
    const busy = await e.docker(['rm', 'sleeper']);
    assert.notEqual(busy.code, 0);
    await e.dockerOk(['unpause', 'sleeper']);
    const before = (await state('sleeper')).Pid;
    await e.dockerOk(['restart', '-t', '0', 'sleeper']);
    const after = await state('sleeper');
    assert.equal(after.Status, 'running');
    assert.notEqual(after.Pid, before);
    await e.dockerOk(['kill', 'sleeper']);
    await waitFor(async () => (await state('sleeper')).Status === 'exited', 10_000, 'SIGKILL');
    assert.equal((await state('sleeper')).ExitCode, 137);
    // PID 1 ignores signals it has no handler for; with --init, tini passes them on.
    await e.dockerOk(['run', '-d', '--init', '--name', 'inited', BB, 'sleep', '1000']);
    await e.dockerOk(['kill', '-s', 'USR1', 'inited']);
    await waitFor(async () => (await state('inited')).Status === 'exited', 10_000, 'USR1 through tini kills sleep');
    assert.equal((await state('inited')).ExitCode, 138);
    const again = await e.docker(['kill', 'sleeper']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /is not running/);
  });

  it('wait returns the exit code', async () => {
    await e.dockerOk(['run', '-d', '--name', 'waiter', BB, 'sh', '-c', 'sleep 0.3; exit 7']);
    assert.equal((await e.dockerOk(['wait', 'waiter'])).trim(), '7');
  });
});

describe('names, rename, rm', () => {
  it('refuses a name in use with Docker\'s message', async () => {
    const id = (await inspect('sleeper')).Id;
    const r = await e.docker(['create', '--name', 'sleeper', BB]);
    assert.notEqual(r.code, 0);
    assert.ok(
      r.stderr.includes(
        `Conflict. The container name "/sleeper" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
      ),
      r.stderr,
    );
  });

  it('gives random adjective_surname names', async () => {
    const id = (await e.dockerOk(['create', BB])).trim();
    assert.match((await inspect(id)).Name, /^\/[a-z]+_[a-z]+\d?$/);
    await e.dockerOk(['rm', id]);
  });

  it('renames and resolves by name, ID and ID prefix', async () => {
    await e.dockerOk(['rename', 'waiter', 'waited']);
    const c = await inspect('waited');
    assert.equal(c.Name, '/waited');
    assert.equal((await inspect(c.Id.slice(0, 8))).Id, c.Id);
    const missing = await e.docker(['inspect', 'waiter']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such object: waiter|No such container: waiter/);
  });

  it('rm refuses a running container and rm -f removes it', async () => {
    await e.dockerOk(['run', '-d', '--name', 'victim', BB, 'sleep', '1000']);
    const r = await e.docker(['rm', 'victim']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /container is running: stop the container before removing or force remove/);
    await e.dockerOk(['rm', '-f', 'victim']);
    assert.equal((await e.docker(['inspect', 'victim'])).code, 1);
  });
});

describe('docker ps', () => {
  it('lists running containers, -a all, -q IDs, -n the last ones', async () => {
    await e.dockerOk(['run', '-d', '--name', 'web', '--label', 'tier=front', BB, 'sleep', '1000']);
    const running = lines(await e.dockerOk(['ps', '--format', '{{.Names}}']));
    assert.deepEqual(running, ['web']);
    const all = lines(await e.dockerOk(['ps', '-a', '--format', '{{.Names}}']));
    assert.ok(all.includes('logger') && all.includes('web') && all.includes('waited'));
    assert.equal(lines(await e.dockerOk(['ps', '-n', '2', '-q'])).length, 2);
    assert.match(lines(await e.dockerOk(['ps', '-q']))[0]!, /^[0-9a-f]{12}$/);
  });

  it('filters by name, label, status, exited, ancestor, id, before and since', async () => {
    const names = async (...f: string[]) => lines(await e.dockerOk(['ps', '-a', ...f.flatMap((x) => ['--filter', x]), '--format', '{{.Names}}'])).sort();
    assert.deepEqual(await names('name=web'), ['web']);
    assert.deepEqual(await names('label=tier=front'), ['web']);
    assert.deepEqual(await names('label=tier'), ['web']);
    assert.deepEqual(await names('status=running'), ['web']);
    assert.deepEqual(await names('exited=7'), ['waited']);
    assert.deepEqual(await names('exited=137'), ['sleeper']);
    assert.deepEqual(await names('exited=138'), ['inited']);
    assert.ok((await names('ancestor=' + BB)).includes('web'));
    assert.deepEqual(await names('ancestor=busybox:none'), []);
    const webId = (await inspect('web')).Id;
    assert.deepEqual(await names(`id=${webId.slice(0, 10)}`), ['web']);
    assert.ok(!(await names('before=web')).includes('web'));
    assert.ok((await names('before=web')).includes('logger'));
    assert.deepEqual(await names('since=waited'), ['web']);
    const bad = await e.docker(['ps', '--filter', 'colour=red']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid filter 'colour'/);
  });

  it('shows sizes with -s and a Command column', async () => {
    const rows = jsonLines<{ Names: string; Command: string; Size: string; Image: string }>(
      await e.dockerOk(['ps', '-s', '--filter', 'name=web', '--format', '{{json .}}']),
    );
    assert.equal(rows[0]?.Command, '"sleep 1000"');
    assert.match(rows[0]?.Size ?? '', /B \(virtual /);
    assert.equal(rows[0]?.Image, BB);
  });
});

describe('exec and attach', () => {
  it('exec runs in the container with -u, -w, -e and returns its exit code', async () => {
    assert.equal(await e.dockerOk(['exec', 'web', 'echo', 'inside']), 'inside\n');
    const r = await e.docker(['exec', 'web', 'sh', '-c', 'exit 4']);
    assert.equal(r.code, 4);
    const opts = await e.dockerOk(['exec', '-u', '1000', '-w', '/tmp', '-e', 'X=y', 'web', 'sh', '-c', 'echo $(id -u) $(pwd) $X']);
    assert.equal(opts, '1000 /tmp y\n');
    const nf = await e.docker(['exec', 'web', 'nope']);
    assert.equal(nf.code, 127);
    assert.match(nf.stdout + nf.stderr, /executable file not found/);
    const stdin = await e.docker(['exec', '-i', 'web', 'cat'], { input: 'piped\n' });
    assert.equal(stdin.stdout, 'piped\n');
    const empty = await e.docker(['exec', '-i', 'web', 'sh', '-c', 'cat; echo done'], { timeoutMs: 20_000 });
    assert.equal(empty.stdout, 'done\n', 'stdin at EOF from the start ends the exec\'s stdin');
  });

  it('exec into a stopped container is refused', async () => {
    const r = await e.docker(['exec', 'waited', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /is not running/);
  });

  it('start -a attaches to the output and returns the exit code', async () => {
    const r = await e.docker(['start', '-a', 'waited']);
    assert.equal(r.code, 7);
  });

  it('attach follows a running container', async () => {
    await e.dockerOk(['run', '-d', '--name', 'talker', BB, 'sh', '-c', 'sleep 0.5; for i in 1 2 3; do echo talk $i; sleep 0.1; done']);
    const r = await e.docker(['attach', 'talker']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'talk 1\ntalk 2\ntalk 3\n');
  });
});

describe('files and network', () => {
  it('writes /etc/hostname, /etc/hosts and /etc/resolv.conf as Docker does', async () => {
    const id = (await inspect('web')).Id;
    assert.equal(await e.dockerOk(['exec', 'web', 'cat', '/etc/hostname']), `${id.slice(0, 12)}\n`);
    const hosts = await e.dockerOk(['exec', 'web', 'cat', '/etc/hosts']);
    assert.match(hosts, /^127\.0\.0\.1\tlocalhost$/m);
    assert.match(hosts, /^::1\tlocalhost ip6-localhost ip6-loopback$/m);
    const resolv = await e.dockerOk(['exec', 'web', 'cat', '/etc/resolv.conf']);
    assert.match(resolv, /^nameserver /m);
    assert.doesNotMatch(resolv, /^nameserver 127\./m);
    const c = await inspect('web');
    assert.match(c.HostsPath, new RegExp(`${id}/hosts$`));
    const host = await e.dockerOk(['run', '--rm', '--add-host', 'db:10.1.2.3', '--hostname', 'box', '--network', 'none', BB, 'sh', '-c', 'hostname; grep db /etc/hosts']);
    assert.equal(host, 'box\n10.1.2.3\tdb\n');
  });

  it('--network none has only loopback; --network host shares the host\'s', async () => {
    const none = await e.dockerOk(['run', '--rm', '--network', 'none', BB, 'ls', '/sys/class/net']);
    assert.equal(none.trim(), 'lo');
    const host = await e.dockerOk(['run', '--rm', '--network', 'host', BB, 'hostname']);
    assert.equal(host.trim(), hostname());
    // web is on the default bridge: its namespace has eth0 besides loopback.
    const shared = await e.dockerOk(['run', '--rm', '--network', 'container:web', BB, 'ls', '/sys/class/net']);
    assert.equal(shared.trim(), 'eth0\nlo');
  });

  it('puts containers on the default bridge without a warning', async () => {
    const r = await e.docker(['run', '--rm', BB, 'ip', 'route']);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^default via \S+ dev eth0/m);
  });
});
