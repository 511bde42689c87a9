/* eslint-disable @typescript-eslint/no-unused-vars -- declared Feign methods name their parameters for the reader; the calls are made by the factory */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplication, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { DiscoveryClient, DiscoveryModule, MemoryRegistry } from '@lattice/discovery';
import { BreakerOpenError, TimeoutError } from '@lattice/resilience';
import { MetricsRegistry, startTracing, withSpan, type TracingHandle } from '@lattice/telemetry';
import {
  declared,
  DeleteMapping,
  FeignClient,
  FeignClientFactory,
  FeignPolicy,
  GetMapping,
  HeadMapping,
  PatchMapping,
  PathVariable,
  PostMapping,
  PutMapping,
  RequestBody,
  RequestHeader,
  RequestParam,
  RpcFeignNotBoundError,
  RpcHttpConnectionError,
  RpcHttpDecodeError,
  RpcHttpError,
  RpcModule,
  type FeignRequest,
  type FeignRequestInterceptor,
} from '@lattice/rpc';
import { freePort } from '#test/redis.js';
import { startBroken, startDevicesApp, type Seen } from './feign.fixture.js';

@Injectable()
class TokenService {
  token(): string {
    return 'secret-token';
  }
}

@Injectable()
class AuthInterceptor implements FeignRequestInterceptor {
  constructor(private readonly tokens: TokenService) {}
  intercept(request: FeignRequest): void {
    request.headers['authorization'] = `Bearer ${this.tokens.token()}`;
  }
}

@FeignClient({ service: 'devices', path: '/v1', interceptors: [AuthInterceptor], headers: { 'X-Static': 'yes' } })
abstract class DevicesApi {
  @GetMapping('/devices/:id')
  get(
    @PathVariable('id') id: string,
    @RequestParam('expand') expand?: string,
    @RequestParam('tag') tags?: string[],
    @RequestParam() filter?: Record<string, string | undefined>,
    @RequestHeader('X-Tenant') tenant?: string,
    @RequestHeader() extra?: Record<string, string>,
  ): Promise<Seen> {
    return declared();
  }

  @PostMapping('/devices')
  create(@RequestBody() body: { name: string; tags: string[] }): Promise<Seen> {
    return declared();
  }

  @PutMapping('/devices/:id')
  replace(@PathVariable('id') id: string, @RequestBody() body: { name: string }): Promise<Seen> {
    return declared();
  }

  @PatchMapping('/devices/:id')
  rename(@PathVariable('id') id: string, @RequestBody() body: { name: string }): Promise<Seen> {
    return declared();
  }

  @DeleteMapping('/devices/:id')
  remove(@PathVariable('id') id: string): Promise<void> {
    return declared();
  }

  @HeadMapping('/devices/:id')
  exists(@PathVariable('id') id: string): Promise<void> {
    return declared();
  }

  @GetMapping('/text')
  text(): Promise<string> {
    return declared();
  }

  @GetMapping('/problem/:status')
  problem(@PathVariable('status') status: number): Promise<never> {
    return declared();
  }

  @GetMapping('/plain-error')
  plainError(): Promise<never> {
    return declared();
  }

  @GetMapping('/malformed')
  malformed(): Promise<never> {
    return declared();
  }

  @FeignPolicy({ timeoutMs: 100, retry: false })
  @GetMapping('/slow')
  slow(@RequestParam('ms') ms: number): Promise<{ instance: string }> {
    return declared();
  }

  @GetMapping('/flaky/:key')
  flakyGet(@PathVariable('key') key: string, @RequestParam('fails') fails: number): Promise<{ attempts: number }> {
    return declared();
  }

  @PostMapping('/flaky/:key')
  flakyPost(@PathVariable('key') key: string, @RequestParam('fails') fails: number): Promise<{ attempts: number }> {
    return declared();
  }

  @FeignPolicy({ retry: { maxAttempts: 3, initialDelayMs: 1 } })
  @PostMapping('/flaky/:key')
  flakyPostRetried(
    @PathVariable('key') key: string,
    @RequestParam('fails') fails: number,
  ): Promise<{ attempts: number }> {
    return declared();
  }
}

