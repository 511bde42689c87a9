import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import {
  createHttpTelemetry,
  currentTraceIds,
  MetricsRegistry,
  startTracing,
  type TracingHandle,
} from '@lattice/telemetry';

describe('createHttpTelemetry (real HTTP server)', () => {
  const exporter = new InMemorySpanExporter();
  const metrics = new MetricsRegistry({ processMetrics: false });
  let tracing: TracingHandle;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    tracing = await startTracing({ serviceName: 'http-spec', spanExporter: exporter });
    const middleware = createHttpTelemetry({ metrics });
    server = createServer((req, res) =>
      middleware(req, res, () => {
        // The handler runs inside the server span: what it sees is what logs and outgoing calls see.
        const ids = currentTraceIds();
        res.setHeader('content-type', 'application/json');
        res.statusCode = req.url === '/fail' ? 500 : 200;
        res.end(JSON.stringify(ids ?? {}));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await tracing.release();
  });

  it('continues the caller trace from a W3C traceparent header', async () => {
    exporter.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';
    const res = await fetch(`${base}/devices?x=1`, { headers: { traceparent: `00-${traceId}-${parentSpanId}-01` } });
    const seen = (await res.json()) as { traceId: string; spanId: string };
    expect(seen.traceId).toBe(traceId);

    const [span] = exporter.getFinishedSpans();
    expect(span).toBeDefined();
    expect(span!.kind).toBe(SpanKind.SERVER);
    expect(span!.spanContext().traceId).toBe(traceId);
    expect(span!.spanContext().spanId).toBe(seen.spanId);
    expect(span!.parentSpanContext?.spanId).toBe(parentSpanId);
    expect(span!.attributes['http.response.status_code']).toBe(200);
    expect(span!.attributes['url.path']).toBe('/devices');
  });

  it('starts a new trace without traceparent, and marks 5xx spans as errors', async () => {
    exporter.reset();
    await (await fetch(`${base}/fail`)).text();
    const [span] = exporter.getFinishedSpans();
    expect(span!.parentSpanContext).toBeUndefined();
    expect(span!.status.code).toBe(2);
  });

  it('leaves probes and scrapes untraced but still counts them', async () => {
    exporter.reset();
    await (await fetch(`${base}/health/ready`)).text();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    const text = await metrics.render();
    expect(text).toMatch(
      /http_server_request_duration_seconds_count\{method="GET",route="unmatched",status_code="200"\} \d+/,
    );
  });
});
