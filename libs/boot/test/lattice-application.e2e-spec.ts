import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, Injectable, Module, Post, type OnApplicationShutdown } from '@nestjs/common';
import { LatticeError } from '@lattice/core';
import { InjectLogger, type Logger } from '@lattice/telemetry';
import {
  InjectRedis,
  LatticeApplication,
  ReadinessCheck,
  StartFailedError,
  type OnDeregister,
  type OnDrain,
  type OnRegister,
} from '@lattice/boot';
import type { Redis } from 'ioredis';
import { parsePrometheusText } from '#test/prometheus.js';
import { freePort, redisUrl } from '#test/redis.js';

const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const baseEnv = { LATTICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0', LATTICE__SERVER__HOST: '127.0.0.1' };
const apps: LatticeApplication[] = [];

async function boot(module: object, env: Record<string, string> = {}): Promise<LatticeApplication> {
  const app = await LatticeApplication.create(module as never, {
    name: 'spec',
    defaults: { server: { port: 0 } },
    env: { ...baseEnv, ...env },
    logDestination: quiet,
  });
  apps.push(app);
  return app;
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.shutdown()));
});

class NotYoursError extends LatticeError<{ homeId: string }> {
  constructor(homeId: string) {
    super('HOME_NOT_FOUND', `Home ${homeId} does not exist`, { data: { homeId }, status: 404 });
  }
}

@Controller('things')
class ThingsController {
  @Get('lattice-error')
  latticeError(): never {
    throw new NotYoursError('h-9');
  }
  @Get('bug')
  bug(): never {
    throw new Error('secret connection string redis://:pw@db');
  }
  @Post()
  create(@Body() body: unknown): unknown {
    return body;
  }
}

describe('LatticeApplication readiness', () => {
  it('answers /health/ready 503 until registration hooks finish, then 200; /health/live 200 throughout', async () => {
    let release!: () => void;
    const registered = new Promise<void>((resolve) => (release = resolve));
    @Injectable()
    class SlowRegistration implements OnRegister {
      onRegister(): Promise<void> {
        return registered;
      }
    }
    @Module({ providers: [SlowRegistration] })
    class AppModule {}

    const app = await boot(AppModule);
    const starting = app.start();
    while (app.port === 0) await new Promise((r) => setTimeout(r, 5));

    const before = await fetch(`${app.url}/health/ready`);
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ status: 'error', error: { lifecycle: { state: 'starting' } } });
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200);

    release();
    await starting;
    const after = await fetch(`${app.url}/health/ready`);
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ status: 'ok', info: { lifecycle: { state: 'ready' } } });
  });

  it('includes @ReadinessCheck methods: a failing dependency makes the instance unready', async () => {
    const state = { healthy: false };
    @Injectable()
    class Store {
      @ReadinessCheck('store')
      check(): Record<string, unknown> {
        if (!state.healthy) throw new Error('store unreachable');
        return { shards: 3 };
      }
    }
    @Module({ providers: [Store] })
    class AppModule {}
    const app = await boot(AppModule);
    await app.start();

    const down = await fetch(`${app.url}/health/ready`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ error: { store: { status: 'down' } } });
    state.healthy = true;
    const up = await fetch(`${app.url}/health/ready`);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ info: { store: { status: 'up', shards: 3 } } });
  });
});

