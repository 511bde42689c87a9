import {
  context,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';

/** The trace and span ids of the active span, as written in logs. */
export interface TraceIds {
  readonly traceId: string;
  readonly spanId: string;
}

/** The ids of the span active in the current async context, if any. */
export function currentTraceIds(): TraceIds | undefined {
  const span = trace.getSpan(context.active());
  if (span === undefined) return undefined;
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/** Options of {@link withSpan}. */
export interface WithSpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** Instrumentation scope; use your package name. @default '@lattice/telemetry' */
  tracerName?: string;
}

/**
 * Runs `fn` inside a new active span that ends when `fn` settles; a thrown error is
 * recorded on the span (status ERROR) and rethrown unchanged.
 *
 * @example
 * ```ts
 * const device = await withSpan('device.lookup', () => repo.find(id), { attributes: { 'device.id': id } });
 * ```
 */
export async function withSpan<T>(
  name: string,
  fn: (span: Span) => Promise<T> | T,
  options: WithSpanOptions = {},
): Promise<T> {
  const tracer = trace.getTracer(options.tracerName ?? '@lattice/telemetry');
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
