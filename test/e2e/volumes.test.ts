// Volumes and mounts through the real docker CLI: volume create/ls/inspect/rm/prune with
// Docker's filters and messages, named and anonymous volumes, binds, tmpfs, --mount's options,
// --volumes-from, image VOLUMEs with copy-up (owners and modes kept), read-only enforcement,
// rm -v, in-use conflicts, system df sizes, data kept across container removal and a daemon
// restart, and the local driver's tmpfs/bind options. Tests run in order and share one daemon.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX_IMAGE_REF, busyboxImageArchive } from '../fixtures/index.ts';
import { type Engine, mountsUnder, runCommand, startEngine } from './harness.ts';
import { jsonLines, lines } from './util.ts';

const BB = BUSYBOX_IMAGE_REF;
const VOLIMG = 'wharf-test/volimg:latest';
let e: Engine;

interface MountJSON {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

interface VolumeJSON {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string> | null;
  Scope: string;
  Options: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number };
}

before(async () => {
  e = await startEngine('volumes');
  await e.dockerOk(['load', '-i', await busyboxImageArchive()]);
  // An image whose /data (a VOLUME) holds files with their own owners and modes.
  await e.dockerOk([
    'run', '--name', 'mkimg', BB, 'sh', '-c',
    'mkdir -p /data/sub && echo hello > /data/f && chown 1234:5678 /data/f && chmod 640 /data/f && ln -s f /data/link && ' +
      'ln /data/f /data/hard && chmod 700 /data/sub && echo deep > /data/sub/x && mkfifo /data/fifo && chown 42:43 /data && chmod 750 /data',
  ]);
  await e.dockerOk(['commit', '--change', 'VOLUME /data', 'mkimg', VOLIMG]);
  await e.dockerOk(['rm', 'mkimg']);
});
after(async () => {
  await e?.teardown();
});

async function mounts(name: string): Promise<MountJSON[]> {
  return JSON.parse(await e.dockerOk(['inspect', '--format', '{{json .Mounts}}', name])) as MountJSON[];
}

async function volume(name: string): Promise<VolumeJSON> {
  return (JSON.parse(await e.dockerOk(['volume', 'inspect', name])) as VolumeJSON[])[0]!;
}

async function volumeNames(...filters: string[]): Promise<string[]> {
  return lines(await e.dockerOk(['volume', 'ls', '-q', ...filters.flatMap((f) => ['--filter', f])]));
}

