/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument, @typescript-eslint/prefer-promise-reject-errors, @typescript-eslint/no-unsafe-enum-comparison -- raw grpc-js clients and streaming handlers in tests */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { MetricsRegistry, startTracing, withSpan, type TracingHandle } from '@lattice/telemetry';
import {
  GrpcClient,
  PROTO_LOADER_OPTIONS,
  RpcDeadlineExceededError,
  RpcRemoteError,
  type GrpcServer,
  type GrpcStub,
} from '@lattice/rpc';
import type { EchoClient } from './generated/lattice/test/v1/Echo.js';
import { ECHO_PROTO, echoContract, startEcho } from './echo.fixture.js';

const exporter = new InMemorySpanExporter();
let tracing: TracingHandle;
beforeAll(async () => {
  tracing = await startTracing({ serviceName: 'rpc-test', spanExporter: exporter });
});
afterAll(async () => {
  await tracing.release();
});

describe('a plain grpc-js client calling a Lattice server', () => {
  let server: GrpcServer;
  beforeAll(async () => {
    server = await startEcho('plain-1');
  });
  afterAll(async () => {
    await server.drain(Date.now());
  });

  it('calls a method with a generated grpc-js client', async () => {
    const pkg = grpc.loadPackageDefinition(loadSync(ECHO_PROTO, PROTO_LOADER_OPTIONS)) as unknown as {
      lattice: { test: { v1: { Echo: new (address: string, creds: grpc.ChannelCredentials) => EchoClient } } };
    };
    const client = new pkg.lattice.test.v1.Echo(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      const reply = await new Promise<{ message: string; instance: string }>((resolve, reject) =>
        client.Say({ message: 'hello' }, (error, value) => (error || !value ? reject(error) : resolve(value))),
      );
      expect(reply).toMatchObject({ message: 'hello', instance: 'plain-1' });
      const failure = await new Promise<grpc.ServiceError>((resolve) =>
        client.Say({ message: 'x', failCode: 'TEST_NOT_FOUND' }, (error) => resolve(error as grpc.ServiceError)),
      );
      expect(failure.code).toBe(grpc.status.NOT_FOUND);
      expect(failure.metadata.get('lattice-error-code')).toEqual(['TEST_NOT_FOUND']);
    } finally {
      client.close();
    }
  });

  it('answers grpc.health.v1 Check and Watch, following the boot hooks', async () => {
    const pkg = grpc.loadPackageDefinition(
      loadSync(fileURLToPath(new URL('../proto/grpc/health/v1/health.proto', import.meta.url)), PROTO_LOADER_OPTIONS),
    ) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
    const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const check = (service: string): Promise<string> =>
      new Promise((resolve, reject) =>
        client['Check']!({ service }, (error: grpc.ServiceError | null, value: { status: string }) =>
          error ? reject(error) : resolve(value.status),
        ),
      );
    try {
      expect(await check('')).toBe('SERVING');
      expect(await check('lattice.test.v1.Echo')).toBe('SERVING');
      await expect(check('nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      const watch = client['Watch']!({ service: '' }) as grpc.ClientReadableStream<{ status: string }>;
      const seen: string[] = [];
      const twoUpdates = new Promise<void>((resolve) =>
        watch.on('data', (m: { status: string }) => {
          seen.push(m.status);
          if (seen.length === 2) resolve();
        }),
      );
      watch.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 50));
      server.onDeregister();
      await twoUpdates;
      expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
      expect(await check('')).toBe('NOT_SERVING');
      server.onRegister();
      expect(await check('')).toBe('SERVING');
      watch.cancel();
    } finally {
      client.close();
    }
  });

  it.each(['v1', 'v1alpha'])('serves reflection %s', async (version) => {
    const protoPath = fileURLToPath(
      new URL(
        `../../../node_modules/@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`,
        import.meta.url,
      ),
    );
    const pkg = grpc.loadPackageDefinition(loadSync(protoPath, PROTO_LOADER_OPTIONS)) as unknown as {
      grpc: { reflection: Record<string, { ServerReflection: grpc.ServiceClientConstructor }> };
    };
    const Ctor = pkg.grpc.reflection[version]!.ServerReflection;
    const client = new Ctor(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      const call = client['ServerReflectionInfo']!() as grpc.ClientDuplexStream<
        { listServices: string },
        { listServicesResponse?: { service: { name: string }[] } }
      >;
      const answer = new Promise<string[]>((resolve, reject) => {
        call.on('data', (m) => resolve((m.listServicesResponse?.service ?? []).map((s: { name: string }) => s.name)));
        call.on('error', reject);
      });
      call.write({ listServices: '*' });
      const names = await answer;
      call.end();
      expect(names).toEqual(expect.arrayContaining(['lattice.test.v1.Echo', 'grpc.health.v1.Health']));
    } finally {
      client.close();
    }
  });
});

