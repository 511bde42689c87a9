import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { MetricsRegistry } from '../metrics/metrics-registry.js';

/** Options of {@link createHttpTelemetry}. */
export interface HttpTelemetryOptions {
  metrics: MetricsRegistry;
  /** Paths answered without a span (probes and scrapes would drown real traffic). */
  untracedPaths?: readonly string[];
  /**
   * Whether requests get server spans (made active for the handler). Keeping a span active
   * across Nest's promise chain costs ~20% of a trivial endpoint's throughput on Node 20
   * (AsyncLocalStorage), so boot turns it on only when spans are exported. Metrics are
   * recorded either way. @default true
   */
  traceRequests?: boolean;
}

/** A connect/express-style middleware: `(req, res, next)`. */
export type HttpMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

const DEFAULT_UNTRACED = ['/health/live', '/health/ready', '/metrics'];

/**
 * Server spans and request metrics for inbound HTTP. The span continues the caller's
 * trace from a W3C `traceparent` header and is active while the request is handled, so
 * logs and outgoing calls inside the handler belong to it. The duration histogram is
 * labelled by route template (not raw URL) to keep cardinality bounded.
 *
 * @example
 * ```ts
 * app.use(createHttpTelemetry({ metrics }));
 * ```
 */
export function createHttpTelemetry(options: HttpTelemetryOptions): HttpMiddleware {
  const untraced = new Set(options.untracedPaths ?? DEFAULT_UNTRACED);
  const traceRequests = options.traceRequests ?? true;
  const duration = options.metrics.histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of inbound HTTP requests, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
  });
  const tracer = trace.getTracer('@lattice/telemetry');

  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const path = pathOf(req.url);
    const method = req.method ?? 'GET';
    const traced = traceRequests && !untraced.has(path);
    const parent = traced ? propagation.extract(ROOT_CONTEXT, req.headers) : ROOT_CONTEXT;
    const span = traced
      ? tracer.startSpan(
          `${method}`,
          {
            kind: SpanKind.SERVER,
            attributes: { 'http.request.method': method, 'url.path': path, 'url.scheme': 'http' },
          },
          parent,
        )
      : undefined;

    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const status = res.headersSent || res.writableFinished ? res.statusCode : 499;
      const route = routeOf(req);
      duration.observe({ method, route, status_code: String(status) }, Number(process.hrtime.bigint() - started) / 1e9);
      if (span !== undefined) {
        span.updateName(`${method} ${route}`);
        span.setAttribute('http.route', route);
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    };
    res.once('finish', finish);
    res.once('close', finish);

    if (span === undefined) {
      next();
    } else {
      context.with(trace.setSpan(parent, span), next);
    }
  };
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function routeOf(req: IncomingMessage): string {
  // Express records the matched route template on the request; unmatched requests share one label.
  const matched = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  const template = matched.route?.path;
  return typeof template === 'string' ? `${matched.baseUrl ?? ''}${template}` : 'unmatched';
}