/** A host directory under the engine's temp dir (teardown removes it). */
async function hostDir(name: string): Promise<string> {
  const dir = join(e.root, 'binds', name);
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('docker volume', () => {
  it('creates, inspects and lists volumes with their labels, options and Docker\'s fields', async () => {
    assert.equal((await e.dockerOk(['volume', 'create', '--label', 'team=a', '--label', 'env', 'data'])).trim(), 'data');
    const v = await volume('data');
    assert.equal(v.Name, 'data');
    assert.equal(v.Driver, 'local');
    assert.equal(v.Scope, 'local');
    assert.deepEqual(v.Labels, { team: 'a', env: '' });
    assert.match(v.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    if (e.kind === 'wharfd') assert.equal(v.Mountpoint, join(e.dataRoot, 'volumes/data/_data'));
    assert.ok(existsSync(v.Mountpoint));
    // Creating it again returns the same volume.
    assert.equal((await e.dockerOk(['volume', 'create', 'data'])).trim(), 'data');

    const anon = (await e.dockerOk(['volume', 'create'])).trim();
    assert.match(anon, /^[0-9a-f]{64}$/);
    assert.deepEqual((await volume(anon)).Labels, { 'com.docker.volume.anonymous': '' });
    await e.dockerOk(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=2m', 'tmpvol']);
    assert.deepEqual((await volume('tmpvol')).Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=2m' });

    assert.deepEqual(await volumeNames('name=dat'), ['data']);
    assert.deepEqual(await volumeNames('label=team=a'), ['data']);
    assert.deepEqual(await volumeNames('label=com.docker.volume.anonymous'), [anon]);
    assert.equal((await volumeNames('driver=local')).length, 3);
    assert.deepEqual(await volumeNames('driver=nope'), []);
    assert.equal((await volumeNames('dangling=true')).length, 3);
    const table = await e.dockerOk(['volume', 'ls', '--filter', 'name=data']);
    assert.match(table, /^DRIVER\s+VOLUME NAME\nlocal\s+data\n$/);
    await e.dockerOk(['volume', 'rm', anon]);
  });

  it('refuses bad names, options and drivers with Docker\'s messages and status codes', async () => {
    let r = await e.docker(['volume', 'create', 'a']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /create a: volume name is too short, names should be at least two alphanumeric characters/);
    r = await e.docker(['volume', 'create', 'bad/name']);
    assert.match(r.stderr, /"bad\/name" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed/);
    r = await e.docker(['volume', 'create', '-o', 'foo=bar', 'xx']);
    assert.match(r.stderr, /create xx: invalid option: "foo"/);
    r = await e.docker(['volume', 'create', '-o', 'type=tmpfs', 'xx']);
    assert.match(r.stderr, /missing required option: "device"/);
    r = await e.docker(['volume', 'create', '-d', 'nodriver', 'xx']);
    assert.match(r.stderr, /create xx: error looking up volume plugin nodriver: plugin "nodriver" not found/);
    const api = await e.api('POST', '/volumes/create', { Name: 'xx', Driver: 'nodriver' });
    assert.equal(api.status, 404);
    assert.equal((await e.api('POST', '/volumes/create', { Name: 'b' })).status, 400);
    assert.deepEqual(await volumeNames('name=xx'), []);

    r = await e.docker(['volume', 'inspect', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /get nope: no such volume/);
    assert.equal((await e.api('GET', '/volumes/nope')).status, 404);
    r = await e.docker(['volume', 'rm', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no such volume/);
    assert.equal((await e.docker(['volume', 'rm', '-f', 'nope'])).code, 0);
    r = await e.docker(['volume', 'ls', '--filter', 'dangling=maybe']);
    assert.match(r.stderr, /invalid filter 'dangling=\[maybe\]'/);
  });
});

describe('named volumes', () => {
  it('keep their data across container removal; ro is enforced; ps filters by volume', async () => {
    await e.dockerOk(['run', '--rm', '-v', 'data:/data', BB, 'sh', '-c', 'echo persisted > /data/f']);
    assert.equal(await e.dockerOk(['run', '--rm', '-v', 'data:/data', BB, 'cat', '/data/f']), 'persisted\n');
    const r = await e.docker(['run', '--rm', '-v', 'data:/data:ro', BB, 'sh', '-c', 'cat /data/f && echo x > /data/g']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'persisted\n');
    assert.match(r.stderr, /Read-only file system/);

    await e.dockerOk(['create', '--name', 'user1', '-v', 'data:/data:ro', BB, 'true']);
    const [m] = await mounts('user1');
    const v = await volume('data');
    assert.deepEqual(m, { Type: 'volume', Name: 'data', Source: v.Mountpoint, Destination: '/data', Driver: 'local', Mode: 'ro', RW: false, Propagation: '' });
    assert.deepEqual(lines(await e.dockerOk(['ps', '-a', '--filter', 'volume=data', '--format', '{{.Names}}'])), ['user1']);
    assert.deepEqual(lines(await e.dockerOk(['ps', '-a', '--filter', 'volume=/data', '--format', '{{.Names}}'])), ['user1']);
    assert.deepEqual(lines(await e.dockerOk(['ps', '-a', '--filter', 'volume=other', '--format', '{{.Names}}'])), []);
    assert.equal((await e.dockerOk(['ps', '-a', '--filter', 'name=user1', '--format', '{{.Mounts}}'])).trim(), 'data');
  });

  it('cannot be removed while a container uses them (409 with the users), and dangling reflects that', async () => {
    const id = (await e.dockerOk(['inspect', '--format', '{{.Id}}', 'user1'])).trim();
    const r = await e.docker(['volume', 'rm', 'data']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`Error response from daemon: remove data: volume is in use - \\[${id}\\]`));
    assert.equal((await e.api('DELETE', '/volumes/data?force=1')).status, 409);
    assert.ok(!(await volumeNames('dangling=true')).includes('data'));
    assert.ok((await volumeNames('dangling=false')).includes('data'));
  });

  it('are made by run -v and --mount, "Duplicate mount point" is refused and leaves nothing', async () => {
    await e.dockerOk(['run', '--rm', '--mount', 'type=volume,src=mvol,dst=/m,volume-label=x=y', BB, 'true']);
    assert.deepEqual((await volume('mvol')).Labels, { x: 'y' });
    const before = await volumeNames();
    let r = await e.docker(['create', '-v', 'dupa:/x', '-v', 'dupb:/x', BB]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error response from daemon: Duplicate mount point: \/x/);
    const api = await e.api('POST', '/containers/create', { Image: BB, HostConfig: { Binds: ['dupa:/x', 'dupb:/x'] } });
    assert.equal(api.status, 400);
    r = await e.docker(['create', '-v', 'dupa:/x', '--mount', 'type=volume,dst=/x', BB]);
    assert.match(r.stderr, /Duplicate mount point: \/x/);
    r = await e.docker(['create', '--tmpfs', '/x', '-v', 'dupa:/x', BB]);
    assert.match(r.stderr, /Duplicate mount point: \/x/);
    // The CLI takes a 404 from create for a missing image (and pulls): ask the API.
    const nodriver = await e.api('POST', '/containers/create', { Image: BB, HostConfig: { Binds: ['dupa:/y'], Mounts: [{ Type: 'volume', Source: 'nd', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'nodriver' } } }] } });
    assert.equal(nodriver.status, 404);
    assert.equal(nodriver.json<{ message: string }>().message, 'create nd: error looking up volume plugin nodriver: plugin "nodriver" not found');
    r = await e.docker(['create', '-v', '/x:rw', BB]);
    assert.match(r.stderr, /invalid volume specification: '\/x:rw'/);
    r = await e.docker(['create', '-v', 'vv:/x:bogus', BB]);
    assert.match(r.stderr, /invalid mode: bogus/);
    assert.deepEqual(await volumeNames(), before);
    assert.equal(lines(await e.dockerOk(['ps', '-aq'])).length, 1); // only user1
  });
});

describe('binds and tmpfs', () => {
  it('binds a host directory (read-only too), makes a missing -v source, refuses a missing --mount source', async () => {
    const src = await hostDir('src');
    await writeFile(join(src, 'hostfile'), 'from host\n');
    assert.equal(await e.dockerOk(['run', '--rm', '-v', `${src}:/h`, BB, 'cat', '/h/hostfile']), 'from host\n');
    await e.dockerOk(['run', '--rm', '-v', `${src}:/h`, BB, 'sh', '-c', 'echo back > /h/written']);
    assert.equal(await readFile(join(src, 'written'), 'utf8'), 'back\n');
    const r = await e.docker(['run', '--rm', '-v', `${src}:/h:ro,z`, BB, 'touch', '/h/nope']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Read-only file system/);

    const missing = join(e.root, 'binds', 'made-by-v');
    await e.dockerOk(['run', '--rm', '-v', `${missing}:/m`, BB, 'true']);
    assert.ok((await lstat(missing)).isDirectory());
    const gone = join(e.root, 'binds', 'not-there');
    const m = await e.docker(['run', '--rm', '--mount', `type=bind,src=${gone},dst=/m`, BB, 'true']);
    assert.equal(m.code, 125);
    assert.match(m.stderr, new RegExp(`invalid mount config for type "bind": bind source path does not exist: ${gone}`));
    assert.ok(!existsSync(gone));

    await e.dockerOk(['create', '--name', 'binder', '-v', `${src}:/h:ro,z`, '--mount', `type=bind,src=${src},dst=/p,bind-propagation=rshared`, BB]);
    const ms = await mounts('binder');
    assert.deepEqual(ms.find((x) => x.Destination === '/h'), { Type: 'bind', Source: src, Destination: '/h', Mode: 'ro,z', RW: false, Propagation: 'rprivate' });
    assert.deepEqual(ms.find((x) => x.Destination === '/p'), { Type: 'bind', Source: src, Destination: '/p', Mode: '', RW: true, Propagation: 'rshared' });
    await e.dockerOk(['rm', 'binder']);

    // A bind holding the daemon's data root gets rslave; another propagation is refused.
    await e.dockerOk(['create', '--name', 'rootbind', '-v', `${e.root}:/r:ro`, BB]);
    assert.equal((await mounts('rootbind'))[0]?.Propagation, 'rslave');
    await e.dockerOk(['rm', 'rootbind']);
    const bad = await e.api('POST', '/containers/create', { Image: BB, HostConfig: { Binds: [`${e.root}:/r:rprivate`] } });
    assert.equal(bad.status, 400);
    assert.match(bad.json<{ message: string }>().message, /^invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root/);
  });

  it('makes read-only binds recursively read-only unless bind-recursive=writable', async (t) => {
    const src = await hostDir('rro');
    const sub = join(src, 'sub');
    await mkdir(sub);
    const mnt = await runCommand('mount', ['-t', 'tmpfs', 'tmpfs', sub], process.env);
    if (mnt.code !== 0) return t.skip(`cannot mount a tmpfs here: ${mnt.stderr}`);
    try {
      const ro = await e.docker(['run', '--rm', '--mount', `type=bind,src=${src},dst=/r,readonly`, BB, 'touch', '/r/sub/f']);
      assert.notEqual(ro.code, 0, 'a submount of a read-only bind is read-only too');
      assert.match(ro.stderr, /Read-only file system/);
      await e.dockerOk(['run', '--rm', '--mount', `type=bind,src=${src},dst=/r,readonly,bind-recursive=writable`, BB, 'touch', '/r/sub/f']);
      assert.ok(existsSync(join(sub, 'f')));
      const top = await e.docker(['run', '--rm', '--mount', `type=bind,src=${src},dst=/r,readonly,bind-recursive=writable`, BB, 'touch', '/r/top']);
      assert.match(top.stderr, /Read-only file system/);
    } finally {
      await runCommand('umount', [sub], process.env);
    }
  });

  it('mounts tmpfs from --tmpfs and --mount type=tmpfs with size and mode', async () => {
    const out = await e.dockerOk([
      'run', '--rm', '--tmpfs', '/t1:size=1m,exec', '--mount', 'type=tmpfs,dst=/t2,tmpfs-size=2097152,tmpfs-mode=0700', BB,
      'sh', '-c', 'grep -E " /t[12] " /proc/mounts; stat -c %a /t2',
    ]);
    const t1 = out.split('\n').find((l) => l.includes(' /t1 ')) ?? '';
    const t2 = out.split('\n').find((l) => l.includes(' /t2 ')) ?? '';
    assert.match(t1, /^tmpfs \/t1 tmpfs rw,nosuid,nodev,relatime,size=1024k/);
    assert.doesNotMatch(t1, /noexec/);
    assert.match(t2, /^tmpfs \/t2 tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k,mode=700/);
    assert.match(out, /^700$/m);
    await e.dockerOk(['create', '--name', 'tmpc', '--mount', 'type=tmpfs,dst=/t2', BB]);
    assert.deepEqual(await mounts('tmpc'), [{ Type: 'tmpfs', Source: '', Destination: '/t2', Mode: '', RW: true, Propagation: '' }]);
    await e.dockerOk(['rm', 'tmpc']);
  });

  it('puts volumes in the OCI spec as binds ordered by depth (wharf)', async (t) => {
    if (e.kind !== 'wharfd') return t.skip('reads wharfd\'s bundle');
    const src = await hostDir('spec');
    await mkdir(join(src, 'b')); // the mount point of /a/b inside the read-only /a
    const id = (
      await e.dockerOk(['run', '-d', '-v', 'data:/a/b', '-v', `${src}:/a:ro`, '--mount', `type=bind,src=${src},dst=/p,bind-propagation=rslave`, BB, 'sleep', '100'])
    ).trim();
    try {
      const spec = JSON.parse(readFileSync(join(e.execRoot, 'containers', id, 'config.json'), 'utf8')) as { mounts: { destination: string; type: string; options?: string[] }[] };
      const user = spec.mounts.filter((m) => ['/a', '/a/b', '/p'].includes(m.destination));
      assert.deepEqual(user.map((m) => m.destination), ['/a', '/p', '/a/b']);
      assert.deepEqual(user.find((m) => m.destination === '/a')?.options, ['rbind', 'rro', 'rprivate']);
      assert.deepEqual(user.find((m) => m.destination === '/p')?.options, ['rbind', 'rw', 'rslave']);
      assert.deepEqual(user.find((m) => m.destination === '/a/b')?.options, ['rbind', 'rw', 'rprivate']);
      assert.ok(user.every((m) => m.type === 'bind'));
    } finally {
      await e.dockerOk(['rm', '-f', id]);
    }
  });
});

describe('image volumes and copy-up', () => {
  it('an image VOLUME becomes an anonymous volume filled from the image, owners and modes kept', async () => {
    await e.dockerOk(['create', '--name', 'imgvol', VOLIMG, 'true']);
    const [m] = await mounts('imgvol');
    assert.ok(m);
    assert.equal(m.Type, 'volume');
    assert.match(m.Name ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual({ ...m, Name: '', Source: '' }, { Type: 'volume', Name: '', Source: '', Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' });
    assert.deepEqual((await volume(m.Name!)).Labels, { 'com.docker.volume.anonymous': '' });
    const out = await e.dockerOk(['run', '--rm', '--volumes-from', 'imgvol', BB, 'sh', '-c', 'cd /data && stat -c "%n %u:%g %a %F" . f sub sub/x fifo link && readlink link && stat -c %h f']);
    assert.deepEqual(lines(out), [
      '. 42:43 750 directory',
      'f 1234:5678 640 regular file',
      'sub 0:0 700 directory',
      'sub/x 0:0 644 regular file',
      'fifo 0:0 644 fifo',
      'link 0:0 777 symbolic link',
      'f',
      '2',
    ]);
    // On the host, the volume's data carries the same owners.
    const st = await lstat(join(m.Source, 'f'));
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [1234, 5678, 0o640]);
  });

  it('fills a new named volume, but not an existing non-empty one, nor with nocopy', async () => {
    assert.equal(await e.dockerOk(['run', '--rm', '-v', 'filled:/data', VOLIMG, 'cat', '/data/f']), 'hello\n');
    assert.equal(await e.dockerOk(['run', '--rm', '-v', 'data:/data', VOLIMG, 'ls', '/data']), 'f\n');
    assert.equal(await e.dockerOk(['run', '--rm', '-v', 'nocopy1:/data:nocopy', VOLIMG, 'ls', '-A', '/data']), '');
    assert.equal(await e.dockerOk(['run', '--rm', '--mount', 'type=volume,src=nocopy2,dst=/data,volume-nocopy', VOLIMG, 'ls', '-A', '/data']), '');
    // busybox's /etc copied into a fresh volume at create.
    await e.dockerOk(['create', '--name', 'etccopy', '-v', 'etcvol:/etc', BB]);
    assert.ok(existsSync(join((await volume('etcvol')).Mountpoint, 'passwd')));
    await e.dockerOk(['rm', 'etccopy']);
  });

  it('mounts a subpath of a volume, resolving symlinks inside the volume only', async () => {
    await e.dockerOk(['run', '--rm', '-v', 'subvol:/v', BB, 'sh', '-c', 'mkdir -p /v/a/b && echo in-sub > /v/a/b/file && ln -s /etc /v/evil && ln -s a/b /v/rel']);
    assert.equal(await e.dockerOk(['run', '--rm', '--mount', 'type=volume,src=subvol,dst=/s,volume-subpath=a/b', BB, 'cat', '/s/file']), 'in-sub\n');
    assert.equal(await e.dockerOk(['run', '--rm', '--mount', 'type=volume,src=subvol,dst=/s,volume-subpath=rel', BB, 'cat', '/s/file']), 'in-sub\n');
    const evil = await e.docker(['run', '--rm', '--mount', 'type=volume,src=subvol,dst=/s,volume-subpath=evil', BB, 'ls', '/s']);
    assert.notEqual(evil.code, 0, 'an absolute symlink in a volume resolves inside the volume (where /etc does not exist)');
    assert.doesNotMatch(evil.stdout, /passwd/);
    const up = await e.docker(['run', '--rm', '--mount', 'type=volume,src=subvol,dst=/s,volume-subpath=../x', BB, 'true']);
    assert.match(up.stderr, /subpath must be a relative path within the volume/);
  });

  it('mounts an image read-only with --mount type=image', async () => {
    assert.equal(await e.dockerOk(['run', '--rm', '--mount', `type=image,src=${VOLIMG},dst=/img`, BB, 'cat', '/img/data/f']), 'hello\n');
    const w = await e.docker(['run', '--rm', '--mount', `type=image,src=${VOLIMG},dst=/img`, BB, 'touch', '/img/new']);
    assert.match(w.stderr, /Read-only file system/);
    assert.equal(await e.dockerOk(['run', '--rm', '--mount', `type=image,src=${VOLIMG},dst=/img,image-subpath=data`, BB, 'cat', '/img/f']), 'hello\n');
    await e.dockerOk(['create', '--name', 'imgmount', '--mount', `type=image,src=${VOLIMG},dst=/img`, BB]);
    assert.deepEqual(await mounts('imgmount'), [{ Type: 'image', Source: VOLIMG, Destination: '/img', Mode: '', RW: false, Propagation: 'rprivate' }]);
    await e.dockerOk(['rm', 'imgmount']);
    const none = await e.api('POST', '/containers/create', { Image: BB, HostConfig: { Mounts: [{ Type: 'image', Source: 'no/such:image', Target: '/img' }] } });
    assert.equal(none.status, 404);
  });
});

describe('volumes-from and removal', () => {
  it('--volumes-from shares a container\'s mounts, read-only with :ro', async () => {
    await e.dockerOk(['create', '--name', 'source', '-v', 'data:/data', '-v', '/anon', BB]);
    const out = await e.dockerOk(['run', '--rm', '--volumes-from', 'source:ro', BB, 'sh', '-c', 'cat /data/f; ls -d /anon; touch /data/x 2>&1 || true']);
    assert.match(out, /^persisted\n\/anon\n.*Read-only file system/s);
    await e.dockerOk(['create', '--name', 'sharer', '--volumes-from', 'source', BB]);
    const ms = await mounts('sharer');
    assert.deepEqual(ms.map((m) => [m.Destination, m.Name === undefined ? '' : m.Name.length > 40 ? 'anon' : m.Name, m.RW]).sort(), [['/anon', 'anon', true], ['/data', 'data', true]]);
    const r = await e.api('POST', '/containers/create', { Image: BB, HostConfig: { VolumesFrom: ['nosuch'] } });
    assert.equal(r.status, 400);
    assert.match(r.text, /No such container: nosuch/);
    const bad = await e.api('POST', '/containers/create', { Image: BB, HostConfig: { VolumesFrom: ['source:rshared'] } });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /invalid mode: rshared/);
  });

  it('rm -v removes anonymous volumes only when no other container uses them; named ones stay', async () => {
    const anon = (await mounts('source')).find((m) => m.Destination === '/anon')!.Name!;
    await e.dockerOk(['rm', '-v', 'sharer']);
    assert.ok((await volumeNames()).includes(anon), 'still used by "source"');
    await e.dockerOk(['rm', '-v', 'source']);
    const left = await volumeNames();
    assert.ok(!left.includes(anon));
    assert.ok(left.includes('data'));
    // --rm is rm -v.
    await e.dockerOk(['run', '--rm', '-v', '/scratch', BB, 'true']);
    assert.deepEqual(await volumeNames(), left);
  });
});

describe('local driver options', () => {
  it('mounts a tmpfs volume while a container uses it and unmounts it after', async () => {
    const mp = (await volume('tmpvol')).Mountpoint;
    const id = (await e.dockerOk(['run', '-d', '-v', 'tmpvol:/t', BB, 'sh', '-c', 'grep " /t " /proc/mounts; sleep 100'])).trim();
    try {
      assert.ok(mountsUnder(mp).includes(mp), 'mounted on the host while in use');
    } finally {
      await e.dockerOk(['rm', '-f', id]);
    }
    assert.deepEqual(mountsUnder(mp), []);
  });

  it('binds a host directory given as device with o=bind', async () => {
    const src = await hostDir('optbind');
    await writeFile(join(src, 'x'), 'bound\n');
    await e.dockerOk(['volume', 'create', '-o', 'type=none', '-o', `device=${src}`, '-o', 'o=bind', 'bindvol']);
    assert.equal(await e.dockerOk(['run', '--rm', '-v', 'bindvol:/b', BB, 'cat', '/b/x']), 'bound\n');
    await e.dockerOk(['volume', 'rm', 'bindvol']);
    assert.equal(await readFile(join(src, 'x'), 'utf8'), 'bound\n', 'removing the volume keeps the host files');
  });
});

describe('disk usage and prune', () => {
  it('system df -v shows each volume\'s size and links', async () => {
    await e.dockerOk(['run', '--rm', '-v', 'big:/big', BB, 'dd', 'if=/dev/zero', 'of=/big/blob', 'bs=1024', 'count=1024']);
    const df = (await e.api('GET', '/system/df?type=volume')).json<{ Volumes: VolumeJSON[] }>();
    const big = df.Volumes.find((v) => v.Name === 'big');
    assert.deepEqual(big?.UsageData, { Size: 1048576, RefCount: 0 });
    const data = df.Volumes.find((v) => v.Name === 'data');
    assert.equal(data?.UsageData?.RefCount, 1); // user1
    const out = await e.dockerOk(['system', 'df', '-v']);
    assert.match(out, /^big\s+0\s+1\.049MB$/m);
    assert.match(out, /^data\s+1\s+\S+B$/m);
    const summary = await e.dockerOk(['system', 'df', '--format', '{{json .}}']);
    const vols = jsonLines<{ Type: string; TotalCount: string; Active: string }>(summary).find((r) => r.Type === 'Local Volumes');
    const inUse = df.Volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length;
    assert.deepEqual([vols?.TotalCount, vols?.Active], [String(df.Volumes.length), String(inUse)]);
  });

  it('prune removes unused anonymous volumes, all unused ones with --all, and frees their space', async () => {
    const anon = (await e.dockerOk(['volume', 'create'])).trim();
    await e.dockerOk(['run', '--rm', '-v', `${anon}:/a`, BB, 'dd', 'if=/dev/zero', 'of=/a/blob', 'bs=1024', 'count=512']);
    let out = await e.dockerOk(['volume', 'prune', '-f']);
    assert.match(out, new RegExp(`^Deleted Volumes:\\n${anon}\\n\\nTotal reclaimed space: 524\\.3kB\\n$`));
    assert.ok((await volumeNames()).includes('big'), 'named volumes survive a plain prune');

    const sizeOf = async () => (await e.api('GET', '/system/df?type=volume')).json<{ Volumes: VolumeJSON[] }>().Volumes.reduce((n, v) => n + (v.UsageData?.Size ?? 0), 0);
    const before = await sizeOf();
    out = await e.dockerOk(['volume', 'prune', '-af', '--filter', 'label!=keep']);
    assert.match(out, /^big$/m);
    assert.doesNotMatch(out, /^data$/m, 'in use by user1');
    assert.match(out, /Total reclaimed space: 1\.049MB/);
    assert.ok((await sizeOf()) <= before - 1048576);
    const imgAnon = (await mounts('imgvol'))[0]!.Name!;
    // Left: volumes in use, and tmpvol (volumes with mount options are never pruned, as in Docker).
    assert.deepEqual((await volumeNames()).sort(), ['data', imgAnon, 'tmpvol'].sort());
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const events = await e.dockerOk(['events', '--since', '0', '--until', until, '--filter', 'type=volume', '--format', '{{.Action}}']);
    assert.match(events, /^prune$/m);
    assert.match(events, /^destroy$/m);
  });
});

describe('daemon restart', () => {
  it('keeps volumes, their data and the containers\' mounts', async () => {
    await e.dockerOk(['run', '--rm', '-v', 'data:/data', BB, 'sh', '-c', 'echo after-restart > /data/r']);
    const id = (await e.dockerOk(['run', '-d', '--restart', 'always', '-v', 'data:/data', BB, 'sleep', '1000'])).trim();
    await e.restart();
    assert.ok((await volumeNames()).includes('data'));
    assert.equal(await e.dockerOk(['run', '--rm', '-v', 'data:/data', BB, 'cat', '/data/r']), 'after-restart\n');
    assert.equal((await mounts(id))[0]?.Name, 'data');
    const r = await e.docker(['volume', 'rm', 'data']);
    assert.match(r.stderr, /volume is in use/);
    if (e.kind === 'wharfd') assert.deepEqual(await readdir(join(e.dataRoot, 'volumes')).then((n) => n.includes('data')), true);
    await e.dockerOk(['rm', '-f', id, 'user1']);
    await e.dockerOk(['volume', 'rm', 'data']);
  });
});

describe('the wharf CLI', () => {
  it('volume create/ls/inspect/rm/prune print what docker prints', async () => {
    assert.equal(await e.wharfOk(['volume', 'create', '--label', 'w=1', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'wv1']), 'wv1\n');
    assert.equal(await e.wharfOk(['volume', 'create', 'wv2']), 'wv2\n');
    for (const args of [
      ['volume', 'ls'],
      ['volume', 'ls', '-q', '--filter', 'label=w=1'],
      ['volume', 'ls', '--format', 'json'],
      ['volume', 'ls', '--format', 'table {{.Name}}\t{{.Labels}}\t{{.Mountpoint}}'],
      ['volume', 'inspect', 'wv1', 'wv2'],
      ['volume', 'inspect', '--format', '{{.Name}} {{.Options.type}} {{json .Labels}}', 'wv1'],
    ]) {
      assert.equal(await e.wharfOk(args), await e.dockerOk(args), args.join(' '));
    }
    const missing = await e.wharf(['volume', 'inspect', 'nope']);
    const dmissing = await e.docker(['volume', 'inspect', 'nope']);
    assert.deepEqual([missing.code, missing.stdout, missing.stderr], [dmissing.code, dmissing.stdout, dmissing.stderr]);
    const id = (await e.dockerOk(['create', '-v', 'wv2:/x', BB])).trim();
    const inUse = await e.wharf(['volume', 'rm', 'wv2']);
    assert.equal(inUse.code, 1);
    assert.equal(inUse.stderr, `Error response from daemon: remove wv2: volume is in use - [${id}]\n`);
    await e.dockerOk(['rm', id]);
    assert.equal(await e.wharfOk(['volume', 'rm', 'wv1']), 'wv1\n');
    assert.equal(await e.wharfOk(['volume', 'prune', '-af']), 'Deleted Volumes:\nwv2\n\nTotal reclaimed space: 0B\n');
    assert.equal(await e.wharfOk(['volume', 'prune', '-f']), 'Total reclaimed space: 0B\n');
  });
});
