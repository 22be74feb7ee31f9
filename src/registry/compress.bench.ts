// Push's layer compression on a real root filesystem tar, beside one zlib stream.
//   node src/registry/compress.bench.ts [rootfs.tar] [runs]
// The tar is read into memory first; each variant compresses it from memory in 1 MiB pieces.
// Reports min and median wall time, process CPU and output size: this VM is noisy, and shared.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { gzip, gunzipSync } from 'node:zlib';
import { parallelGzip, parallelZstd } from './compress.ts';

const tar = process.argv[2] ?? '/var/cache/wharf-test/debian-bookworm-minbase-v1.tar';
const runs = Number(process.argv[3] ?? 5);
const data = readFileSync(tar);

async function* pieces(): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += 1 << 20) yield data.subarray(i, i + (1 << 20));
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

const oneStream = (level: number) => () =>
  new Promise<Buffer>((resolve, reject) => gzip(data, { level }, (err, out) => (err ? reject(err) : resolve(out))));

const variants: [string, () => Promise<Buffer>][] = [
  ['zlib.gzip level 1 (one stream)', oneStream(1)],
  ['zlib.gzip level 6 (one stream)', oneStream(6)],
  [`parallelGzip level 1 (${availableParallelism()} cores)`, () => collect(parallelGzip(pieces(), { level: 1 }))],
  [`parallelGzip level 6 (${availableParallelism()} cores)`, () => collect(parallelGzip(pieces(), { level: 6 }))],
  [`parallelZstd level 3 (${availableParallelism()} cores)`, () => collect(parallelZstd(pieces()))],
];

console.log(`${tar}: ${(data.length / 1e6).toFixed(1)} MB, ${runs} runs, load average ${loadavg()[0]!.toFixed(2)}`);
for (const [name, fn] of variants) {
  const walls: number[] = [];
  const cpus: number[] = [];
  let size = 0;
  for (let r = 0; r < runs; r++) {
    const c = process.cpuUsage();
    const t = performance.now();
    const out = await fn();
    walls.push((performance.now() - t) / 1000);
    const d = process.cpuUsage(c);
    cpus.push((d.user + d.system) / 1e6);
    size = out.length;
    if (r === 0 && name.includes('Gzip') && !gunzipSync(out).equals(data)) throw new Error(`${name}: gunzip gives other bytes`);
  }
  const s = [...walls].sort((a, b) => a - b);
  const cpu = [...cpus].sort((a, b) => a - b)[Math.floor(cpus.length / 2)]!;
  console.log(
    `${name.padEnd(36)} min ${s[0]!.toFixed(2)} s  median ${s[Math.floor(s.length / 2)]!.toFixed(2)} s  cpu ${cpu.toFixed(2)} s  ${(size / 1e6).toFixed(1)} MB`,
  );
}
