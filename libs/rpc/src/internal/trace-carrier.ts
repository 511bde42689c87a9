import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
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

/** Starts a client span under the active context and writes its trace context into `metadata`. */
export function startClientSpan(method: string, metadata: Record<string, string>): Span {
  const span = trace
    .getTracer(TRACER)
    .startSpan(spanName(method), { kind: SpanKind.CLIENT, attributes: attributes(method) });
  propagation.inject(trace.setSpan(context.active(), span), metadata, setter);
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

/** Starts an HTTP client span under the active context and writes its trace context into `headers`. */
export function startHttpClientSpan(name: string, verb: string, headers: Record<string, string>): Span {
  const span = trace
    .getTracer(TRACER)
    .startSpan(name, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': verb } });
  propagation.inject(trace.setSpan(context.active(), span), headers, setter);
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
