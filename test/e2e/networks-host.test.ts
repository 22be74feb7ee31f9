// Networks and the host around them: outbound traffic masqueraded to a server in a namespace
// the test makes (reachable only through masquerade; none from --internal networks), names
// not ours forwarded by the embedded DNS to a resolver the test runs on loopback (the daemon's
// --dns), a daemon restart (SIGTERM and kill -9) that keeps running containers' addresses,
// ports and names, and create/start/rm cycles that leave no interface, rule, lease, namespace
// or descriptor behind.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import packet from 'dns-packet';
import { BUSYBOX_IMAGE_REF, busyboxImageArchive } from '../fixtures/index.ts';
import { type Engine, runCommand, startEngine, waitFor } from './harness.ts';

const BB = BUSYBOX_IMAGE_REF;
const tag = randomBytes(2).toString('hex');
const NS = `wno${tag}`;
const VETH = `wno${tag}h`;
/** The test's resolver: a loopback address of its own, port 53 (--dns takes no port). */
const RESOLVER = `127.77.${randomBytes(1)[0]! % 250}.${1 + (randomBytes(1)[0]! % 250)}`;
let e: Engine;
let octet = '';
let outsideServer: ChildProcess | undefined;
let resolver: dgram.Socket | undefined;
const asked: string[] = [];

