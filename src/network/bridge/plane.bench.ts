// What the bridge data plane costs per operation on this host, next to the spawn-based way
// (unshare, ip -batch, nsenter) it replaced. Run as root: node src/network/bridge/plane.bench.ts
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BridgeNetworkSpec, EndpointSpec } from '../driver.ts';
import { BridgeDataPlane } from './plane.ts';

const N = Number(process.env['N'] ?? 40);
const tag = randomBytes(2).toString('hex');
const runDir = mkdtempSync(join(tmpdir(), 'wharf-plane-bench-'));
const octet = 250 + Math.floor(Math.random() * 5);
const net: BridgeNetworkSpec = {
  id: tag.repeat(16),
  bridge: `wb${tag}`,
  subnet: `10.${octet}.0.0/16`,
  gateway: `10.${octet}.0.1`,
  mtu: 1500,
  icc: true,
  internal: false,
  masquerade: true,
};
const times = new Map<string, number[]>();
async function time<T>(what: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  times.set(what, [...(times.get(what) ?? []), performance.now() - t0]);
  return r;
}
const report = () => {
  for (const [k, v] of times) {
    const s = [...v].sort((a, b) => a - b);
    console.log(`${k.padEnd(34)} median ${(s[Math.floor(s.length / 2)] ?? 0).toFixed(2).padStart(7)} ms   min ${(s[0] ?? 0).toFixed(2).padStart(7)} ms   (n=${s.length})`);
  }
};

const plane = new BridgeDataPlane({ runDir, chainPrefix: `WB${tag.toUpperCase()}` });
try {
  await time('worker start + reconcile (empty)', () => plane.reconcile({ networks: [], sandboxes: [], ports: new Map() }));
  await time('ensureNetwork', () => plane.ensureNetwork(net));
  for (let i = 0; i < N; i++) {
    const id = `b${i}`;
    const path = await time('createSandbox', () => plane.createSandbox(id));
    const ep: EndpointSpec = { containerId: id, netnsPath: path, ifName: 'eth0', ipv4: `10.${octet}.1.${i + 2}/16`, mac: `02:42:0a:fe:01:${(i + 2).toString(16).padStart(2, '0')}`, defaultRoute: true };
    await time('connect', () => plane.connect(net, ep));
    const ports = [{ proto: 'tcp' as const, hostIp: '', hostPort: 31000 + i, containerIp: `10.${octet}.1.${i + 2}`, containerPort: 80 }];
    if (i % 2 === 0) {
      await time('publish (1 tcp port)', () => plane.publish(net, ep, ports));
      await time('unpublish (1 tcp port)', () => plane.unpublish(net, ep, ports));
      await time('disconnect', () => plane.disconnect(net, ep));
    }
    await time('removeSandbox', () => plane.removeSandbox(id));
  }
  // The spawn-based alternative: one process for the namespace, one `ip -batch` on each side.
  for (let i = 0; i < Math.min(N, 20); i++) {
    const f = join(runDir, `s${i}`);
    writeFileSync(f, '');
    await time('spawn: unshare --net=<file> true', () => execFileSync('unshare', [`--net=${f}`, 'true']));
    const input = `link add vs${tag}${i} mtu 1500 master ${net.bridge} up type veth peer name eth0 netns ${f}\nlink set vs${tag}${i} type bridge_slave hairpin on\n`;
    await time('spawn: ip -batch (host side)', () => execFileSync('ip', ['-batch', '-'], { input }));
    const inside = `addr add 10.${octet}.2.${i + 2}/16 dev eth0\nlink set eth0 up\nlink set lo up\nroute add default via ${net.gateway}\n`;
    await time('spawn: nsenter ip -batch (inside)', () => execFileSync('nsenter', [`--net=${f}`, 'ip', '-batch', '-'], { input: inside }));
    execFileSync('umount', [f]);
    rmSync(f);
  }
  report();
} finally {
  await plane.close();
  rmSync(runDir, { recursive: true, force: true });
}
