import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Metric,
} from 'prom-client';
import { MetricConflictError } from '../telemetry.errors.js';

export type { Counter, Gauge, Histogram } from 'prom-client';

/** Options of a {@link MetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** Labels added to every series of this registry (e.g. `{ app: 'device' }`). @default {} */
  defaultLabels?: Record<string, string>;
  /** Collect Node process metrics (CPU, memory, event loop lag, GC). @default true */
  processMetrics?: boolean;
}

/** Histogram buckets in seconds for request durations: 1 ms to 10 s. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

type Spec<L extends string> = { name: string; help: string; labelNames?: readonly L[] };

/**
 * The Prometheus registry of one application. Each app gets its own (apps sharing a
 * process must not mix their series), and the libs create their metrics through it.
 * `counter`/`gauge`/`histogram` return the existing metric when called again with the same
 * name and labels, so a lib can ask for its metrics wherever it needs them.
 *
 * @example
 * ```ts
 * const calls = metrics.counter({ name: 'rpc_client_calls_total', help: 'Calls by outcome', labelNames: ['service', 'outcome'] });
 * calls.inc({ service: 'device', outcome: 'success' });
 * ```
 */
export class MetricsRegistry {
  readonly registry: Registry;

  constructor(options: MetricsRegistryOptions = {}) {
    this.registry = new Registry();
    if (options.defaultLabels) this.registry.setDefaultLabels(options.defaultLabels);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string = string>(spec: Spec<L> & Partial<CounterConfiguration<L>>): Counter<L> {
    return this.getOrCreate(
      spec,
      Counter,
      () => new Counter<L>({ ...spec, labelNames: spec.labelNames ?? [], registers: [this.registry] }),
    );
  }

  gauge<L extends string = string>(spec: Spec<L> & Partial<GaugeConfiguration<L>>): Gauge<L> {
    return this.getOrCreate(
      spec,
      Gauge,
      () => new Gauge<L>({ ...spec, labelNames: spec.labelNames ?? [], registers: [this.registry] }),
    );
  }

  /** A histogram; durations should be in seconds with a `_seconds` suffix (default buckets fit that). */
  histogram<L extends string = string>(spec: Spec<L> & Partial<HistogramConfiguration<L>>): Histogram<L> {
    return this.getOrCreate(
      spec,
      Histogram,
      () =>
        new Histogram<L>({
          buckets: [...DURATION_BUCKETS_SECONDS],
          ...spec,
          labelNames: spec.labelNames ?? [],
          registers: [this.registry],
        }),
    );
  }

  /** The exposition text for `GET /metrics`. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private getOrCreate<M extends Metric<string>>(
    spec: Spec<string>,
    kind: abstract new (...args: never[]) => M,
    create: () => M,
  ): M {
    const existing = this.registry.getSingleMetric(spec.name);
    if (existing === undefined) return create();
    const existingLabels = [...((existing as unknown as { labelNames?: string[] }).labelNames ?? [])].sort().join(',');
    const wantedLabels = [...(spec.labelNames ?? [])].sort().join(',');
    if (!(existing instanceof kind) || existingLabels !== wantedLabels) {
      throw new MetricConflictError(spec.name, kind.name, wantedLabels);
    }
    return existing;
  }
}