async function sh(cmd: string, args: string[]): Promise<string> {
  const r = await runCommand(cmd, args, process.env, { timeoutMs: 15_000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Answers A queries for *.wharf-test with 203.0.113.7, NXDOMAIN otherwise. */
async function startResolver(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.on('message', (msg, rinfo) => {
    const q = packet.decode(msg);
    const name = q.questions?.[0]?.name ?? '';
    asked.push(name);
    const ours = name.endsWith('.wharf-test');
    const reply = packet.encode({
      id: q.id,
      type: 'response',
      flags: packet.RECURSION_AVAILABLE | (ours ? 0 : 3),
      questions: q.questions,
      answers: ours ? [{ type: 'A', name, ttl: 60, data: '203.0.113.7' }] : [],
    });
    s.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => s.bind(53, RESOLVER, resolve));
  return s;
}

before(async () => {
  resolver = await startResolver();
  e = await startEngine('networks-host', { args: ['--dns', RESOLVER] });
  await e.dockerOk(['load', '-i', await busyboxImageArchive()]);
  octet = e.net.pool.split('.')[1]!;
  // "Outside": a namespace behind a veth, with no route back to the containers' subnets.
  await sh('ip', ['netns', 'add', NS]);
  await sh('ip', ['link', 'add', VETH, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS]);
  await sh('ip', ['addr', 'add', `10.${octet}.250.1/24`, 'dev', VETH]);
  await sh('ip', ['link', 'set', VETH, 'up']);
  await sh('ip', ['netns', 'exec', NS, 'ip', 'addr', 'add', `10.${octet}.250.2/24`, 'dev', 'eth0']);
  await sh('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'eth0', 'up']);
  await sh('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
  outsideServer = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', "require('http').createServer((q,r)=>r.end('from '+q.socket.remoteAddress+'\\n')).listen(8000,'0.0.0.0',()=>console.log('ready'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    outsideServer!.stdout!.once('data', () => resolve());
    outsideServer!.once('exit', (c) => reject(new Error(`outside server exited ${c}`)));
  });
});
after(async () => {
  outsideServer?.kill('SIGKILL');
  resolver?.close();
  await runCommand('ip', ['link', 'del', VETH], process.env).catch(() => {});
  await runCommand('ip', ['netns', 'del', NS], process.env).catch(() => {});
  await e?.teardown();
});

function httpGet(host: string, port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('outbound traffic', () => {
  it('is masqueraded to the host\'s address; internal networks and masquerade off get nowhere', async () => {
    const out = await e.dockerOk(['run', '--rm', BB, 'wget', '-qO-', `http://10.${octet}.250.2:8000/`]);
    assert.equal(out, `from 10.${octet}.250.1\n`);
    await e.dockerOk(['network', 'create', 'user']);
    assert.equal(await e.dockerOk(['run', '--rm', '--network', 'user', BB, 'wget', '-qO-', `http://10.${octet}.250.2:8000/`]), out);
    await e.dockerOk(['network', 'create', '--internal', 'sealed']);
    const sealed = await e.docker(['run', '--rm', '--network', 'sealed', BB, 'wget', '-qO-', '-T', '2', `http://10.${octet}.250.2:8000/`]);
    assert.notEqual(sealed.code, 0);
    await e.dockerOk(['network', 'create', '-o', 'com.docker.network.bridge.enable_ip_masquerade=false', 'plain']);
    const plain = await e.docker(['run', '--rm', '--network', 'plain', BB, 'wget', '-qO-', '-T', '2', `http://10.${octet}.250.2:8000/`]);
    assert.notEqual(plain.code, 0, 'without masquerade the answer has no way back');
    await e.dockerOk(['network', 'rm', 'sealed', 'plain']);
  });

  it('names that are not ours go to the daemon\'s --dns resolvers; internal networks forward nothing', async () => {
    const out = await e.dockerOk(['run', '--rm', '--network', 'user', BB, 'nslookup', 'www.wharf-test']);
    assert.match(out, /Address: 203\.0\.113\.7/);
    assert.ok(asked.includes('www.wharf-test'), asked.join(' '));
    const none = await e.docker(['run', '--rm', '--network', 'user', BB, 'nslookup', 'nothing.example']);
    assert.notEqual(none.code, 0);
    await e.dockerOk(['network', 'create', '--internal', 'closed']);
    const before = asked.length;
    const closed = await e.docker(['run', '--rm', '--network', 'closed', BB, 'nslookup', 'www.wharf-test']);
    assert.notEqual(closed.code, 0);
    assert.equal(asked.length, before, 'an internal network\'s query never left the host');
    await e.dockerOk(['network', 'rm', 'closed']);
  });
});

describe('daemon restart', () => {
  it('keeps running containers\' addresses, published ports and names (SIGTERM and kill -9)', async () => {
    await e.dockerOk(['run', '-d', '--name', 'svc', '--network', 'user', '-p', '127.0.0.1::80', BB, 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const port = Number((await e.dockerOk(['port', 'svc', '80'])).trim().split(':')[1]);
    const id = (await e.dockerOk(['inspect', '-f', '{{.Id}}', 'svc'])).trim();
    await waitFor(() => httpGet('127.0.0.1', port, '/hostname').catch(() => undefined), 5000, 'httpd to answer');
    const ip = (await e.dockerOk(['inspect', '-f', '{{.NetworkSettings.Networks.user.IPAddress}}', 'svc'])).trim();
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      await e.restart(signal);
      assert.equal(await httpGet('127.0.0.1', port, '/hostname'), `${id.slice(0, 12)}\n`, `port after ${signal}`);
      assert.equal((await e.dockerOk(['inspect', '-f', '{{.NetworkSettings.Networks.user.IPAddress}}', 'svc'])).trim(), ip);
      const byName = await e.dockerOk(['run', '--rm', '--network', 'user', BB, 'wget', '-qO-', 'http://svc/hostname']);
      assert.equal(byName, `${id.slice(0, 12)}\n`, `name after ${signal}`);
      // A new container does not get the running one's address.
      const other = await e.dockerOk(['run', '--rm', '--network', 'user', BB, 'sh', '-c', "ip -4 addr show eth0 | sed -n 's/.*inet \\([0-9.]*\\).*/\\1/p'"]);
      assert.notEqual(other.trim(), ip);
    }
    const clash = await e.docker(['run', '--rm', '-p', `127.0.0.1:${port}:80`, BB, 'true']);
    assert.match(clash.stderr, /port is already allocated/, 'the port is still reserved after the restart');
    await e.dockerOk(['rm', '-f', 'svc']);
  });
});

describe('no leaks', () => {
  /** What this daemon holds in the kernel and its store. */
  async function census() {
    const userId = (await e.dockerOk(['network', 'inspect', '-f', '{{.Id}}', 'user'])).trim();
    const bridges = [e.net.bridge, `br-${userId.slice(0, 12)}`];
    const links = (await sh('ip', ['-o', 'link', 'show'])).split('\n').filter((l) => bridges.some((b) => l.includes(`master ${b} `))).length;
    const rules = (await sh('iptables-save', [])).split('\n').filter((l) => l.includes(e.net.fwPrefix)).length;
    const netns = readdirSync(join(e.execRoot, 'network', 'netns')).length;
    const db = new DatabaseSync(join(e.dataRoot, 'wharf.db'), { readOnly: true });
    const leases = (db.prepare('SELECT COUNT(*) AS n FROM ip_leases').get() as { n: number }).n;
    const attachments = (db.prepare('SELECT COUNT(*) AS n FROM network_attachments').get() as { n: number }).n;
    db.close();
    const fds = readdirSync(`/proc/${e.pid}/fd`).length;
    return { links, rules, netns, leases, attachments, fds };
  }

  // The 1,000 cycles: E2E_NET_CYCLES=1000 (about 6 min here); make test runs 100.
  const cycles = Number(process.env['E2E_NET_CYCLES'] ?? 100);
  it(`${cycles} create/start/rm cycles with published ports leave nothing behind`, async () => {
    const start = await census();
    const t0 = Date.now();
    for (let i = 0; i < cycles; i++) {
      const body = {
        Image: BB,
        Cmd: ['true'],
        HostConfig: { NetworkMode: i % 2 === 0 ? 'bridge' : 'user', PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      };
      const created = await e.api('POST', '/containers/create', body);
      assert.equal(created.status, 201, created.text);
      const id = created.json<{ Id: string }>().Id;
      const started = await e.api('POST', `/containers/${id}/start`);
      assert.equal(started.status, 204, started.text);
      await e.api('POST', `/containers/${id}/wait`);
      const removed = await e.api('DELETE', `/containers/${id}?force=1`);
      assert.equal(removed.status, 204, removed.text);
    }
    const elapsed = Date.now() - t0;
    // Descriptors of finished requests and exits may take a moment to close.
    const end = await waitFor(async () => {
      const c = await census();
      return c.fds <= start.fds + 2 ? c : undefined;
    }, 5000, 'descriptors to settle').catch(() => census());
    assert.deepEqual({ ...end, fds: 0 }, { ...start, fds: 0 }, `after ${cycles} cycles (${elapsed} ms)`);
    assert.ok(end.fds <= start.fds + 2, `descriptors: ${start.fds} before, ${end.fds} after`);
    assert.ok(elapsed < cycles * 600, `${cycles} cycles took ${elapsed} ms`);
    process.stderr.write(`${cycles} cycles: ${elapsed} ms; interfaces, rules, netns, leases, attachments before/after: ${JSON.stringify(start)} ${JSON.stringify(end)}\n`);
  });
});
