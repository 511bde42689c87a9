import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTracing, withSpan } from '@lattice/telemetry';

describe('OTLP export (a local collector stands in for the real one)', () => {
  const received: { path: string; contentType: string; body: string }[] = [];
  let collector: Server;
  let endpoint: string;

  beforeAll(async () => {
    collector = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    collector.closeAllConnections();
    await new Promise<void>((resolve) => collector.close(() => resolve()));
  });

  it('exports spans to <endpoint>/v1/traces when an endpoint is configured, flushing on release', async () => {
    const tracing = await startTracing({ serviceName: 'otlp-spec', otlpEndpoint: endpoint });
    expect(tracing.exporting).toBe(true);
    let traceId = '';
    await withSpan('device.command', (span) => {
      traceId = span.spanContext().traceId;
    });
    await tracing.release();

    expect(received.length).toBeGreaterThan(0);
    const [request] = received;
    expect(request!.path).toBe('/v1/traces');
    expect(request!.body).toContain('device.command');
    expect(request!.body).toContain('otlp-spec');
    expect(request!.body).toContain(traceId);
  });

  it('exports nothing without an endpoint', async () => {
    received.length = 0;
    const previous = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    const tracing = await startTracing({ serviceName: 'otlp-spec' });
    expect(tracing.exporting).toBe(false);
    await withSpan('not.exported', () => undefined);
    await tracing.release();
    if (previous !== undefined) process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = previous;
    expect(received).toHaveLength(0);
  });
});