const exporter = new InMemorySpanExporter();
let tracing: TracingHandle;
beforeAll(async () => {
  tracing = await startTracing({ serviceName: 'feign-test', spanExporter: exporter });
});
afterAll(async () => {
  await tracing.release();
});

describe('Feign client against a real Nest HTTP server', () => {
  let server: { app: INestApplication; port: number };
  let registry: MemoryRegistry;
  let clientApp: INestApplicationContext;
  let api: DevicesApi;

  beforeAll(async () => {
    server = await startDevicesApp('devices-1');
    registry = new MemoryRegistry();
    await registry.register(
      { service: 'devices', instanceId: 'devices-1', host: '127.0.0.1', ports: { http: server.port } },
      { leaseTtlMs: 60_000 },
    );
    @Module({
      imports: [
        DiscoveryModule.forRoot({ backend: 'memory', memory: { registry } }),
        RpcModule.forFeature([DevicesApi]),
      ],
      providers: [TokenService, AuthInterceptor],
    })
    class ClientModule {}
    clientApp = await NestFactory.createApplicationContext(ClientModule, { logger: false });
    api = clientApp.get(DevicesApi);
  });
  afterAll(async () => {
    await clientApp.close();
    await registry.close();
    await server.app.close();
  });

  it('sends path variables (encoded), query parameters and headers, and decodes the JSON answer', async () => {
    const seen = await api.get('a b/c', 'state', ['x', 'y'], { model: 'bulb', skip: undefined }, 'tenant-1', {
      'X-Extra': 'e',
    });
    expect(api).toBeInstanceOf(DevicesApi);
    expect(seen.instance).toBe('devices-1');
    expect(seen.id).toBe('a b/c');
    expect(seen.query).toEqual({ expand: 'state', tag: ['x', 'y'], model: 'bulb' });
    expect(seen.headers).toMatchObject({
      'x-tenant': 'tenant-1',
      'x-extra': 'e',
      'x-static': 'yes',
      authorization: 'Bearer secret-token', // the interceptor, resolved with its dependency
    });
  });

  it('sends JSON bodies with POST, PUT and PATCH; DELETE and HEAD resolve with undefined; text stays text', async () => {
    expect((await api.create({ name: 'lamp', tags: ['a'] })).body).toEqual({ name: 'lamp', tags: ['a'] });
    expect(await api.replace('d1', { name: 'new' })).toMatchObject({ id: 'd1', body: { name: 'new' } });
    expect(await api.rename('d2', { name: 'p' })).toMatchObject({ id: 'd2', body: { name: 'p' } });
    await expect(api.remove('d1')).resolves.toBeUndefined();
    await expect(api.exists('d1')).resolves.toBeUndefined();
    await expect(api.text()).resolves.toBe('plain from devices-1');
  });

  it.each([400, 404, 409])('decodes a %i problem+json answer into RpcHttpError (not retried)', async (status) => {
    const error = await api.problem(status).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcHttpError);
    expect(error).toMatchObject({
      code: 'RPC_HTTP_ERROR',
      status,
      retryable: false,
      data: { httpStatus: status, remoteCode: `TEST_${status}`, problem: { code: `TEST_${status}`, status } },
    });
  });

  it('decodes a plain-text 500 into RpcHttpError carrying the body', async () => {
    const error = await api.plainError().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcHttpError);
    expect(error).toMatchObject({ status: 500, data: { httpStatus: 500, body: 'boom', instanceId: 'devices-1' } });
  });

  it('fails with RpcHttpDecodeError on a malformed JSON answer', async () => {
    await expect(api.malformed()).rejects.toBeInstanceOf(RpcHttpDecodeError);
  });

  it('fails with a resilience TimeoutError after the method timeout', async () => {
    const error = await api.slow(300).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'RESILIENCE_TIMEOUT', data: { timeoutMs: 100 } });
  });

  it('retries idempotent verbs on 503, not POST unless declared', async () => {
    expect(await api.flakyGet('get-1', 2)).toMatchObject({ attempts: 3 });
    const post = await api.flakyPost('post-1', 1).catch((e: unknown) => e);
    expect(post).toMatchObject({ code: 'RPC_HTTP_ERROR', status: 503 });
    expect(await api.flakyPost('post-1', 1)).toMatchObject({ attempts: 2 }); // the server saw one attempt before
    expect(await api.flakyPostRetried('post-2', 1)).toMatchObject({ attempts: 2 });
    // Attempts exhausted: the caller sees the last failure itself.
    await expect(api.flakyGet('get-2', 10)).rejects.toMatchObject({ code: 'RPC_HTTP_ERROR', status: 503 });
  });

  it('4xx answers do not open the breaker', async () => {
    for (let i = 0; i < 40; i += 1) await api.problem(404).catch(() => undefined);
    expect((await api.get('still-closed')).id).toBe('still-closed');
  });

  it('propagates W3C trace context and records a client span', async () => {
    exporter.reset();
    const [traceId, seen] = await withSpan('feign-root', async (span) => {
      const answer = await api.get('traced');
      return [span.spanContext().traceId, answer] as const;
    });
    expect(String(seen.headers['traceparent'])).toContain(traceId);
    const client = exporter.getFinishedSpans().find((s) => s.name === 'GET DevicesApi.get');
    expect(client?.spanContext().traceId).toBe(traceId);
    expect(client?.attributes['http.response.status_code']).toBe(200);
  });

  it('records call durations by service, method and status (OK, 4xx)', async () => {
    const metrics = new MetricsRegistry({ processMetrics: false });
    const discovery = new DiscoveryClient(registry);
    const factory = new FeignClientFactory({
      discovery,
      metrics,
      resolve: <T>(type: new (...args: never[]) => T) =>
        Promise.resolve((type === AuthInterceptor ? new AuthInterceptor(new TokenService()) : new type()) as T),
    });
    try {
      const measured = await factory.create(DevicesApi);
      expect((await measured.get('m-1')).headers['authorization']).toBe('Bearer secret-token');
      await measured.get('m-2');
      await expect(measured.problem(404)).rejects.toBeInstanceOf(RpcHttpError);
      const text = await metrics.render();
      const count = (status: string): string | undefined =>
        text
          .split('\n')
          .find(
            (line) =>
              line.startsWith('lattice_rpc_http_client_duration_seconds_count{') &&
              line.includes('service="devices"') &&
              line.includes(`status="${status}"`),
          )
          ?.split(' ')[1];
      expect(count('OK')).toBe('2');
      expect(count('404')).toBe('1');
    } finally {
      await factory.close();
      await discovery.close();
    }
  });

  it('rejects when the declaration itself is called', async () => {
    class Direct extends DevicesApi {}
    await expect(new Direct().get('x')).rejects.toBeInstanceOf(RpcFeignNotBoundError);
  });
});

