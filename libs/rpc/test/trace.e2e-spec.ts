/* eslint-disable @typescript-eslint/no-unused-vars -- declared Feign methods name their parameters for the reader */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, Param, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { createHttpTelemetry, MetricsRegistry, startTracing, withSpan, type TracingHandle } from '@lattice/telemetry';
import {
  declared,
  FeignClient,
  FeignClientFactory,
  GetMapping,
  GrpcClient,
  PathVariable,
  type GrpcServer,
} from '@lattice/rpc';
import type { EchoClient } from './generated/lattice/test/v1/Echo.js';
import type { EchoReply } from './generated/lattice/test/v1/EchoReply.js';
import { echoContract, startEcho } from './echo.fixture.js';

const exporter = new InMemorySpanExporter();
let tracing: TracingHandle;

describe('one trace across HTTP (Feign → Nest) → gRPC → gRPC', () => {
  let down: GrpcServer;
  let up: GrpcServer;
  let hop: GrpcClient<EchoClient>;
  let entry: GrpcClient<EchoClient>;
  let app: INestApplication;
  let factory: FeignClientFactory;
  let api: RelayApi;

  @FeignClient({ url: 'http://placeholder', path: '/v1' })
  abstract class RelayApi {
    @GetMapping('/relay/:message')
    relay(@PathVariable('message') message: string): Promise<EchoReply> {
      return declared();
    }
  }

  beforeAll(async () => {
    tracing = await startTracing({ serviceName: 'rpc-trace-test', spanExporter: exporter });
    down = await startEcho('down');
    hop = new GrpcClient({ service: 'down', contract: echoContract, address: `127.0.0.1:${down.port}` });
    up = await startEcho('up', {}, () => hop.stub());
    entry = new GrpcClient({ service: 'up', contract: echoContract, address: `127.0.0.1:${up.port}` });

    @Controller('v1')
    class RelayController {
      @Get('relay/:message')
      relay(@Param('message') message: string): Promise<EchoReply> {
        return entry.stub().Relay({ message });
      }
    }
    @Module({ controllers: [RelayController] })
    class HttpModule {}
    app = await NestFactory.create(HttpModule, { logger: false });
    app.use(createHttpTelemetry({ metrics: new MetricsRegistry({ processMetrics: false }) }));
    await app.listen(0, '127.0.0.1');
    const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;

    @FeignClient({ url: `http://127.0.0.1:${port}`, path: '/v1' })
    abstract class BoundRelayApi extends RelayApi {}
    factory = new FeignClientFactory();
    api = await factory.create(BoundRelayApi);
  });

  afterAll(async () => {
    await factory.close();
    await app.close();
    await entry.close();
    await hop.close();
    await up.drain(Date.now());
    await down.drain(Date.now());
    await tracing.release();
  });

  it('links every client and server span into one trace', async () => {
    const traceId = await withSpan('test-root', async (span) => {
      const reply = await api.relay('hello');
      expect(reply.message).toBe('down:hello');
      return span.spanContext().traceId;
    });
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const find = (kind: SpanKind, name: string) => spans.find((s) => s.kind === kind && s.name === name);
    const feign = find(SpanKind.CLIENT, 'GET BoundRelayApi.relay');
    const http = find(SpanKind.SERVER, 'GET /v1/relay/:message');
    const relayClient = find(SpanKind.CLIENT, 'lattice.test.v1.Echo/Relay');
    const relayServer = find(SpanKind.SERVER, 'lattice.test.v1.Echo/Relay');
    const sayClient = find(SpanKind.CLIENT, 'lattice.test.v1.Echo/Say');
    const sayServer = find(SpanKind.SERVER, 'lattice.test.v1.Echo/Say');
    expect(http?.parentSpanContext?.spanId).toBe(feign?.spanContext().spanId);
    expect(relayClient?.parentSpanContext?.spanId).toBe(http?.spanContext().spanId);
    expect(relayServer?.parentSpanContext?.spanId).toBe(relayClient?.spanContext().spanId);
    expect(sayClient?.parentSpanContext?.spanId).toBe(relayServer?.spanContext().spanId);
    expect(sayServer?.parentSpanContext?.spanId).toBe(sayClient?.spanContext().spanId);
  });
});
