// The per-call price of telemetry when no exporter is configured: a span around a call, a
// log line (inside and outside a span, level enabled and disabled), a histogram observation.
import { Writable } from 'node:stream';
import { createLogger, MetricsRegistry, startTracing, withSpan } from '@lattice/telemetry';
import { trace } from '@opentelemetry/api';
import { printTable, writeResult } from './harness.js';

const ITERATIONS = 200_000;
const sink = new Writable({ write: (_c, _e, cb) => cb() });

async function measure(name: string, fn: () => unknown): Promise<{ case: string; nsPerOp: number }> {
  for (let i = 0; i < 10_000; i++) await fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) await fn();
  return { case: name, nsPerOp: Number(process.hrtime.bigint() - start) / ITERATIONS };
}

const tracing = await startTracing({ serviceName: 'bench' });
const tracer = trace.getTracer('bench');
const log = createLogger({ app: 'bench', destination: sink, level: 'info' });
const histogram = new MetricsRegistry({ processMetrics: false }).histogram({
  name: 'bench_seconds',
  help: 'bench',
  labelNames: ['route'],
});
const work = (): Promise<number> => Promise.resolve(1);

const rows = [
  await measure('bare async call', work),
  await measure('withSpan(async call)', () => withSpan('op', work)),
  await measure('startActiveSpan + end (sync)', () => tracer.startActiveSpan('op', (s) => s.end())),
  await measure('log.info outside a span', () => log.info({ k: 1 }, 'line')),
  await measure('log.info inside a span', () =>
    tracer.startActiveSpan('op', (s) => (log.info({ k: 1 }, 'line'), s.end())),
  ),
  await measure('log.debug (level off)', () => log.debug({ k: 1 }, 'line')),
  await measure('histogram.observe', () => histogram.observe({ route: '/x' }, 0.004)),
];
await tracing.release();

printTable(`telemetry cost per operation, no exporter (${ITERATIONS.toLocaleString('en-US')} iterations each)`, rows);
const file = writeResult('telemetry', {
  setup: { iterations: ITERATIONS, exporter: 'none', logDestination: 'null stream' },
  figures: Object.fromEntries(rows.map((r) => [r.case, r.nsPerOp])),
});
process.stdout.write(`\nwritten ${file}\n`);
