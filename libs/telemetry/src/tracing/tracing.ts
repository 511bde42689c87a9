import { context, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** `service.name` of the spans; `OTEL_SERVICE_NAME` wins when set. */
  serviceName: string;
  /**
   * OTLP/HTTP endpoint (e.g. `http://otel-collector:4318`). When set, spans are batched and
   * exported there; when unset nothing is exported.
   * @default process.env.OTEL_EXPORTER_OTLP_ENDPOINT
   */
  otlpEndpoint?: string;
  /** Exports every span as it ends to this exporter (tests use an InMemorySpanExporter). */
  spanExporter?: SpanExporter;
  /** Share of new traces that are recorded (a parent's decision always wins). @default 1 */
  sampleRatio?: number;
}

/** A reference to the process-wide tracing runtime; release it on shutdown. */
export interface TracingHandle {
  /** True when spans leave the process (OTLP endpoint or a span exporter configured). */
  readonly exporting: boolean;
  /** Flushes pending spans; the runtime shuts down when the last handle is released. */
  release(): Promise<void>;
}

interface Runtime {
  provider: TracerProvider;
  refs: number;
  exporting: boolean;
  ownsGlobals: boolean;
}

// OpenTelemetry's API keeps one tracer provider per process (a global by design), so the
// runtime that feeds it is per process too; apps in one process share it by counting refs.
let runtime: Runtime | undefined;

/**
 * Starts (or joins) the process-wide tracing runtime: W3C trace-context and baggage
 * propagation, async context tracking, and a tracer provider behind `@opentelemetry/api`.
 * Spans are always created so logs carry trace ids and `traceparent` flows downstream;
 * they are exported only when an OTLP endpoint or exporter is configured, so the cost
 * without one is a few object allocations per span.
 *
 * If the application registered its own OpenTelemetry SDK first, that one is kept.
 *
 * @example
 * ```ts
 * const tracing = await startTracing({ serviceName: 'device' });
 * // ... on shutdown
 * await tracing.release();
 * ```
 */
export async function startTracing(options: TracingOptions): Promise<TracingHandle> {
  // The first start fixes exporters and sampling; later starts join that runtime.
  runtime ??= await createRuntime(options);
  const current = runtime;
  current.refs += 1;
  let released = false;
  return {
    exporting: current.exporting,
    async release() {
      if (released) return;
      released = true;
      current.refs -= 1;
      if (current.refs > 0) return;
      if (runtime === current) runtime = undefined;
      await current.provider.shutdown().catch(() => undefined);
      if (current.ownsGlobals) {
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}

async function createRuntime(options: TracingOptions): Promise<Runtime> {
  const processors: SpanProcessor[] = [];
  const endpoint = options.otlpEndpoint ?? process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (endpoint) {
    // Loaded only when needed: the exporter pulls in protobuf and HTTP code a service
    // without a collector should not pay for.
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processors.push(
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }) }),
    );
  }
  if (options.spanExporter) processors.push(new SimpleSpanProcessor({ exporter: options.spanExporter }));

  const ratio = options.sampleRatio ?? 1;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': process.env['OTEL_SERVICE_NAME'] ?? options.serviceName }),
    sampler: new ParentBasedSampler({ root: ratio >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: processors,
  });

  const contextManager = new AsyncLocalStorageContextManager();
  const ownsGlobals = trace.setGlobalTracerProvider(provider);
  if (ownsGlobals) {
    context.setGlobalContextManager(contextManager.enable());
    const propagator: TextMapPropagator = new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    });
    propagation.setGlobalPropagator(propagator);
  }
  return { provider, refs: 0, exporting: processors.length > 0, ownsGlobals };
}
