// Debian's docker-registry (distribution 2.8) for e2e tests: filesystem storage and config
// under the test's own directory, listening on 127.0.0.1:<free port>, optionally with
// htpasswd (bcrypt) basic auth. Stopped by PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashSync } from 'bcryptjs';

export const DOCKER_REGISTRY = '/usr/bin/docker-registry';

export interface RunningRegistry {
  /** "127.0.0.1:PORT", as references name it. */
  addr: string;
  url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startDockerRegistry(dir: string, opts: { user?: string; password?: string } = {}): Promise<RunningRegistry> {
  await mkdir(join(dir, 'data'), { recursive: true });
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const config = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${addr}`,
  ];
  if (opts.user) {
    await writeFile(join(dir, 'htpasswd'), `${opts.user}:${hashSync(opts.password ?? '', 4)}\n`);
    config.push('auth:', '  htpasswd:', '    realm: wharf-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  await writeFile(join(dir, 'config.yml'), `${config.join('\n')}\n`);
  const proc: ChildProcess = spawn(DOCKER_REGISTRY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<void>((r) => proc.once('close', () => r()));
  const url = `http://${addr}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/v2/`);
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`docker-registry did not start on ${addr}: ${stderr}`);
    }
    await sleep(20);
  }
  return {
    addr,
    url,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await Promise.race([exited, sleep(5000).then(() => proc.kill('SIGKILL'))]);
    },
  };
}