describe.each([
  ['fast path', true],
  ['plain gRPC', false],
])('GrpcClient over the %s', (_label, fastPath) => {
  let downstream: GrpcServer;
  let upstream: GrpcServer;
  let hopClient: GrpcClient;
  let client: GrpcClient;
  let echo: GrpcStub<EchoClient>;

  beforeAll(async () => {
    downstream = await startEcho('down-1');
    hopClient = new GrpcClient({
      service: 'echo-down',
      contract: echoContract,
      address: `127.0.0.1:${downstream.port}`,
      fastPath,
      caller: 'up',
    });
    upstream = await startEcho('up-1', {}, () => hopClient.stub<EchoClient>());
    client = new GrpcClient({
      service: 'echo-up',
      contract: echoContract,
      address: `127.0.0.1:${upstream.port}`,
      fastPath,
      caller: 'test',
    });
    echo = client.stub<EchoClient>();
    // Let the fast path negotiate (hello round trip) before measuring behaviour.
    await echo.Say({ message: 'warm-up' });
    await echo.Relay({ message: 'warm-up' });
    await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await client.close();
    await hopClient.close();
    await upstream.drain(Date.now());
    await downstream.drain(Date.now());
  });
  afterEach(() => exporter.reset());

  it('returns the result with caller identity and the remaining deadline', async () => {
    const reply = await echo.Say({ message: 'hi' }, { timeoutMs: 2000 });
    expect(reply).toMatchObject({ message: 'hi', instance: 'up-1', caller: 'test' });
    expect(reply.deadlineRemainingMs).toBeGreaterThan(0);
    expect(reply.deadlineRemainingMs).toBeLessThanOrEqual(2000);
  });

  it('records call durations by service, method and status', async () => {
    const metrics = new MetricsRegistry({ processMetrics: false });
    const measured = new GrpcClient<EchoClient>({
      service: 'echo-up',
      contract: echoContract,
      address: `127.0.0.1:${upstream.port}`,
      fastPath,
      metrics,
    });
    try {
      const stub = measured.stub();
      await stub.Say({ message: 'a' });
      await stub.Say({ message: 'b' });
      await expect(stub.Say({ message: 'x', failCode: 'TEST_NOT_FOUND' })).rejects.toBeInstanceOf(RpcRemoteError);
      const text = await metrics.render();
      const count = (status: string): string | undefined =>
        text
          .split('\n')
          .find(
            (line) =>
              line.startsWith('lattice_rpc_client_duration_seconds_count{') &&
              line.includes('method="Say"') &&
              line.includes(`status="${status}"`),
          )
          ?.split(' ')[1];
      expect(count('OK')).toBe('2');
      expect(count('NOT_FOUND')).toBe('1');
    } finally {
      await measured.close();
    }
  });

  it('maps a LatticeError thrown by the handler to a typed error with the remote code', async () => {
    const error = await echo.Say({ message: 'x', failCode: 'TEST_NOT_FOUND' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcRemoteError);
    expect(error).toMatchObject({
      code: 'RPC_REMOTE_ERROR',
      status: 404,
      data: { grpcStatus: grpc.status.NOT_FOUND, remoteCode: 'TEST_NOT_FOUND', statusName: 'NOT_FOUND' },
    });
  });

  it('fails with RpcDeadlineExceededError when the server is slower than the deadline', async () => {
    const error = await echo.Say({ message: 'slow', sleepMs: 2000 }, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcDeadlineExceededError);
    expect(error).toMatchObject({ code: 'RPC_DEADLINE_EXCEEDED', data: { grpcStatus: grpc.status.DEADLINE_EXCEEDED } });
  });

  it('propagates the remaining deadline across two hops', async () => {
    const reply = await echo.Relay({ message: 'relay', sleepMs: 150 }, { timeoutMs: 1500 });
    expect(reply.message).toBe('down-1:relay');
    expect(reply.caller).toBe('test');
    // The second hop gets only what is left of the first hop's deadline (less than 1500 - 150).
    expect(reply.nextHopDeadlineRemainingMs).toBeGreaterThan(0);
    expect(reply.nextHopDeadlineRemainingMs).toBeLessThanOrEqual(1500 - 150);
    expect(reply.nextHopDeadlineRemainingMs).toBeLessThanOrEqual(reply.deadlineRemainingMs + 50);
  });

  it('keeps one trace across client → server → client → server', async () => {
    const traceId = await withSpan('test-root', async (span) => {
      await echo.Relay({ message: 'traced' });
      return span.spanContext().traceId;
    });
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const kinds = spans.map((s) => `${s.kind}:${s.name}`);
    // 1 = SERVER, 2 = CLIENT in @opentelemetry/api's SpanKind.
    expect(kinds).toEqual(
      expect.arrayContaining([
        '2:lattice.test.v1.Echo/Relay',
        '1:lattice.test.v1.Echo/Relay',
        '2:lattice.test.v1.Echo/Say',
        '1:lattice.test.v1.Echo/Say',
      ]),
    );
    const serverSay = spans.find((s) => s.kind === 1 && s.name.endsWith('/Say'));
    const clientSay = spans.find((s) => s.kind === 2 && s.name.endsWith('/Say'));
    expect(serverSay?.parentSpanContext?.spanId).toBe(clientSay?.spanContext().spanId);
  });

  it('does not block a fast call behind a slow one', async () => {
    const slow = echo.Say({ message: 'slow', sleepMs: 400 });
    const started = Date.now();
    const fast = await echo.Say({ message: 'fast' });
    const fastDoneAfter = Date.now() - started;
    expect(fast.message).toBe('fast');
    const slowReply = await slow;
    expect(slowReply.message).toBe('slow');
    // Ordering, not speed: the fast call finished while the slow one was still sleeping.
    expect(fastDoneAfter).toBeLessThan(400);
  });

  it('cancels a call through an AbortSignal', async () => {
    const controller = new AbortController();
    const pending = echo.Say({ message: 'cancel-me', sleepMs: 2000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'RPC_CANCELLED' });
  });

  it('supports server, client and bidi streaming', async () => {
    const counted: string[] = [];
    for await (const r of echo.Count({ message: 'n', count: 3 })) counted.push(r.message);
    expect(counted).toEqual(['n-0', 'n-1', 'n-2']);
    const collected = await echo.Collect([{ message: 'a' }, { message: 'b' }]);
    expect(collected.message).toBe('a,b');
    const chat: string[] = [];
    for await (const r of echo.Chat([{ message: 'x' }, { message: 'y' }])) chat.push(r.message);
    expect(chat).toEqual(['X', 'Y']);
  });

  it('surfaces an error raised in the middle of a server stream', async () => {
    const got: string[] = [];
    const run = async (): Promise<void> => {
      for await (const r of echo.Count({ message: 'e', count: 2, failCode: 'TEST_CONFLICT' })) got.push(r.message);
    };
    await expect(run()).rejects.toMatchObject({ code: 'RPC_REMOTE_ERROR', data: { remoteCode: 'TEST_CONFLICT' } });
    expect(got).toEqual(['e-0', 'e-1']);
  });
});

describe('fast-path negotiation', () => {
  it('falls back to plain gRPC when the server does not offer the fast path', async () => {
    const server = await startEcho('no-fast', { fastPath: false });
    const client = new GrpcClient({ service: 'echo', contract: echoContract, address: `127.0.0.1:${server.port}` });
    try {
      const echo = client.stub<EchoClient>();
      for (let i = 0; i < 5; i += 1) {
        expect((await echo.Say({ message: `m${i}` })).message).toBe(`m${i}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await client.close();
      await server.drain(Date.now());
    }
  });
});
