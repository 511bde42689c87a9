import { createLogger, MetricsRegistry, type Counter, type Logger } from '@lattice/telemetry';

/** Options both adapters share. */
export interface BusTelemetryOptions {
  /** @default a logger named `events` */
  logger?: Logger;
  /** @default a private registry (metrics not exposed) */
  metrics?: MetricsRegistry;
}

/** The bus's counters and log, shared by the memory and Redis adapters. */
export class BusTelemetry {
  readonly log: Logger;
  readonly published: Counter<'type'>;
  readonly handled: Counter<'group' | 'outcome'>;

  constructor(options: BusTelemetryOptions) {
    this.log = options.logger ?? createLogger({ app: 'events' });
    const metrics = options.metrics ?? new MetricsRegistry({ processMetrics: false });
    this.published = metrics.counter({
      name: 'lattice_events_published_total',
      help: 'Events published on the bus, by type',
      labelNames: ['type'],
    });
    this.handled = metrics.counter({
      name: 'lattice_events_handled_total',
      help: 'Events handled by consumer groups: ok, failed (to be redelivered), dropped (after max deliveries)',
      labelNames: ['group', 'outcome'],
    });
  }
}
