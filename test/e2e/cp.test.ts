// The filesystem API (HEAD/GET/PUT /containers/{id}/archive) through the real docker CLI's
// `docker cp`, the wharf CLI and raw API calls: files and directories in and out of running
// and stopped containers, a tmpfs and a volume inside a running one, docker's path rules, and
// hostile paths and archives. Each hostile case must fail clearly or stay inside the
// container, and a sentinel directory on the host must never change. Tests share one daemon
// and run in order.
import assert from 'node:assert/strict';
import { chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, afterEach, before, describe, it } from 'node:test';
import { type TarWriteEntry, packTar } from '../../src/lib/tar/writer.ts';
import { readTarEntries } from '../../src/lib/tar/entries.ts';
import { BUSYBOX_IMAGE_REF, busyboxImageArchive } from '../fixtures/index.ts';
import { type Engine, mountsUnder, startEngine } from './harness.ts';
import { scratch } from './util.ts';

const BB = BUSYBOX_IMAGE_REF;
let e: Engine;
let files: { dir: string; remove: () => Promise<void> };
let sentinel: string;
const unique = `wharf-cp-${process.pid}`;

before(async () => {
  e = await startEngine('cp');
  files = await scratch('cp');
  sentinel = join(files.dir, 'sentinel');
  mkdirSync(sentinel);
  writeFileSync(join(sentinel, 'victim'), 'original');
  await e.dockerOk(['load', '-i', await busyboxImageArchive()]);
  await e.dockerOk(['run', '-d', '--name', 'live', '--tmpfs', '/scratch', BB, 'sleep', '1000']);
  await e.dockerOk(['create', '--name', 'cold', BB, 'cat', '/in/hello.txt']);
});
after(async () => {
  await e?.teardown();
  await files?.remove();
});
afterEach(() => {
  // The host side of every test: the sentinel exactly as it was, nothing planted at the root.
  assert.deepEqual(readdirSync(sentinel), ['victim']);
  assert.equal(readFileSync(join(sentinel, 'victim'), 'utf8'), 'original');
  assert.equal(statSync(join(sentinel, 'victim')).nlink, 1);
  assert.equal(existsSync(`/${unique}`), false, `/${unique} appeared on the host`);
  assert.equal(statSync('/etc/shadow').nlink, 1, '/etc/shadow gained a hard link');
});

const local = (...p: string[]) => join(files.dir, ...p);
const sh = (c: string, script: string) => e.dockerOk(['exec', c, 'sh', '-c', script]);
const fail = async (args: string[]) => {
  const r = await e.docker(args);
  assert.notEqual(r.code, 0, `docker ${args.join(' ')} should fail`);
  return r.stderr.trim();
};

