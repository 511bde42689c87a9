import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** What a benchmark writes: the exact setup it ran with and the figures it measured. */
export interface BenchResult {
  setup: Record<string, unknown>;
  figures: Record<string, unknown>;
}

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Writes `bench/results/<name>.json` with the machine, the setup and the figures. */
export function writeResult(name: string, result: BenchResult): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  const machine = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem() };
  writeFileSync(file, `${JSON.stringify({ name, at: new Date().toISOString(), machine, ...result }, null, 2)}\n`);
  return file;
}

/** Prints rows as an aligned text table (first row's keys are the columns). */
export function printTable(title: string, rows: readonly object[]): void {
  const columns = Object.keys(rows[0] ?? {});
  const cells = rows.map((row) => columns.map((c) => format((row as Record<string, unknown>)[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`\n${title}\n${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
}

function format(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(3);
  if (typeof value === 'string') return value;
  return value === undefined || value === null ? '' : JSON.stringify(value);
}
/** Percentile (0..100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Throughput and latency of one closed-loop round. */
export interface RoundFigures {
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Runs `call` in a closed loop from `concurrency` callers for `roundMs` and returns calls/s
 * with p50/p99 latency; run several rounds of each variant interleaved and take medians.
 */
export async function closedLoopRound(
  call: () => Promise<unknown>,
  concurrency: number,
  roundMs: number,
): Promise<RoundFigures> {
  const latencies: number[] = [];
  const endAt = performance.now() + roundMs;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < endAt) {
        const t0 = performance.now();
        await call();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  return {
    callsPerSecond: Math.round(latencies.length / seconds),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** What one autocannon run measured. */
export interface HttpLoadFigures {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors plus non-2xx answers. */
  errors: number;
}

interface AutocannonJson {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}

const autocannonCli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const execFileAsync = promisify(execFile);

/**
 * Loads `url` with autocannon in its own process (sharing the server's event loop would
 * halve what a server in this process can do) and returns its figures.
 */
export async function httpLoad(
  url: string,
  options: { connections: number; seconds: number; headers?: readonly string[] },
): Promise<HttpLoadFigures> {
  const args = [autocannonCli, '--json', '-c', String(options.connections), '-d', String(options.seconds)];
  for (const header of options.headers ?? []) args.push('-H', header);
  args.push(url);
  const { stdout } = await execFileAsync(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  const result = JSON.parse(stdout) as AutocannonJson;
  return {
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

/** One summary row of {@link interleavedRounds}. */
export interface InterleavedSummary extends RoundFigures {
  variant: string;
  /** Median over rounds of this variant's calls/s divided by the baseline's in the same round. */
  vsRaw: number;
  p99VsRaw: number;
}

/**
 * Runs `rounds` rounds in which every variant runs once, in turn, and reports each variant's
 * medians. Ratios are taken per round against the first variant (the baseline), which ran
 * next to it in time, then the median: fairer than comparing totals on a shared machine.
 */
export async function interleavedRounds(
  variants: ReadonlyArray<readonly [name: string, run: () => Promise<RoundFigures>]>,
  rounds: number,
): Promise<InterleavedSummary[]> {
  const results = variants.map(() => [] as RoundFigures[]);
  for (let r = 0; r < rounds; r += 1) {
    for (const [i, [, run]] of variants.entries()) results[i]!.push(await run());
  }
  const median = (values: readonly number[]): number => percentile(values, 50);
  const baseline = results[0] ?? [];
  return variants.map(([variant], i) => {
    const own = results[i]!;
    return {
      variant,
      callsPerSecond: median(own.map((f) => f.callsPerSecond)),
      p50Ms: median(own.map((f) => f.p50Ms)),
      p99Ms: median(own.map((f) => f.p99Ms)),
      vsRaw: median(own.map((f, r) => f.callsPerSecond / baseline[r]!.callsPerSecond)),
      p99VsRaw: median(own.map((f, r) => f.p99Ms / baseline[r]!.p99Ms)),
    };
  });
}
