// get() on the hot path: reads/s of ConfigService.get for nested, flat and missing keys.
// Run: node bench/dist/config-get.bench.js
import { ConfigService, MemoryConfigStore } from '@lattice/config';
import { createLogger } from '@lattice/telemetry';
import { printTable, writeResult } from './harness.js';

const ROUNDS = 5;
const BATCH = 2_000_000;

const store = new MemoryConfigStore();
const properties: Record<string, unknown> = {
  rateLimit: { rps: 100, burst: 20 },
  'feature.newUi': true,
  name: 'bench',
};
for (let i = 0; i < 200; i++) properties[`key${i}`] = { value: i, label: `k${i}` };
await store.publish({
  appId: 'bench',
  cluster: 'default',
  namespace: 'application',
  properties: properties as never,
  author: 'bench',
});
const config = new ConfigService({
  appId: 'bench',
  store,
  env: {},
  cacheDir: null,
  logger: createLogger({ app: 'bench', level: 'warn' }),
});
await config.start();

const scenarios: { name: string; key: string }[] = [
  { name: 'nested key (rateLimit.rps)', key: 'rateLimit.rps' },
  { name: 'flat dotted key (feature.newUi)', key: 'feature.newUi' },
  { name: 'deep in 200 keys (key150.value)', key: 'key150.value' },
  { name: 'missing key with fallback', key: 'no.such.key' },
];

let sink = 0;
function measure(key: string): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < BATCH; i++) {
    const value = config.get<unknown>(key, 0);
    if (value !== undefined) sink++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return BATCH / seconds;
}

const rows: Record<string, unknown>[] = [];
const figures: Record<string, unknown> = {};
for (const scenario of scenarios) {
  measure(scenario.key); // warm-up: let the JIT settle
  const rates = Array.from({ length: ROUNDS }, () => measure(scenario.key)).sort((a, b) => a - b);
  const median = rates[Math.floor(ROUNDS / 2)]!;
  rows.push({ scenario: scenario.name, 'median reads/s': Math.round(median), 'min reads/s': Math.round(rates[0]!) });
  figures[scenario.key] = { medianReadsPerSecond: Math.round(median), minReadsPerSecond: Math.round(rates[0]!) };
}
await config.close();

printTable(
  `ConfigService.get() — ${ROUNDS} rounds of ${BATCH.toLocaleString('en-US')} reads (target ≥ 10,000,000 reads/s)`,
  rows,
);
if (sink === 0) process.stdout.write('(no reads?)\n');
const file = writeResult('config-get', {
  setup: { rounds: ROUNDS, readsPerRound: BATCH, properties: Object.keys(properties).length, backend: 'memory' },
  figures,
});
process.stdout.write(`\nwrote ${file}\n`);
