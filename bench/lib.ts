import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

export interface Sample {
  name: string;
  ops: number;
  seconds: number;
  /** Latencies in microseconds. */
  latencies: number[];
  concurrency: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Runs `fn` `count` times with `concurrency` in flight; records each call's latency. */
export async function measure(
  name: string,
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
): Promise<Sample> {
  const latencies: number[] = [];
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t0 = process.hrtime.bigint();
        await fn(i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  return { name, ops: count, seconds, latencies, concurrency };
}

export function row(s: Sample, reference?: Sample): string {
  const f = (us: number) =>
    us >= 1000
      ? `${(us / 1000).toFixed(2)} ms`
      : us >= 10
        ? `${us.toFixed(0)} µs`
        : `${us.toFixed(1)} µs`;
  const rate = s.ops / s.seconds;
  const r = reference ? reference.ops / reference.seconds / rate : NaN;
  const ratio = reference ? ` | ${r >= 0.1 ? r.toFixed(1) : r.toPrecision(2)}×` : ' | —';
  return `| ${s.name} | ${s.concurrency} | ${s.ops} | ${rate.toFixed(0)}/s | ${f(percentile(s.latencies, 50))} | ${f(percentile(s.latencies, 95))} | ${f(percentile(s.latencies, 99))}${ratio} |`;
}

export const TABLE_HEAD = [
  '| operation | concurrency | ops | throughput | p50 | p95 | p99 | reference ÷ this |',
  '|---|---|---|---|---|---|---|---|',
];

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}, load average ${loadavg()[0]!.toFixed(1)} at the start (other work was running: absolute numbers are pessimistic, ratios are measured in the same run)`;
}

/** Replaces the section between `<!-- bench:<id> -->` markers in docs/BENCHMARKS.md. */
export function writeSection(id: string, body: string): void {
  const path = 'docs/BENCHMARKS.md';
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  let doc = existsSync(path)
    ? readFileSync(path, 'utf8')
    : '# Benchmarks\n\nMeasured with `npm run bench` on the machine named in each section. Benchmarks never run inside `npm test`.\n';
  const block = `${start}\n${body.trim()}\n${end}`;
  const re = new RegExp(`${start}[\\s\\S]*?${end}`);
  doc = re.test(doc) ? doc.replace(re, block) : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, doc);
}