describe('Feign client with several instances', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function clientFor(instances: { id: string; port: number }[], declaration: typeof ShiftApi) {
    const registry = new MemoryRegistry();
    for (const i of instances) {
      await registry.register(
        { service: 'shift', instanceId: i.id, host: '127.0.0.1', ports: { http: i.port } },
        { leaseTtlMs: 60_000 },
      );
    }
    const discovery = new DiscoveryClient(registry);
    const factory = new FeignClientFactory({ discovery });
    cleanups.push(async () => {
      await factory.close();
      await discovery.close();
      await registry.close();
    });
    return factory.create(declaration);
  }

  @FeignClient({
    service: 'shift',
    path: '/v1',
    balancer: 'round-robin',
    retry: false,
    circuitBreaker: { minimumCalls: 4, windowSizeCalls: 10, failureRateThresholdPercent: 50, openDurationMs: 60_000 },
  })
  abstract class ShiftApi {
    @PostMapping('/devices')
    create(@RequestBody() body: { name: string }): Promise<Seen> {
      return declared();
    }

    @GetMapping('/devices/:id')
    get(@PathVariable('id') id: string): Promise<Seen> {
      return declared();
    }
  }

  it('opens the breaker on a failing instance and shifts traffic to the healthy one', async () => {
    const healthy = await startDevicesApp('healthy');
    const broken = await startBroken();
    cleanups.push(() => healthy.app.close(), broken.close);
    const api = await clientFor(
      [
        { id: 'healthy', port: healthy.port },
        { id: 'broken', port: broken.port },
      ],
      ShiftApi,
    );
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      outcomes.push(
        await api.create({ name: 'x' }).then(
          (s) => s.instance,
          (e: RpcHttpError) => String(e.status),
        ),
      );
    }
    expect(outcomes.slice(0, 10)).toContain('500'); // 5xx counted on the broken instance
    expect(outcomes.slice(-20)).toEqual(Array.from({ length: 20 }, () => 'healthy'));
    const hitsAfterOpen = broken.hits();
    for (let i = 0; i < 10; i += 1) await api.create({ name: 'y' });
    expect(broken.hits()).toBe(hitsAfterOpen);
  });

  it('retries a GET on another instance after a connection error', async () => {
    const healthy = await startDevicesApp('alive');
    cleanups.push(() => healthy.app.close());
    // Idempotent default retries, without the retry budget so every dead pick is rerouted.
    @FeignClient({
      service: 'shift',
      path: '/v1',
      balancer: 'round-robin',
      retry: { initialDelayMs: 1, budget: false },
    })
    abstract class RetryingApi extends ShiftApi {}
    const api = await clientFor(
      [
        { id: 'dead', port: await freePort() },
        { id: 'alive', port: healthy.port },
      ],
      RetryingApi,
    );
    for (let i = 0; i < 6; i += 1) expect((await api.get(`g${i}`)).instance).toBe('alive');
  });

  it('fails with RpcHttpConnectionError when no instance answers, and falls back when a fallback is set', async () => {
    const port = await freePort();
    const api = await clientFor([{ id: 'dead', port }], ShiftApi);
    const error = await api.get('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcHttpConnectionError);
    expect(error).toMatchObject({ code: 'RPC_HTTP_CONNECTION_FAILED', status: 503, data: { instanceId: 'dead' } });

    class Fallback {
      get(id: string, cause: unknown): Seen {
        return { instance: `fallback:${id}:${(cause as RpcHttpConnectionError).code}`, query: {}, headers: {} };
      }
    }
    @FeignClient({ url: `http://127.0.0.1:${port}`, path: '/v1', fallback: Fallback })
    abstract class WithFallback extends ShiftApi {}
    const factory = new FeignClientFactory();
    cleanups.push(() => factory.close());
    const degraded = await factory.create(WithFallback);
    expect((await degraded.get('d1')).instance).toBe('fallback:d1:RPC_HTTP_CONNECTION_FAILED');
  });

  it('fails with BreakerOpenError once the only instance is open, and never falls back on 4xx', async () => {
    const broken = await startBroken();
    cleanups.push(broken.close);
    const api = await clientFor([{ id: 'broken', port: broken.port }], ShiftApi);
    for (let i = 0; i < 6; i += 1) await api.create({ name: 'z' }).catch(() => undefined);
    await expect(api.create({ name: 'z' })).rejects.toBeInstanceOf(BreakerOpenError);

    const server = await startDevicesApp('4xx');
    cleanups.push(() => server.app.close());
    class Fallback {
      problem(): string {
        return 'fell back';
      }
    }
    @FeignClient({ url: `http://127.0.0.1:${server.port}`, path: '/v1', fallback: Fallback })
    abstract class ProblemApi {
      @GetMapping('/problem/:status')
      problem(@PathVariable('status') status: number): Promise<string> {
        return declared();
      }
    }
    const factory = new FeignClientFactory();
    cleanups.push(() => factory.close());
    const problems = await factory.create(ProblemApi);
    await expect(problems.problem(404)).rejects.toMatchObject({ status: 404 });
    await expect(problems.problem(502)).resolves.toBe('fell back');
  });

  it('lists every problem of a broken declaration', async () => {
    @FeignClient({ path: '/v1', timeoutMs: 0 })
    abstract class Broken {
      @GetMapping('/a/:id/:other')
      a(@PathVariable('id') id: string): Promise<void> {
        return declared();
      }
      b(@RequestBody() x: unknown, @RequestBody() y: unknown): Promise<void> {
        return declared();
      }
    }
    const factory = new FeignClientFactory();
    const error = await factory.create(Broken).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CORE_INVALID_OPTIONS' });
    const problems = (error as { data: { problems: { path: string; message: string }[] } }).data.problems;
    expect(problems.map((p) => p.path)).toEqual(['service', 'timeoutMs', 'a', 'b']);
  });
});
