import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { helpText, loadConfig } from './config.ts';
import { parseFlags } from './flags.ts';

describe('daemon config', () => {
  let dir: string;
  let missing: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-config-'));
    missing = join(dir, 'missing.json');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  // The default file may be absent; tests point at their own files so the host's
  // /etc/wharf/daemon.json never leaks in.
  const file = async (name: string, content: unknown) => {
    const p = join(dir, name);
    await writeFile(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };
  const load = async (argv: string[], json: unknown = {}) =>
    loadConfig(['--config-file', await file(`c${Math.random()}.json`, json), ...argv], {});

  it('has Wharf defaults', async () => {
    const c = await load([]);
    assert.equal(c.action, 'run');
    assert.deepEqual(c.hosts, ['unix:///run/wharf.sock']);
    assert.equal(c.dataRoot, '/var/lib/wharf');
    assert.equal(c.execRoot, '/run/wharf');
    assert.equal(c.pidfile, '/run/wharf/wharfd.pid');
    assert.equal(c.liveRestore, true);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.tls, false);
    assert.equal(c.maxConcurrentDownloads, 3);
    assert.equal(c.maxConcurrentUploads, 5);
    assert.equal(c.defaultRuntime, undefined);
    assert.equal(c.cgroupHybridFix, false);
  });

  it('takes push-compression gzip (the default) or zstd, as a flag or a daemon.json key', async () => {
    assert.equal((await load([])).pushCompression, 'gzip');
    assert.equal((await load(['--push-compression', 'zstd'])).pushCompression, 'zstd');
    assert.equal((await load([], { 'push-compression': 'zstd' })).pushCompression, 'zstd');
    await assert.rejects(load(['--push-compression', 'xz']), /invalid push-compression "xz": gzip or zstd/);
  });

  it('takes --cgroup-hybrid-fix as a flag or a daemon.json key, and documents it', async () => {
    assert.equal((await load(['--cgroup-hybrid-fix'])).cgroupHybridFix, true);
    assert.equal((await load([], { 'cgroup-hybrid-fix': true })).cgroupHybridFix, true);
    assert.equal((await load([], { 'cgroup-hybrid-fix': false })).cgroupHybridFix, false);
    await assert.rejects(load([], { 'cgroup-hybrid-fix': 'yes' }), /invalid value for "cgroup-hybrid-fix".*true or false/);
    await assert.rejects(load(['--cgroup-hybrid-fix'], { 'cgroup-hybrid-fix': true }), /both as a flag and in the configuration file/);
    assert.match(helpText(), /--cgroup-hybrid-fix +On hybrid cgroups, mount the controllers cgroup2 holds as v1 hierarchies/);
  });

  it('accepts dockerd flag forms: --f=v, --f v, repeated -H, -Hv, bool=false, grouped shorts', async () => {
    const c = await load([
      '-H',
      'unix:///tmp/a.sock',
      '-Hunix:///tmp/b.sock',
      '--host=tcp://127.0.0.1:0',
      '--insecure-tcp',
      '--data-root=/srv/w',
      '--exec-root',
      '/tmp/x',
      '--live-restore=false',
      '-D',
      '-G',
      'staff',
    ]);
    assert.deepEqual(c.hosts, ['unix:///tmp/a.sock', 'unix:///tmp/b.sock', 'tcp://127.0.0.1:0']);
    assert.equal(c.dataRoot, '/srv/w');
    assert.equal(c.pidfile, '/tmp/x/wharfd.pid');
    assert.equal(c.liveRestore, false);
    assert.equal(c.debug, true);
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.group, 'staff');
  });

  it('reads daemon.json keys with the same meaning', async () => {
    const c = await load([], {
      hosts: ['unix:///tmp/c.sock'],
      'data-root': '/d',
      'log-level': 'warn',
      'live-restore': false,
      runtimes: { kata: { path: '/usr/bin/kata', runtimeArgs: ['--x'] } },
      'default-runtime': 'kata',
      'insecure-registries': ['127.0.0.1:5000'],
      'registry-mirrors': ['https://mirror.example.com'],
      'default-address-pools': [{ base: '10.10.0.0/16', size: 24 }],
      'log-driver': 'local',
      'log-opts': { 'max-size': '10m' },
      'default-ulimits': { nofile: { Name: 'nofile', Soft: 1024, Hard: 2048 } },
      features: { 'containerd-snapshotter': false },
    });
    assert.deepEqual(c.hosts, ['unix:///tmp/c.sock']);
    assert.equal(c.logLevel, 'warn');
    assert.equal(c.liveRestore, false);
    assert.deepEqual(c.runtimes, { kata: { path: '/usr/bin/kata', runtimeArgs: ['--x'] } });
    assert.equal(c.defaultRuntime, 'kata');
    assert.deepEqual(c.registryMirrors, ['https://mirror.example.com/']);
    assert.deepEqual(c.defaultAddressPools, [{ base: '10.10.0.0/16', size: 24 }]);
    assert.equal(c.logDriver, 'local');
    assert.deepEqual(c.logOpts, { 'max-size': '10m' });
    assert.deepEqual(c.defaultUlimits, { nofile: { Name: 'nofile', Soft: 1024, Hard: 2048 } });
  });

  it('parses structured flags', async () => {
    const c = await load([
      '--add-runtime',
      'kata=/usr/bin/kata',
      '--default-address-pool',
      'base=10.20.0.0/16,size=24',
      '--log-opt',
      'max-size=1m',
      '--default-ulimit',
      'nofile=100:200',
    ]);
    assert.deepEqual(c.runtimes, { kata: { path: '/usr/bin/kata' } });
    assert.deepEqual(c.defaultAddressPools, [{ base: '10.20.0.0/16', size: 24 }]);
    assert.deepEqual(c.logOpts, { 'max-size': '1m' });
    assert.deepEqual(c.defaultUlimits, { nofile: { Name: 'nofile', Soft: 100, Hard: 200 } });
  });

  it('refuses a directive given both as flag and in the file, as dockerd does', async () => {
    await assert.rejects(
      load(['--data-root', '/a', '-H', 'unix:///tmp/x.sock'], { 'data-root': '/b', hosts: ['unix:///tmp/y.sock'] }),
      {
        message:
          'the following directives are specified both as a flag and in the configuration file: ' +
          'hosts: (from flag: [unix:///tmp/x.sock], from file: [unix:///tmp/y.sock]), data-root: (from flag: /a, from file: /b)',
      },
    );
  });

  it('refuses unknown daemon.json keys with dockerd wording', async () => {
    await assert.rejects(load([], { 'data-root': '/x', foo: 1, bar: true }), {
      message: "the following directives don't match any configuration option: bar, foo",
    });
  });

  it('refuses wrongly typed daemon.json values and bad JSON', async () => {
    await assert.rejects(load([], { debug: 'yes' }), /invalid value for "debug" in .*: expected true or false/);
    await assert.rejects(load([], '{"debug": tru'), /unable to configure the Wharf daemon with file .*c0?\.?\d*\.json/);
  });

  it('refuses plain TCP without --insecure-tcp, saying why', async () => {
    await assert.rejects(load(['-H', 'tcp://0.0.0.0:2375']), /anyone who can reach this port is root on this host/);
    await assert.rejects(load([], { hosts: ['0.0.0.0:2375'] }), /without TLS/);
    const ok = await load(['-H', 'tcp://0.0.0.0:2375', '--insecure-tcp']);
    assert.deepEqual(ok.hosts, ['tcp://0.0.0.0:2375']);
  });

  it('takes TLS for tcp hosts, tlsverify implying tls, with default port 2376', async () => {
    const c = await loadConfig(['--config-file', await file('tls.json', {}), '--tlsverify', '-H', 'tcp://'], { DOCKER_CERT_PATH: '/certs' });
    assert.equal(c.tls, true);
    assert.equal(c.tlsVerify, true);
    assert.deepEqual(c.hosts, ['tcp://127.0.0.1:2376']);
    assert.equal(c.tlsCaCert, '/certs/ca.pem');
    assert.equal(c.tlsCert, '/certs/cert.pem');
    assert.equal(c.tlsKey, '/certs/key.pem');
  });

  it('treats a missing default file as empty but a missing explicit one as an error', async () => {
    await assert.rejects(loadConfig(['--config-file', missing], {}), /unable to configure the Wharf daemon with file .*missing\.json.*ENOENT|no such file/);
  });

  it('reports bad flags clearly', async () => {
    await assert.rejects(load(['--bogus']), { message: 'unknown flag: --bogus' });
    await assert.rejects(load(['-x']), { message: "unknown shorthand flag: 'x' in -x" });
    await assert.rejects(load(['--data-root']), { message: 'flag needs an argument: --data-root' });
    await assert.rejects(load(['--live-restore=maybe']), /invalid argument "maybe" for "--live-restore" flag/);
    await assert.rejects(load(['--log-level', 'loud']), /invalid log level "loud"/);
    await assert.rejects(load(['--default-runtime', 'nope']), /default runtime "nope" is unknown/);
    await assert.rejects(load(['--add-runtime', 'runc=/x']), /runtime name 'runc' is reserved/);
    await assert.rejects(load(['-H', 'fd://']), /fd:\/\/ .* is not supported/);
    await assert.rejects(load(['serve']), /takes no arguments/);
  });

  it('answers --help and --version without reading the file', async () => {
    assert.equal((await loadConfig(['--help', '--config-file', missing], {})).action, 'help');
    assert.equal((await loadConfig(['-v', '--config-file', missing], {})).action, 'version');
    assert.match(helpText(), /-H, --host list/);
    assert.match(helpText(), /--insecure-tcp/);
  });
});

describe('flag grammar', () => {
  const specs = [
    { name: 'debug', short: 'D', kind: 'bool' as const },
    { name: 'version', short: 'v', kind: 'bool' as const },
    { name: 'host', short: 'H', kind: 'list' as const },
    { name: 'mtu', kind: 'int' as const },
  ];
  it('groups short booleans and keeps positionals after --', () => {
    const p = parseFlags(['-Dv', '-H=x', '--mtu', '1400', '--', '--not-a-flag'], specs);
    assert.deepEqual([...p.values], [
      ['debug', true],
      ['version', true],
      ['host', ['x']],
      ['mtu', 1400],
    ]);
    assert.deepEqual(p.positionals, ['--not-a-flag']);
  });
  it('never lets a boolean take the next argument', () => {
    const p = parseFlags(['--debug', 'false'], specs);
    assert.equal(p.values.get('debug'), true);
    assert.deepEqual(p.positionals, ['false']);
  });
});
