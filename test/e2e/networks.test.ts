// Networks through the real docker CLI (and `wharf network`): the predefined networks, user
// networks with names resolved by the embedded DNS, published tcp and udp ports reached from
// the host (127.0.0.1 and an address of a dummy interface the test makes), port clashes,
// host/none/container modes, connect/disconnect of a running container, isolation between
// networks, and network rm/prune. Tests in this file run in order and share one daemon.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX_IMAGE_REF, busyboxImageArchive } from '../fixtures/index.ts';
import { type Engine, runCommand, startEngine, waitFor } from './harness.ts';
import { lines } from './util.ts';

const BB = BUSYBOX_IMAGE_REF;
const tag = randomBytes(2).toString('hex');
/** A host interface with an address of its own: "the host's other addresses". */
const DUMMY = `wnd${tag}`;
let dummyIp = '';
let e: Engine;

async function sh(cmd: string, args: string[]): Promise<string> {
  const r = await runCommand(cmd, args, process.env, { timeoutMs: 15_000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  e = await startEngine('networks');
  await e.dockerOk(['load', '-i', await busyboxImageArchive()]);
  // 10.<pool>.254.<n>/32 lies in the engine's pool but is a host route, so no network takes it.
  const octet = e.net.pool.split('.')[1];
  dummyIp = `10.${octet}.254.${1 + (randomBytes(1)[0]! % 200)}`;
  // No dummy driver in every kernel: a veth pair kept on the host serves as well.
  await sh('ip', ['link', 'add', DUMMY, 'type', 'veth', 'peer', 'name', `${DUMMY}p`]);
  await sh('ip', ['link', 'set', `${DUMMY}p`, 'up']);
  await sh('ip', ['addr', 'add', `${dummyIp}/32`, 'dev', DUMMY]);
  await sh('ip', ['link', 'set', DUMMY, 'up']);
});
after(async () => {
  await runCommand('ip', ['link', 'del', DUMMY], process.env).catch(() => {});
  await e?.teardown();
});

interface Inspect {
  Id: string;
  NetworkSettings: {
    SandboxKey: string;
    IPAddress: string;
    Gateway: string;
    Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
    Networks: Record<string, { NetworkID: string; EndpointID: string; IPAddress: string; IPPrefixLen: number; Gateway: string; MacAddress: string; Aliases: string[] | null; DNSNames: string[] | null }>;
  };
}

async function inspect(name: string): Promise<Inspect> {
  return (JSON.parse(await e.dockerOk(['inspect', name])) as Inspect[])[0]!;
}

function httpGet(host: string, port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}:${port}${path}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function udpExchange(host: string, port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no udp answer from ${host}:${port}`));
    }, 3000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString());
    });
    s.send(payload, port, host);
  });
}

describe('predefined networks', () => {
  it('bridge, host and none exist; the bridge is this daemon\'s own', async () => {
    const ls = await e.dockerOk(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']);
    assert.deepEqual(lines(ls), ['bridge bridge local', 'host host local', 'none null local']);
    const [b] = JSON.parse(await e.dockerOk(['network', 'inspect', 'bridge'])) as { Options: Record<string, string>; IPAM: { Config: { Subnet: string; Gateway: string }[] } }[];
    assert.equal(b!.Options['com.docker.network.bridge.name'], e.net.bridge);
    assert.equal(b!.Options['com.docker.network.bridge.default_bridge'], 'true');
    assert.match(b!.IPAM.Config[0]!.Subnet, new RegExp(`^10\\.${e.net.pool.split('.')[1]}\\.\\d+\\.0/24$`));
    const table = await e.dockerOk(['network', 'ls']);
    assert.match(lines(table)[0]!, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
    await assert.rejects(e.dockerOk(['network', 'rm', 'host']), /host is a pre-defined network and cannot be removed/);
  });

  it('containers on the default bridge get an address, hosts, the host gateway and no embedded DNS', async () => {
    const out = await e.dockerOk(['run', '--rm', '--hostname', 'box', '--add-host', 'gw:host-gateway', '--dns', '192.0.2.53', '--dns-search', 'corp.example', BB, 'sh', '-c', 'ip -4 addr show eth0; cat /etc/hosts /etc/resolv.conf']);
    const [b] = JSON.parse(await e.dockerOk(['network', 'inspect', 'bridge'])) as { IPAM: { Config: { Gateway: string }[] } }[];
    const gw = b!.IPAM.Config[0]!.Gateway;
    const ip = /inet (\S+)\//.exec(out)?.[1];
    assert.ok(ip, out);
    assert.match(out, new RegExp(`^${ip.replaceAll('.', '\\.')}\\tbox$`, 'm'));
    assert.match(out, new RegExp(`^${gw.replaceAll('.', '\\.')}\\tgw$`, 'm'));
    assert.match(out, /^nameserver 192\.0\.2\.53$/m);
    assert.match(out, /^search corp\.example$/m);
  });
});

describe('user-defined networks', () => {
  it('create and inspect with docker\'s shape; duplicates and unknown drivers fail', async () => {
    const id = (await e.dockerOk(['network', 'create', '--label', 'app=web', 'front'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const [n] = JSON.parse(await e.dockerOk(['network', 'inspect', 'front'])) as { Id: string; Driver: string; Labels: Record<string, string>; IPAM: { Driver: string; Config: { Subnet: string; Gateway: string }[] } }[];
    assert.equal(n!.Id, id);
    assert.equal(n!.Driver, 'bridge');
    assert.deepEqual(n!.Labels, { app: 'web' });
    assert.equal(n!.IPAM.Driver, 'default');
    assert.match(n!.IPAM.Config[0]!.Gateway, /\.1$/);
    const dup = await e.docker(['network', 'create', 'front']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /network with name front already exists/);
    const drv = await e.docker(['network', 'create', '-d', 'weave', 'w']);
    assert.match(drv.stderr, /plugin "weave" not found/);
    // As dockerd: an unknown network fails the start, not the create (a 404 there means "pull").
    const none = await e.docker(['run', '--name', 'lost', '--network', 'nosuch', BB, 'true']);
    assert.equal(none.code, 125);
    assert.doesNotMatch(none.stderr, /Unable to find image/);
    assert.match(none.stderr, /failed to set up container networking: network nosuch not found/);
    await e.dockerOk(['rm', 'lost']);
    assert.deepEqual(lines(await e.dockerOk(['network', 'ls', '--filter', 'label=app=web', '--format', '{{.Name}}'])), ['front']);
    assert.deepEqual(lines(await e.dockerOk(['network', 'ls', '--filter', 'type=custom', '-q'])), [id.slice(0, 12)]);
  });

  it('two containers reach each other by name, alias and short ID through the embedded DNS', async () => {
    await e.dockerOk(['run', '-d', '--name', 'web', '--network', 'front', '--network-alias', 'www', BB, 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const web = await inspect('web');
    const ep = web.NetworkSettings.Networks['front']!;
    assert.match(ep.IPAddress, /^10\./);
    assert.deepEqual(ep.Aliases, ['www']);
    assert.deepEqual(ep.DNSNames, ['web', 'www', web.Id.slice(0, 12)]);
    const out = await e.dockerOk(['run', '--rm', '--network', 'front', BB, 'sh', '-c', `cat /etc/resolv.conf; sleep 0.2; wget -qO- http://web/hostname; wget -qO- http://www/hostname; ping -c1 -W2 ${web.Id.slice(0, 12)} >/dev/null && echo pinged; nslookup web`]);
    assert.match(out, new RegExp(`^nameserver ${ep.Gateway.replaceAll('.', '\\.')}$`, 'm'));
    assert.match(out, /^options ndots:0$/m);
    assert.equal(out.split(web.Id.slice(0, 12)).length - 1 >= 2, true, out);
    assert.match(out, /^pinged$/m);
    assert.match(out, new RegExp(`Address: ${ep.IPAddress.replaceAll('.', '\\.')}`));
    const nc = await e.dockerOk(['run', '--rm', '--network', 'front', BB, 'sh', '-c', 'printf "GET /hostname HTTP/1.0\\r\\n\\r\\n" | nc web 80']);
    assert.match(nc, /^HTTP\/1\.[01] 200 OK/);
    const [n] = JSON.parse(await e.dockerOk(['network', 'inspect', 'front'])) as { Containers: Record<string, { Name: string; IPv4Address: string }> }[];
    assert.deepEqual(n!.Containers[web.Id], { Name: 'web', EndpointID: ep.EndpointID, MacAddress: ep.MacAddress, IPv4Address: `${ep.IPAddress}/${ep.IPPrefixLen}`, IPv6Address: '' });
  });

  it('--ip and --mac-address on a network with a subnet of the user\'s', async () => {
    const sub = `10.${e.net.pool.split('.')[1]}.200.0/24`;
    await e.dockerOk(['network', 'create', '--subnet', sub, '--gateway', sub.replace('0/24', '254'), 'fixed']);
    const ip = sub.replace('0/24', '77');
    const out = await e.dockerOk(['run', '--rm', '--network', 'fixed', '--ip', ip, '--mac-address', '02:42:de:ad:be:ef', BB, 'sh', '-c', 'ip addr show eth0; ip route']);
    assert.match(out, new RegExp(`inet ${ip.replaceAll('.', '\\.')}/24`));
    assert.match(out, /link\/ether 02:42:de:ad:be:ef/);
    assert.match(out, new RegExp(`default via ${sub.replace('0/24', '254').replaceAll('.', '\\.')}`));
    const bad = await e.docker(['run', '--rm', '--network', 'front', '--ip', '10.1.2.3', BB, 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /user specified IP address is supported only when connecting to networks with user configured subnets/);
  });

  it('takes the bridge name, MTU and icc from --opt', async () => {
    const br = `wnb${tag}`;
    await e.dockerOk(['network', 'create', '-o', `com.docker.network.bridge.name=${br}`, '-o', 'com.docker.network.driver.mtu=1400', '-o', 'com.docker.network.bridge.enable_icc=false', 'quiet']);
    assert.match(await sh('ip', ['link', 'show', br]), /mtu 1400/);
    await e.dockerOk(['run', '-d', '--name', 'q1', '--network', 'quiet', BB, 'sleep', '600']);
    const q1 = (await inspect('q1')).NetworkSettings.Networks['quiet']!.IPAddress;
    const out = await e.dockerOk(['run', '--rm', '--network', 'quiet', BB, 'sh', '-c', `cat /sys/class/net/eth0/mtu; ping -c1 -W1 ${q1} >/dev/null && echo reached || echo blocked`]);
    assert.deepEqual(lines(out), ['1400', 'blocked']);
    await e.dockerOk(['rm', '-f', 'q1']);
    await e.dockerOk(['network', 'rm', 'quiet']);
    assert.equal((await runCommand('ip', ['link', 'show', br], process.env)).code, 1, 'the bridge went with the network');
  });

  it('dual stack: --ipv6 networks give containers IPv6 addresses and AAAA names; ports are published on :: too', async () => {
    const prefix = `fd${tag.slice(0, 2)}:${tag}:${e.net.pool.split('.')[1]}`;
    await e.dockerOk(['network', 'create', '--ipv6', '--subnet', `${prefix}::/64`, 'dual']);
    await e.dockerOk(['run', '-d', '--name', 'd6', '--network', 'dual', '-p', '80', BB, 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const c = await inspect('d6');
    const ep = c.NetworkSettings.Networks['dual']! as unknown as { GlobalIPv6Address: string; GlobalIPv6PrefixLen: number; IPv6Gateway: string };
    assert.deepEqual([ep.GlobalIPv6Address, ep.GlobalIPv6PrefixLen, ep.IPv6Gateway], [`${prefix}::2`, 64, `${prefix}::1`]);
    const out = await e.dockerOk(['run', '--rm', '--network', 'dual', BB, 'sh', '-c', 'ping6 -c1 -W2 d6 >/dev/null && echo reached; nslookup -type=AAAA d6']);
    assert.match(out, /^reached$/m);
    assert.ok(out.includes(`${prefix}::2`), out);
    const ports = c.NetworkSettings.Ports['80/tcp']!;
    assert.deepEqual(ports.map((p) => p.HostIp), ['0.0.0.0', '::']);
    assert.equal(ports[0]!.HostPort, ports[1]!.HostPort);
    const hostV6 = `${prefix}:ffff::1`;
    await sh('ip', ['-6', 'addr', 'add', `${hostV6}/128`, 'dev', DUMMY, 'nodad']);
    await waitFor(() => httpGet(hostV6, Number(ports[1]!.HostPort), '/hostname').catch(() => undefined), 5000, 'the IPv6 published port');
    assert.equal(await httpGet(hostV6, Number(ports[1]!.HostPort), '/hostname'), `${c.Id.slice(0, 12)}\n`);
    await e.dockerOk(['rm', '-f', 'd6']);
    await e.dockerOk(['network', 'rm', 'dual']);
  });

  it('containers on different networks cannot reach each other', async () => {
    await e.dockerOk(['network', 'create', 'back']);
    const webIp = (await inspect('web')).NetworkSettings.Networks['front']!.IPAddress;
    const r = await e.docker(['run', '--rm', '--network', 'back', BB, 'sh', '-c', `wget -qO- -T 2 http://${webIp}/hostname || echo blocked; nslookup web >/dev/null 2>&1 || echo unknown`]);
    assert.match(r.stdout, /^blocked$/m);
    assert.match(r.stdout, /^unknown$/m);
    const fromBridge = await e.docker(['run', '--rm', BB, 'sh', '-c', `ping -c1 -W1 ${webIp} >/dev/null && echo reached || echo blocked`]);
    assert.equal(fromBridge.stdout.trim(), 'blocked');
  });

  it('connects and disconnects a running container', async () => {
    await e.dockerOk(['run', '-d', '--name', 'roamer', BB, 'sleep', '600']);
    await e.dockerOk(['network', 'connect', '--alias', 'wanderer', 'back', 'roamer']);
    const addrs = await e.dockerOk(['exec', 'roamer', 'ip', '-4', 'addr']);
    assert.match(addrs, /eth1/);
    const found = await e.dockerOk(['run', '--rm', '--network', 'back', BB, 'sh', '-c', 'ping -c1 -W2 wanderer >/dev/null && echo ok']);
    assert.equal(found.trim(), 'ok');
    await e.dockerOk(['rename', 'roamer', 'rover']);
    const renamed = await e.dockerOk(['run', '--rm', '--network', 'back', BB, 'sh', '-c', 'ping -c1 -W2 rover >/dev/null && echo ok']);
    assert.equal(renamed.trim(), 'ok', 'the new name resolves');
    await e.dockerOk(['rename', 'rover', 'roamer']);
    const nets = Object.keys((await inspect('roamer')).NetworkSettings.Networks);
    assert.deepEqual(nets, ['back', 'bridge']);
    const hosts = await e.dockerOk(['exec', 'roamer', 'cat', '/etc/hosts']);
    assert.equal(lines(hosts).filter((l) => l.startsWith('10.')).length, 2, hosts);
    const again = await e.docker(['network', 'connect', 'back', 'roamer']);
    assert.match(again.stderr, /endpoint with name roamer already exists in network back/);

    await e.dockerOk(['network', 'disconnect', 'back', 'roamer']);
    assert.doesNotMatch(await e.dockerOk(['exec', 'roamer', 'ip', '-4', 'addr']), /eth1/);
    const gone = await e.docker(['run', '--rm', '--network', 'back', BB, 'sh', '-c', 'nslookup wanderer >/dev/null 2>&1 && echo found || echo gone']);
    assert.equal(gone.stdout.trim(), 'gone');
    assert.deepEqual(Object.keys((await inspect('roamer')).NetworkSettings.Networks), ['bridge']);
  });

  it('connects a created container, applied when it starts; several networks at create', async () => {
    await e.dockerOk(['create', '--name', 'later', '--network', 'front', BB, 'sleep', '600']);
    await e.dockerOk(['network', 'connect', 'back', 'later']);
    await e.dockerOk(['start', 'later']);
    const addrs = await e.dockerOk(['exec', 'later', 'ip', '-4', 'addr']);
    assert.match(addrs, /eth0/);
    assert.match(addrs, /eth1/);
    await e.dockerOk(['run', '-d', '--name', 'multi', '--network', 'front', '--network', 'back', BB, 'sleep', '600']);
    assert.deepEqual(Object.keys((await inspect('multi')).NetworkSettings.Networks), ['back', 'front']);
    await e.dockerOk(['rm', '-f', 'later', 'multi']);
  });
});

describe('published ports', () => {
  it('tcp: answers on 127.0.0.1 and on the host\'s other addresses; port, ps and inspect report it', async () => {
    await e.dockerOk(['run', '-d', '--name', 'pub', '-p', '80', '-p', `127.0.0.1::80`, BB, 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const c = await inspect('pub');
    const bindings = c.NetworkSettings.Ports['80/tcp']!;
    assert.equal(bindings.length, 2);
    const anyPort = Number(bindings.find((b) => b.HostIp === '0.0.0.0')!.HostPort);
    const loPort = Number(bindings.find((b) => b.HostIp === '127.0.0.1')!.HostPort);
    assert.ok(anyPort >= 32768 && loPort >= 32768, JSON.stringify(bindings));
    const hostname = `${c.Id.slice(0, 12)}\n`;
    // `run -d` returns once the process started, maybe before httpd listens.
    await waitFor(() => httpGet('127.0.0.1', anyPort, '/hostname').catch(() => undefined), 5000, 'httpd to answer');
    assert.equal(await httpGet('127.0.0.1', anyPort, '/hostname'), hostname);
    assert.equal(await httpGet(dummyIp, anyPort, '/hostname'), hostname);
    assert.equal(await httpGet('127.0.0.1', loPort, '/hostname'), hostname);
    await assert.rejects(httpGet(dummyIp, loPort, '/hostname'), 'a 127.0.0.1 binding is not reachable on other addresses');
    const port = lines(await e.dockerOk(['port', 'pub']));
    assert.deepEqual(port, [`80/tcp -> 0.0.0.0:${anyPort}`, `80/tcp -> 127.0.0.1:${loPort}`].sort());
    assert.equal((await e.dockerOk(['port', 'pub', '80'])).includes(`0.0.0.0:${anyPort}`), true);
    const ps = await e.dockerOk(['ps', '--filter', 'name=pub', '--format', '{{.Ports}}']);
    assert.match(ps, new RegExp(`0\\.0\\.0\\.0:${anyPort}->80/tcp`));
    assert.deepEqual(lines(await e.dockerOk(['ps', '--filter', 'publish=80', '--format', '{{.Names}}'])), ['pub']);
    assert.deepEqual(lines(await e.dockerOk(['ps', '--filter', 'network=front', '--format', '{{.Names}}'])), ['web']);
    // -P publishes what the image exposes.
    await e.dockerOk(['commit', '--change', 'EXPOSE 80', 'pub', 'wharf-test/exposed']);
    await e.dockerOk(['run', '-d', '--name', 'allports', '-P', 'wharf-test/exposed', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const all = (await inspect('allports')).NetworkSettings.Ports['80/tcp']!;
    assert.deepEqual(all.map((b) => b.HostIp), ['0.0.0.0']);
    await waitFor(() => httpGet('127.0.0.1', Number(all[0]!.HostPort), '/hostname').catch(() => undefined), 5000, '-P port to answer');
    await e.dockerOk(['rm', '-f', 'allports']);
    // Hairpin: a container reaches a published port through a host address.
    const hairpin = await e.dockerOk(['run', '--rm', BB, 'wget', '-qO-', `http://${dummyIp}:${anyPort}/hostname`]);
    assert.equal(hairpin, hostname);
  });

  it('udp, to a server in the container\'s namespace', async () => {
    await e.dockerOk(['run', '-d', '--name', 'udp', '-p', '127.0.0.1::5353/udp', BB, 'sleep', '600']);
    const c = await inspect('udp');
    const port = Number(c.NetworkSettings.Ports['5353/udp']![0]!.HostPort);
    // busybox has no udp server: an echo server joins the container's namespace from the host.
    const echo: ChildProcess = spawn('nsenter', [`--net=${c.NetworkSettings.SandboxKey}`, process.execPath, '-e', "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('echo:'+m,r.port,r.address));s.bind(5353,()=>console.log('ready'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        echo.stdout!.once('data', () => resolve());
        echo.once('exit', (code) => reject(new Error(`udp echo server exited ${code}`)));
      });
      assert.equal(await udpExchange('127.0.0.1', port, 'ping'), 'echo:ping');
    } finally {
      echo.kill('SIGKILL');
    }
  });

  it('a port taken by a container or a host process fails the start with Docker\'s message, leaving nothing', async () => {
    const taken = Number((await inspect('pub')).NetworkSettings.Ports['80/tcp']!.find((b) => b.HostIp === '0.0.0.0')!.HostPort);
    const r = await e.docker(['run', '--name', 'clash', '-p', `${taken}:80`, BB, 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${taken} failed: port is already allocated`));
    assert.equal((await e.dockerOk(['inspect', '-f', '{{.State.Status}} {{.NetworkSettings.SandboxKey}}', 'clash'])).trim(), 'created');
    await e.dockerOk(['rm', 'clash']);

    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const hostPort = (server.address() as { port: number }).port;
    try {
      const h = await e.docker(['run', '--rm', '-p', `${hostPort}:80`, BB, 'true']);
      assert.equal(h.code, 125);
      assert.match(h.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${hostPort} failed: port is already allocated`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('network modes', () => {
  it('host shares the host\'s interfaces, none has only loopback, container:<x> joins x', async () => {
    const host = await e.dockerOk(['run', '--rm', '--network', 'host', BB, 'ls', '/sys/class/net']);
    assert.ok(lines(host).includes(DUMMY), host);
    const onHost = (await e.dockerOk(['run', '-d', '--network', 'host', BB, 'sleep', '60'])).trim();
    const [hostNet] = JSON.parse(await e.dockerOk(['network', 'inspect', 'host'])) as { Containers: Record<string, { Name: string; IPv4Address: string }> }[];
    assert.equal(hostNet!.Containers[onHost]?.IPv4Address, '');
    await e.dockerOk(['rm', '-f', onHost]);
    assert.equal((await e.dockerOk(['run', '--rm', '--network', 'none', BB, 'ls', '/sys/class/net'])).trim(), 'lo');
    const webIp = (await inspect('web')).NetworkSettings.Networks['front']!.IPAddress;
    const joined = await e.dockerOk(['run', '--rm', '--network', 'container:web', BB, 'ip', '-4', 'addr', 'show', 'eth0']);
    assert.match(joined, new RegExp(`inet ${webIp.replaceAll('.', '\\.')}/`));
    const none = await e.docker(['network', 'connect', 'front', (await e.dockerOk(['run', '-d', '--network', 'none', BB, 'sleep', '60'])).trim()]);
    assert.match(none.stderr, /private \(none\) mode/);
  });
});

describe('removal', () => {
  it('network rm refuses networks with running containers; prune removes unused ones', async () => {
    const r = await e.docker(['network', 'rm', 'front']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error response from daemon: error while removing network: network front has active endpoints \(name:"web" id:"[0-9a-f]{12}"\)$/m);
    await e.dockerOk(['network', 'create', 'spare']);
    await e.dockerOk(['network', 'create', '--label', 'keep=1', 'kept']);
    const pruned = await e.dockerOk(['network', 'prune', '-f', '--filter', 'label!=keep']);
    assert.match(pruned, /^Deleted Networks:$/m);
    const left = lines(await e.dockerOk(['network', 'ls', '--format', '{{.Name}}']));
    assert.ok(!left.includes('spare') && left.includes('kept') && left.includes('front'), left.join(' '));
    await e.dockerOk(['rm', '-f', 'web']);
    assert.equal((await e.dockerOk(['network', 'rm', 'front', 'kept'])).trim(), 'front\nkept');
  });

  it('publishes network events: create, connect, disconnect, destroy', async () => {
    const since = String(Date.now() / 1000 - 0.5);
    await e.dockerOk(['network', 'create', 'evnet']);
    await e.dockerOk(['run', '--rm', '--network', 'evnet', BB, 'true']);
    await e.dockerOk(['network', 'rm', 'evnet']);
    const until = String(Date.now() / 1000 + 0.5);
    const out = await e.dockerOk(['events', '--since', since, '--until', until, '--filter', 'network=evnet', '--format', '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}']);
    assert.deepEqual(lines(out), ['create evnet bridge', 'connect evnet bridge', 'disconnect evnet bridge', 'destroy evnet bridge']);
  });

  it('the wharf CLI lists, inspects, creates and removes networks as docker does', async () => {
    const created = (await e.wharfOk(['network', 'create', '--subnet', `10.${e.net.pool.split('.')[1]}.201.0/24`, 'wnet'])).trim();
    assert.match(created, /^[0-9a-f]{64}$/);
    assert.equal(await e.wharfOk(['network', 'ls', '--filter', 'name=wnet']), await e.dockerOk(['network', 'ls', '--filter', 'name=wnet']));
    assert.equal(await e.wharfOk(['network', 'inspect', 'wnet']), await e.dockerOk(['network', 'inspect', 'wnet']));
    assert.equal(await e.wharfOk(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', 'wnet']), `10.${e.net.pool.split('.')[1]}.201.0/24\n`);
    await e.wharfOk(['network', 'connect', 'wnet', 'roamer']);
    assert.match(await e.dockerOk(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'roamer']), /"wnet"/);
    await e.wharfOk(['network', 'disconnect', 'wnet', 'roamer']);
    assert.equal((await e.wharfOk(['network', 'rm', 'wnet'])).trim(), 'wnet');
    const missing = await e.wharf(['network', 'rm', 'wnet']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /network wnet not found/);
  });
});

