import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
export function printTable(title: string, rows: readonly Record<string, unknown>[]): void {
  const columns = Object.keys(rows[0] ?? {});
  const cells = rows.map((row) => columns.map((c) => format(row[c])));
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
