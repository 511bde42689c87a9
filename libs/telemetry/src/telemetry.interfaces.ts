import type { Logger } from 'pino';
import type { MetricsRegistry } from './metrics/metrics-registry.js';

/** Options of {@link TelemetryModule}. */
export interface TelemetryModuleOptions {
  /** The application's name: `app` in logs, `service.name` of spans. */
  serviceName: string;
  /** A logger made by the caller (boot passes the one it already logs start-up with). */
  logger?: Logger;
  /** A registry made by the caller; otherwise one with process metrics is created. */
  metrics?: MetricsRegistry;
}
