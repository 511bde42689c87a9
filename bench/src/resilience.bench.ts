// What @lattice/resilience costs on the call path, and what hot-parameter limits cost in memory.
// 1. The full pipeline (fallback, retry with budget, breaker closed, rate limit configured but
//    never limiting, bulkhead, timeout) against a bare async call, measured side by side in
//    alternating rounds of one run; figures are medians over rounds.
// 2. Heap held by hot-parameter limits after 100,000 distinct keys, bounded (default
//    maxKeys 10,000) and unbounded-by-choice (maxKeys 100,000), to report bytes per key.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MetricsRegistry } from '@lattice/telemetry';
import { RateLimitPolicy, ResiliencePipeline, type PipelineOptions } from '@lattice/resilience';
import { printTable, writeResult } from './harness.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 30);
const CALLS_PER_ROUND = Number(process.env['BENCH_CALLS'] ?? 20_000);
const HOT_KEYS = 100_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// The baseline is deliberately an async function with nothing to await: a bare async call.
// eslint-disable-next-line @typescript-eslint/require-await
const bare = async (): Promise<number> => 1;

const FULL: PipelineOptions = {
  fallback: { value: 0 },
  retry: { maxAttempts: 3 },
  circuitBreaker: {},
  rateLimit: { qps: 1e9 },
  bulkhead: { maxConcurrent: 1_000, maxQueue: 1_000 },
  timeout: { timeoutMs: 10_000 },
};
const NO_RATE_LIMIT: PipelineOptions = { ...FULL, rateLimit: false };

type Subject = { name: string; run: () => Promise<unknown> };

async function timeRound(subject: Subject): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS_PER_ROUND; i++) await subject.run();
  return Number(process.hrtime.bigint() - start) / CALLS_PER_ROUND;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function overhead(): Promise<Record<string, number>> {
  const metrics = new MetricsRegistry({ processMetrics: false });
  const full = new ResiliencePipeline(FULL, { name: 'bench.full', metrics });
  const noLimit = new ResiliencePipeline(NO_RATE_LIMIT, { name: 'bench.no-rate-limit', metrics });
  const subjects: Subject[] = [
    { name: 'bare async call', run: bare },
    { name: 'full pipeline', run: () => full.execute(bare) },
    { name: 'pipeline without rate limit', run: () => noLimit.execute(bare) },
  ];
  for (const subject of subjects) await timeRound(subject); // warm-up (JIT)
  const samples = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so drift (GC, other load) hits every subject alike.
    const order = round % 2 === 0 ? subjects : [...subjects].reverse();
    for (const subject of order) samples.get(subject.name)!.push(await timeRound(subject));
  }
  await full.close();
  await noLimit.close();
  const bareNs = median(samples.get('bare async call')!);
  const rows = subjects.map((s) => {
    const ns = median(samples.get(s.name)!);
    return { subject: s.name, medianNsPerCall: ns, overheadNs: ns - bareNs, ratio: ns / bareNs };
  });
  printTable(`Pipeline overhead (${ROUNDS} rounds × ${CALLS_PER_ROUND} sequential calls, median)`, rows);
  return {
    bareNsPerCall: bareNs,
    fullPipelineNsPerCall: rows[1]!.medianNsPerCall,
    fullPipelineOverheadNs: rows[1]!.overheadNs,
    fullPipelineRatio: rows[1]!.ratio,
    noRateLimitOverheadNs: rows[2]!.overheadNs,
  };
}

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function memory(maxKeys: number): Promise<{ keysTracked: number; heapDeltaBytes: number; bytesPerKey: number }> {
  const before = heapUsed();
  const policy = new RateLimitPolicy({ hotParam: { qps: 10, maxKeys } }, { name: 'bench.hot' });
  const call = (): number => 1;
  for (let i = 0; i < HOT_KEYS; i++) await policy.execute(call, { key: 'hot', param: `user-${i}` });
  const after = heapUsed();
  const keysTracked = policy.snapshot().hotParamKeys;
  const heapDeltaBytes = after - before;
  await policy.close();
  return { keysTracked, heapDeltaBytes, bytesPerKey: heapDeltaBytes / keysTracked };
}

const overheadFigures = await overhead();
const bounded = await memory(10_000);
const unbounded = await memory(HOT_KEYS);
printTable(`Hot-parameter limit memory after ${HOT_KEYS.toLocaleString('en-US')} distinct keys`, [
  { maxKeys: 10_000, ...bounded, heapDeltaMiB: bounded.heapDeltaBytes / 2 ** 20 },
  { maxKeys: HOT_KEYS, ...unbounded, heapDeltaMiB: unbounded.heapDeltaBytes / 2 ** 20 },
]);
const file = writeResult('resilience', {
  setup: {
    rounds: ROUNDS,
    callsPerRound: CALLS_PER_ROUND,
    pipeline: 'fallback ∘ retry(budget) ∘ breaker(closed) ∘ rateLimit(qps 1e9) ∘ bulkhead ∘ timeout(10 s) ∘ call',
    metrics: 'on (MetricsRegistry)',
    hotKeys: HOT_KEYS,
  },
  figures: {
    ...overheadFigures,
    hotParamBoundedKeys: bounded.keysTracked,
    hotParamBoundedHeapBytes: bounded.heapDeltaBytes,
    hotParamUnboundedKeys: unbounded.keysTracked,
    hotParamUnboundedHeapBytes: unbounded.heapDeltaBytes,
    hotParamBytesPerKey: unbounded.bytesPerKey,
  },
});
process.stdout.write(`\nwrote ${file}\n`);