describe('docker cp with a running container', () => {
  it('copies a file and a directory in and out', async () => {
    writeFileSync(local('hello.txt'), 'hello\n');
    mkdirSync(local('tree', 'sub'), { recursive: true });
    writeFileSync(local('tree', 'a'), 'A');
    writeFileSync(local('tree', 'sub', 'b'), 'B', { mode: 0o640 });
    symlinkSync('a', local('tree', 'link'));
    await e.dockerOk(['cp', local('hello.txt'), 'live:/tmp/']);
    await e.dockerOk(['cp', local('tree'), 'live:/tmp/tree']);
    assert.equal(await sh('live', 'cat /tmp/hello.txt'), 'hello\n');
    assert.equal(await sh('live', 'cat /tmp/tree/a /tmp/tree/sub/b; echo; readlink /tmp/tree/link; stat -c %a /tmp/tree/sub/b'), 'AB\na\n640\n');
    await e.dockerOk(['cp', 'live:/tmp/tree', local('out-tree')]);
    assert.equal(readFileSync(local('out-tree', 'sub', 'b'), 'utf8'), 'B');
    assert.equal(lstatSync(local('out-tree', 'link')).isSymbolicLink(), true);
    await e.dockerOk(['cp', 'live:/etc/passwd', local('passwd')]);
    assert.equal(readFileSync(local('passwd'), 'utf8'), await sh('live', 'cat /etc/passwd'));
  });

  it('follows docker’s path rules: trailing "/.", existing directories, missing parents', async () => {
    mkdirSync(local('into'));
    await e.dockerOk(['cp', 'live:/tmp/tree/.', local('into')]); // the contents, not the directory
    assert.deepEqual(readdirSync(local('into')).sort(), ['a', 'link', 'sub']);
    await e.dockerOk(['cp', 'live:/tmp/tree', local('into')]); // into the existing directory
    assert.ok(existsSync(local('into', 'tree', 'sub', 'b')));
    assert.match(await fail(['cp', local('hello.txt'), 'live:/tmp/nodir/']), /no such directory/);
    assert.match(await fail(['cp', local('hello.txt'), 'live:/nonexistent/dir/x']), /Could not find the file \/nonexistent\/dir in container live/);
    assert.match(await fail(['cp', 'live:/nonexistent', local('x')]), /Could not find the file \/nonexistent in container live/);
    assert.match(await fail(['cp', local('tree'), 'live:/tmp/hello.txt']), /cannot copy directory/);
  });

  it('streams tars on stdin and stdout with "-"', async () => {
    const r = await e.docker(['cp', 'live:/tmp/tree/sub', '-']);
    assert.equal(r.code, 0, r.stderr);
    const names = [];
    for await (const m of readTarEntries([Buffer.from(r.stdout, 'latin1')])) names.push(m.header.name);
    assert.deepEqual(names, ['sub/', 'sub/b']);
    const tar = await buffer(Readable.from(packTar([{ header: { name: 'piped.txt', type: 'file', size: 5 }, body: Buffer.from('piped') }])));
    await e.dockerOk(['cp', '-', 'live:/tmp'], { input: tar });
    assert.equal(await sh('live', 'cat /tmp/piped.txt'), 'piped');
  });

  it('follows a symlink source with -L, keeping the link’s name', async () => {
    await sh('live', 'mkdir -p /tmp/lk && ln -sf /etc/passwd /tmp/lk/pw');
    await e.dockerOk(['cp', 'live:/tmp/lk/pw', local('pw-link')]);
    assert.equal(readlinkSync(local('pw-link')), '/etc/passwd');
    await e.dockerOk(['cp', '-L', 'live:/tmp/lk/pw', local('pw-file')]);
    assert.equal(readFileSync(local('pw-file'), 'utf8'), await sh('live', 'cat /etc/passwd'));
    await e.wharfOk(['cp', '-L', 'live:/tmp/lk/pw', local('pw-wharf')]);
    assert.equal(readFileSync(local('pw-wharf'), 'utf8'), await sh('live', 'cat /etc/passwd'));
  });

  it('copies the whole root, kernel filesystems as empty directories', async () => {
    await e.dockerOk(['cp', 'live:/', local('rootcopy')]);
    assert.ok(statSync(local('rootcopy', 'bin', 'busybox')).isFile());
    assert.deepEqual(readdirSync(local('rootcopy', 'proc')), []);
    assert.deepEqual(readdirSync(local('rootcopy', 'sys')), []);
  });

  it('keeps the archive’s owners, or gives everything to the container’s user with -a', async () => {
    writeFileSync(local('owned'), 'o');
    chownSync(local('owned'), 1234, 4321);
    await e.dockerOk(['run', '-d', '--name', 'usr', '--user', 'daemon', BB, 'sleep', '1000']);
    await e.dockerOk(['cp', local('owned'), 'usr:/tmp/plain']);
    await e.dockerOk(['cp', '-a', local('owned'), 'usr:/tmp/archived']);
    assert.equal(await sh('usr', 'stat -c %u:%g /tmp/plain /tmp/archived'), '1234:4321\n1:1\n');
  });

  it('reaches a tmpfs mounted in the container', async (t) => {
    if (e.kind !== 'wharfd') return t.skip('dockerd copies into a private tmpfs of its own view (lost)');
    await e.dockerOk(['cp', local('hello.txt'), 'live:/scratch/in-tmpfs.txt']);
    assert.equal(await sh('live', 'cat /scratch/in-tmpfs.txt; grep -c " /scratch tmpfs" /proc/mounts'), 'hello\n1\n');
    await sh('live', 'echo made-inside > /scratch/made');
    await e.dockerOk(['cp', 'live:/scratch/made', local('made')]);
    assert.equal(readFileSync(local('made'), 'utf8'), 'made-inside\n');
  });

  it('answers HEAD with the path stat header (Go file modes, resolved link targets)', async () => {
    await sh('live', 'mkdir -p /tmp/st && chmod 1755 /tmp/st && ln -sf ../../etc/passwd /tmp/st/pw');
    const stat = async (p: string) => {
      const r = await e.api('HEAD', `/containers/live/archive?path=${encodeURIComponent(p)}`);
      assert.equal(r.status, 200);
      return JSON.parse(Buffer.from(String(r.headers['x-docker-container-path-stat']), 'base64').toString());
    };
    const dir = await stat('/tmp/st');
    assert.equal(dir.name, 'st');
    assert.equal(dir.mode, 2 ** 31 + 2 ** 20 + 0o755); // ModeDir | ModeSticky | 0755
    assert.match(dir.mtime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const link = await stat('/tmp/st/pw');
    assert.equal(link.linkTarget, '/etc/passwd');
    assert.equal(link.mode & 2 ** 27, 2 ** 27);
    assert.equal((await stat('/tmp/st/.')).name, '.');
    assert.equal((await e.api('HEAD', '/containers/live/archive?path=/nope')).status, 404);
    assert.equal((await e.api('HEAD', '/containers/live/archive')).status, 400);
  });
});

describe('docker cp with a stopped container', () => {
  it('copies into a created container before it runs, and out of it after it exited', async () => {
    assert.match(await fail(['cp', local('hello.txt'), 'cold:/in/']), /no such directory/);
    mkdirSync(local('in'));
    writeFileSync(local('in', 'hello.txt'), 'from the host\n');
    await e.dockerOk(['cp', local('in'), 'cold:/in']);
    assert.equal(await e.dockerOk(['start', '-a', 'cold']), 'from the host\n');
    await e.dockerOk(['cp', 'cold:/in', local('back')]);
    assert.equal(readFileSync(local('back', 'hello.txt'), 'utf8'), 'from the host\n');
    assert.equal(JSON.parse(await e.dockerOk(['inspect', '-f', '{{json .State.Running}}', 'cold'])), false);
    await e.dockerOk(['start', 'cold']); // the temporary mounts are gone: it starts again
  });
});

describe('hostile paths inside the container', () => {
  it('keeps a copy through a symlink to / or ../../.. inside the container', async () => {
    await sh('live', `ln -s / /tmp/root && ln -s ../../../.. /tmp/up && ln -s ${sentinel} /tmp/host`);
    writeFileSync(local(unique), 'planted');
    await e.dockerOk(['cp', local(unique), 'live:/tmp/root/']);
    await e.dockerOk(['cp', local(unique), 'live:/tmp/up/etc/']);
    assert.equal(await sh('live', `cat /${unique} /etc/${unique}`), 'plantedplanted');
    assert.equal(existsSync(`/etc/${unique}`), false);
  });

  it('never reaches a host path a symlink names', async () => {
    assert.match(await fail(['cp', local(unique), 'live:/tmp/host/victim']), /Could not find the file \/tmp\/host in container live/);
    assert.match(await fail(['cp', 'live:/tmp/host/victim', local('stolen')]), /Could not find the file \/tmp\/host\/victim/);
    // The link's target is a path in the container, where its parent does not exist either.
    assert.match(await fail(['cp', local(unique), 'live:/tmp/host']), /Could not find the file \/tmp\/wharf-e2e-cp-files-\w+ in container live/);
    await sh('live', `mkdir -p ${sentinel.slice(0, sentinel.lastIndexOf('/'))}`);
    await e.dockerOk(['cp', local(unique), 'live:/tmp/host']); // now it is created there
    assert.equal(await sh('live', `cat ${sentinel}`), 'planted');
  });

  // A refused archive is the client's fault: 400 (dockerd says 500).
  const REFUSED = () => (e.kind === 'wharfd' ? 400 : 500);
  async function put(dest: string, entries: TarWriteEntry[]): Promise<{ status: number; message: string }> {
    const tar = await buffer(Readable.from(packTar(entries)));
    const r = await e.api('PUT', `/containers/live/archive?path=${encodeURIComponent(dest)}`, tar, { headers: { 'Content-Type': 'application/x-tar' } });
    return { status: r.status, message: r.status === 200 ? '' : r.json<{ message: string }>().message };
  }
  const file = (name: string): TarWriteEntry => ({ header: { name, type: 'file', size: 5 }, body: Buffer.from('pwned') });

  it('refuses tar members climbing out of the destination', async () => {
    await sh('live', 'mkdir -p /tmp/x/y');
    const r = await put('/tmp/x/y', [file('../escape'), file(`../../../../../../..${sentinel}/victim`)]);
    assert.equal(r.status, REFUSED());
    assert.match(r.message, /"\.\.\/escape" is outside of "\/tmp\/x\/y"/);
    assert.equal(await sh('live', 'ls /tmp/x'), 'y\n');
  });

  it('roots absolute member names at the destination', async () => {
    assert.equal((await put('/tmp/x', [file(`${sentinel}/victim`), file(`/${unique}`)])).status, 200);
    assert.equal(await sh('live', `cat /tmp/x${sentinel}/victim /tmp/x/${unique}`), 'pwnedpwned');
  });

  it('refuses hard links to files outside the destination', async () => {
    const out = await put('/tmp/x', [{ header: { name: 'shadow', type: 'hardlink', linkname: '../../etc/shadow' } }]);
    assert.equal(out.status, REFUSED());
    assert.match(out.message, /invalid hardlink/);
    const abs = await put('/', [{ header: { name: 'shadow2', type: 'hardlink', linkname: '/etc/shadow' } }]);
    assert.equal(abs.status, REFUSED()); // the container has no /etc/shadow: the host's is never a candidate
    assert.match(abs.message, /shadow.*(ENOENT|no such file)/);
    await sh('live', 'echo container-secret > /etc/shadow');
    assert.equal((await put('/', [{ header: { name: 'shadow3', type: 'hardlink', linkname: '/etc/shadow' } }])).status, 200);
    assert.equal(await sh('live', 'cat /shadow3; stat -c %h /etc/shadow'), 'container-secret\n2\n'); // the container's own file
  });

  it('keeps a file written through a symlink member inside the container', async () => {
    const dangling = await put('/tmp/x', [{ header: { name: 's', type: 'symlink', linkname: sentinel } }, file('s/victim')]);
    assert.equal(dangling.status, REFUSED());
    // In the container that path is missing, or the file an earlier test made there.
    assert.match(dangling.message, /\/tmp\/x\/s(\/victim: not a directory| is a symbolic link to a missing directory)/);
    const up = await put('/tmp/x', [{ header: { name: 'r', type: 'symlink', linkname: '/' } }, file(`r/${unique}-2`)]);
    assert.equal(up.status, 200);
    assert.equal(await sh('live', `cat /${unique}-2`), 'pwned');
    assert.equal(existsSync(`/${unique}-2`), false);
  });
});

describe('volumes and binds', () => {
  const views = () => mountsUnder(e.execRoot).filter((m) => m.includes('.archive-'));

  it('copies into a named volume of a running container, and the volume keeps it', async () => {
    await e.dockerOk(['run', '-d', '--name', 'vol-live', '-v', 'cpvol:/data', BB, 'sleep', '1000']);
    await e.dockerOk(['cp', local('hello.txt'), 'vol-live:/data/']);
    assert.equal(await e.dockerOk(['run', '--rm', '-v', 'cpvol:/v', BB, 'cat', '/v/hello.txt']), 'hello\n');
  });

  it('reaches the volumes and binds of a stopped container; read-only ones refuse writes', async () => {
    mkdirSync(local('bind'));
    await e.dockerOk(['create', '--name', 'vol-cold', '-v', 'cpvol:/data', '-v', `${local('bind')}:/bind`, '-v', 'cpvol:/ro:ro', BB, 'true']);
    await e.dockerOk(['cp', local('tree'), 'vol-cold:/data/t']);
    await e.dockerOk(['cp', local('hello.txt'), 'vol-cold:/bind/']);
    assert.equal(readFileSync(local('bind', 'hello.txt'), 'utf8'), 'hello\n');
    assert.match(await fail(['cp', local('hello.txt'), 'vol-cold:/ro/']), /mounted volume is marked read-only/);
    await e.dockerOk(['cp', 'vol-cold:/ro/t/sub/b', local('from-ro')]);
    assert.equal(readFileSync(local('from-ro'), 'utf8'), 'B');
    assert.equal(await e.dockerOk(['run', '--rm', '-v', 'cpvol:/v', BB, 'cat', '/v/t/a']), 'A');
    assert.deepEqual(views(), [], 'the temporary view is unmounted');
    await e.dockerOk(['start', '-a', 'vol-cold']);
  });

  it('keeps a copy through a symlink in a volume inside the stopped container', async () => {
    await e.dockerOk(['run', '--rm', '-v', 'cpvol:/v', BB, 'ln', '-s', '/', '/v/up']);
    await e.dockerOk(['cp', local(unique), 'vol-cold:/data/up/']);
    const r = await e.docker(['cp', `vol-cold:/${unique}`, '-']);
    assert.equal(r.code, 0, r.stderr); // in the container's rootfs
    assert.deepEqual(views(), []);
  });
});

describe('the wharf CLI', () => {
  it('copies in and out like docker cp', async () => {
    await e.wharfOk(['cp', local('tree'), 'live:/tmp/wtree']);
    assert.equal(await sh('live', 'cat /tmp/wtree/sub/b'), 'B');
    await e.wharfOk(['cp', 'live:/tmp/wtree/.', local('wout')]);
    assert.deepEqual(readdirSync(local('wout')).sort(), ['a', 'link', 'sub']);
    const r = await e.wharf(['cp', 'live:/nonexistent', local('nothing')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error response from daemon: Could not find the file \/nonexistent in container live/);
  });
});

describe('read-only root filesystems', () => {
  it('refuses the rootfs of a --read-only container but takes its tmpfs', async (t) => {
    await e.dockerOk(['run', '-d', '--name', 'ro', '--read-only', '--tmpfs', '/scratch', BB, 'sleep', '1000']);
    assert.match(await fail(['cp', local('hello.txt'), 'ro:/tmp/']), /container rootfs is marked read-only/);
    if (e.kind !== 'wharfd') return t.skip('dockerd refuses --tmpfs mounts of a read-only container too');
    await e.dockerOk(['cp', local('hello.txt'), 'ro:/scratch/']);
    assert.equal(await sh('ro', 'cat /scratch/hello.txt'), 'hello\n');
  });
});

describe('a 50 MiB file', () => {
  it('goes in and out in reasonable time', async (t) => {
    const big = Buffer.alloc(50 << 20);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    writeFileSync(local('big'), big);
    let t0 = performance.now();
    await e.dockerOk(['cp', local('big'), 'live:/tmp/big']);
    const inMs = performance.now() - t0;
    t0 = performance.now();
    await e.dockerOk(['cp', 'live:/tmp/big', local('big-back')]);
    const outMs = performance.now() - t0;
    assert.ok(readFileSync(local('big-back')).equals(big));
    t.diagnostic(`docker cp 50 MiB: in ${inMs.toFixed(0)} ms, out ${outMs.toFixed(0)} ms`);
  });
});