describe('LatticeApplication edges', () => {
  it('answers errors as problem+json with stable codes and never leaks internals', async () => {
    @Module({ controllers: [ThingsController] })
    class AppModule {}
    const app = await boot(AppModule);
    await app.start();

    const known = await fetch(`${app.url}/things/lattice-error`);
    expect(known.status).toBe(404);
    expect(known.headers.get('content-type')).toContain('application/problem+json');
    expect(await known.json()).toMatchObject({
      code: 'HOME_NOT_FOUND',
      status: 404,
      homeId: 'h-9',
      instance: '/things/lattice-error',
    });

    const bug = await fetch(`${app.url}/things/bug`);
    expect(bug.status).toBe(500);
    const bugBody = await bug.text();
    expect(JSON.parse(bugBody)).toMatchObject({ code: 'INTERNAL' });
    expect(bugBody).not.toContain('redis://');

    const malformed = await fetch(`${app.url}/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'MALFORMED_BODY' });

    const missing = await fetch(`${app.url}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('parses JSON bodies up to server.maxBodyBytes and answers a larger one 413 problem+json', async () => {
    @Module({ controllers: [ThingsController] })
    class AppModule {}
    const app = await boot(AppModule, { LATTICE__SERVER__MAX_BODY_BYTES: '2000' });
    await app.start();
    const post = (size: number) =>
      fetch(`${app.url}/things`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pad: 'x'.repeat(size) }),
      });
    const fits = await post(1900);
    expect(fits.status).toBe(201);
    expect(((await fits.json()) as { pad: string }).pad).toHaveLength(1900);
    const large = await post(2100);
    expect(large.status).toBe(413);
    expect(large.headers.get('content-type')).toContain('application/problem+json');
    expect(await large.json()).toMatchObject({ status: 413 });
  });

  it('serves /metrics as valid Prometheus text with request durations and readiness', async () => {
    @Module({ controllers: [ThingsController] })
    class AppModule {}
    const app = await boot(AppModule);
    await app.start();
    await (await fetch(`${app.url}/things/lattice-error`)).text();

    const res = await fetch(`${app.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const samples = parsePrometheusText(await res.text());
    expect(samples.find((s) => s.name === 'lattice_app_ready')?.value).toBe(1);
    expect(
      samples.find(
        (s) =>
          s.name === 'http_server_request_duration_seconds_count' &&
          s.labels['route'] === '/things/lattice-error' &&
          s.labels['status_code'] === '404',
      )?.value,
    ).toBe(1);
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
  });

  it('fails start with BOOT_START_FAILED and a hint when the port is taken', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      @Module({})
      class AppModule {}
      const app = await boot(AppModule, { LATTICE_SPEC__SERVER__PORT: String(port) });
      const error = await app.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StartFailedError);
      expect((error as StartFailedError).code).toBe('BOOT_START_FAILED');
      expect((error as Error).message).toContain('already in use');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('LatticeApplication request tracing', () => {
  it('with telemetry.tracing=always, a handler log line carries the caller trace id from traceparent', async () => {
    const lines: string[] = [];
    const capture = new Writable({
      write: (chunk: Buffer, _e, cb) => {
        lines.push(chunk.toString());
        cb();
      },
    });
    @Controller('traced')
    class TracedController {
      constructor(@InjectLogger() private readonly log: Logger) {}
      @Get()
      handle(): { ok: true } {
        this.log.info('handled');
        return { ok: true };
      }
    }
    @Module({ controllers: [TracedController] })
    class AppModule {}
    const app = await LatticeApplication.create(AppModule, {
      name: 'spec',
      defaults: { server: { port: 0 } },
      env: { ...baseEnv, LATTICE__TELEMETRY__TRACING: 'always' },
      logDestination: capture,
    });
    apps.push(app);
    await app.start();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await (await fetch(`${app.url}/traced`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } })).text();
    const handled = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['msg'] === 'handled');
    expect(handled?.['trace_id']).toBe(traceId);
  });
});

describe('LatticeApplication shutdown order', () => {
  it('turns unready, deregisters while still listening, drains after the listener closes, then closes backends', async () => {
    const events: string[] = [];
    @Injectable()
    class Lifecycle implements OnDeregister, OnDrain, OnApplicationShutdown {
      async onDeregister(signal: string): Promise<void> {
        const ready = await fetch(`${appRef.url}/health/ready`);
        events.push(`deregister:${signal}:ready=${ready.status}`);
      }
      onDrain(deadline: number): void {
        const listening = (appRef.nest.getHttpServer() as { listening: boolean }).listening;
        events.push(`drain:listening=${listening}:deadline=${deadline > Date.now()}`);
      }
      onApplicationShutdown(): void {
        events.push('backends-closed');
      }
    }
    @Module({ providers: [Lifecycle] })
    class AppModule {}
    const appRef = await boot(AppModule);
    await appRef.start();
    await appRef.shutdown('SIGTERM');
    expect(events).toEqual(['deregister:SIGTERM:ready=503', 'drain:listening=false:deadline=true', 'backends-closed']);
    expect(appRef.state).toBe('stopped');
  });

  it('keeps two applications in one process apart (ports, metrics, lifecycle)', async () => {
    @Module({ controllers: [ThingsController] })
    class AppModule {}
    const one = await boot(AppModule);
    const two = await boot(AppModule);
    await Promise.all([one.start(), two.start()]);
    await (await fetch(`${one.url}/things/lattice-error`)).text();
    await one.shutdown();
    expect((await fetch(`${two.url}/health/ready`)).status).toBe(200);
    expect(await two.metrics.render()).not.toContain('/things/lattice-error');
  });
});

describe('LatticeApplication on the redis backend (real redis-server)', () => {
  it('shares one connection, pings it for readiness, and closes it on shutdown', async () => {
    let client: Redis | null = null;
    @Injectable()
    class UsesRedis {
      constructor(@InjectRedis() redis: Redis | null) {
        client = redis;
      }
    }
    @Module({ providers: [UsesRedis] })
    class AppModule {}
    const app = await boot(AppModule, { LATTICE_BACKEND: 'redis', LATTICE_REDIS_URL: redisUrl() });
    await app.start();
    expect(client).not.toBeNull();
    expect(await client!.set('boot-spec:key', 'v')).toBe('OK');
    const ready = await fetch(`${app.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ info: { redis: { status: 'up' } } });
    await app.shutdown();
    expect(client!.status).toBe('end');
  });

  it('is unready while Redis is unreachable', async () => {
    @Module({})
    class AppModule {}
    const port = await freePort(); // nothing listens there
    const app = await boot(AppModule, {
      LATTICE_BACKEND: 'redis',
      LATTICE_REDIS_URL: `redis://127.0.0.1:${port}`,
      LATTICE__CONFIG__REQUEST_TIMEOUT_MS: '200',
    });
    await app.start();
    const ready = await fetch(`${app.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ error: { redis: { status: 'down' } } });
  });
});
