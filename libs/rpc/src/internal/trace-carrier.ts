import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';

const getter: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

const TRACER = '@lattice/rpc';

/** Starts a server span whose parent comes from W3C trace context in the metadata. */
export function startServerSpan(method: string, metadata: Record<string, string>): { span: Span; ctx: Context } {
  const parent = propagation.extract(context.active(), metadata, getter);
  const span = trace
    .getTracer(TRACER)
    .startSpan(spanName(method), { kind: SpanKind.SERVER, attributes: attributes(method) }, parent);
  return { span, ctx: trace.setSpan(parent, span) };
}

/** Name and attributes of the client spans of one method, computed once per method. */
export interface SpanTemplate {
  readonly name: string;
  readonly attributes: Attributes;
}

/** The span template of a gRPC method path (`/pkg.Service/Method`). */
export function grpcSpanTemplate(method: string): SpanTemplate {
  return { name: spanName(method), attributes: Object.freeze(attributes(method)) };
}

/**
 * Whether the global propagator writes anything into a carrier. The API's default (no-op)
 * propagator lists no fields: then a call needs neither a carrier nor a context for the span.
 */
export function propagates(): boolean {
  return propagation.fields().length > 0;
}

/**
 * Starts a client span under the active context and, when a carrier is given, writes its trace
 * context into it (pass one whenever {@link propagates} is true).
 */
export function startClientSpan(template: SpanTemplate, metadata: Record<string, string> | undefined): Span {
  const span = trace
    .getTracer(TRACER)
    .startSpan(template.name, { kind: SpanKind.CLIENT, attributes: template.attributes });
  if (metadata !== undefined) propagation.inject(trace.setSpan(context.active(), span), metadata, setter);
  return span;
}

/** Ends a span with the gRPC status (never throws). */
export function endSpan(span: Span, grpcStatus: number, statusText: string): void {
  try {
    span.setAttribute('rpc.grpc.status_code', grpcStatus);
    if (grpcStatus !== 0) span.setStatus({ code: SpanStatusCode.ERROR, message: statusText });
    span.end();
  } catch {
    // Telemetry never throws into the request path.
  }
}

function spanName(method: string): string {
  return method.startsWith('/') ? method.slice(1) : method;
}

function attributes(method: string): Record<string, string> {
  const [, service = '', name = ''] = method.split('/');
  return { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': name };
}

/**
 * Starts an HTTP client span under the active context and, when a carrier is given, writes its
 * trace context into it (pass one whenever {@link propagates} is true).
 */
export function startHttpClientSpan(
  name: string,
  attributes: Attributes,
  headers: Record<string, string> | undefined,
): Span {
  const span = trace.getTracer(TRACER).startSpan(name, { kind: SpanKind.CLIENT, attributes });
  if (headers !== undefined) propagation.inject(trace.setSpan(context.active(), span), headers, setter);
  return span;
}

/** Ends an HTTP client span with the answer's status, or the error (never throws). */
export function endHttpSpan(span: Span, httpStatus: number | undefined, error: string | undefined): void {
  try {
    if (httpStatus !== undefined) span.setAttribute('http.response.status_code', httpStatus);
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    span.end();
  } catch {
    // Telemetry never throws into the request path.
  }
}
