import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Injectable, Module, Param, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { LatticeError, ManualClock, PROBLEM_CONTENT_TYPE } from '@lattice/core';
import { MetricsRegistry, TelemetryModule } from '@lattice/telemetry';
import {
  BreakerOpenError,
  CircuitBreaker,
  Fallback,
  InMemoryRuleSource,
  RateLimit,
  RateLimitGuard,
  RateLimitedError,
  ResilienceModule,
  ResilienceRegistry,
  Retry,
  Timeout,
} from '@lattice/resilience';

const clock = new ManualClock(0);
const rules = new InMemoryRuleSource();

@Injectable()
class DeviceClient {
  calls = 0;
  failing = false;

  @CircuitBreaker({ minimumCalls: 3, failureRateThresholdPercent: 50, openDurationMs: 10_000 })
  @Retry({ maxAttempts: 3, initialDelayMs: 0, budget: false })
  @Timeout({ timeoutMs: 1_000 })
  getShadow(id: string): Promise<string> {
    this.calls++;
    if (this.failing) return Promise.reject(new LatticeError('DEVICE_DOWN', 'down', { retryable: true, status: 503 }));
    return Promise.resolve(`shadow:${id}`);
  }

  @Fallback({ method: 'cachedList' })
  @CircuitBreaker({ minimumCalls: 1 })
  listDevices(home: string): Promise<string[]> {
    return Promise.reject(new Error(`backend down for ${home}`));
  }

  cachedList(home: string, error: unknown): string[] {
    return [`cached:${home}`, (error as Error).message];
  }

  @RateLimit({ qps: 2, paramFrom: (hubId: string) => hubId, hotParam: { qps: 1 } })
  sendCommand(hubId: string): Promise<string> {
    return Promise.resolve(`sent:${hubId}`);
  }
}

@Controller('api')
@UseGuards(RateLimitGuard)
class ApiController {
  @Get('devices/:id')
  @RateLimit({ qps: 2 })
  device(@Param('id') id: string): { id: string } {
    return { id };
  }

  @Get('free')
  free(): { ok: boolean } {
    return { ok: true };
  }
}

@Module({ providers: [DeviceClient], controllers: [ApiController] })
class FeatureModule {}

@Module({
  imports: [
    TelemetryModule.forRoot({
      serviceName: 'resilience-test',
      metrics: new MetricsRegistry({ processMetrics: false }),
    }),
    ResilienceModule.forRootAsync({
      useFactory: () => ({ clock, rules, defaults: { timeout: { timeoutMs: 5_000 } } }),
    }),
    FeatureModule,
  ],
})
class AppModule {}

describe('ResilienceModule (Nest)', () => {
  let app: INestApplication;
  let base: string;
  let client: DeviceClient;
  let registry: ResilienceRegistry;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    client = app.get(DeviceClient);
    registry = app.get(ResilienceRegistry);
  });

  afterAll(async () => {
    await app.close();
  });

  it('wraps decorated provider methods in their pipeline (retry, breaker)', async () => {
    expect(await client.getShadow('d1')).toBe('shadow:d1');
    client.failing = true;
    client.calls = 0;
    // attempt 1 fails (1 of 2 calls), attempt 2 fails (2 of 3 ≥ 50%): the breaker opens, and its
    // refusal of attempt 3 is not retryable, so the caller sees it after 2 real calls
    await expect(client.getShadow('d1')).rejects.toBeInstanceOf(BreakerOpenError);
    expect(client.calls).toBe(2);
    await expect(client.getShadow('d1')).rejects.toBeInstanceOf(BreakerOpenError);
    expect(client.calls).toBe(2);
    expect(registry.names()).toEqual(
      expect.arrayContaining(['DeviceClient.getShadow', 'DeviceClient.listDevices', 'DeviceClient.sendCommand']),
    );
    const snapshot = registry.snapshot().policies.find((p) => p.name === 'DeviceClient.getShadow')!;
    expect(snapshot.policies).toEqual(['retry', 'circuitBreaker', 'timeout']);
    expect(registry.effective('DeviceClient.getShadow').timeout).toEqual({ timeoutMs: 1_000 }); // method over defaults
    expect(snapshot.breakers[0]!.state).toBe('open');
  });

  it('falls back to a sibling method with the original arguments and the error', async () => {
    expect(await client.listDevices('h1')).toEqual(['cached:h1', 'backend down for h1']);
  });

  it('applies hot-parameter limits from method arguments', async () => {
    expect(await client.sendCommand('hub-1')).toBe('sent:hub-1');
    await expect(client.sendCommand('hub-1')).rejects.toBeInstanceOf(RateLimitedError);
    expect(await client.sendCommand('hub-2')).toBe('sent:hub-2');
  });

  it('a live rule change reaches a decorated method; an invalid one changes nothing', async () => {
    clock.advance(60_000);
    rules.set({ policies: { 'DeviceClient.sendCommand': { rateLimit: { qps: 10, hotParam: { qps: 1, burst: 3 } } } } });
    for (let i = 0; i < 3; i++) expect(await client.sendCommand('hub-9')).toBe('sent:hub-9');
    await expect(client.sendCommand('hub-9')).rejects.toMatchObject({ data: { limit: 'hot-param' } });
    rules.set({ policies: { 'DeviceClient.sendCommand': { rateLimit: { qps: 'lots' } } } });
    expect(registry.snapshot().rules.refused).toBe(1);
    expect(registry.effective('DeviceClient.sendCommand').rateLimit).toEqual({
      qps: 10,
      hotParam: { qps: 1, burst: 3 },
    });
    await expect(client.sendCommand('hub-9')).rejects.toMatchObject({ data: { limit: 'hot-param' } });
  });

  it('the HTTP guard answers 429 problem+json with Retry-After', async () => {
    clock.advance(5_000);
    expect((await fetch(`${base}/api/devices/a`)).status).toBe(200);
    expect((await fetch(`${base}/api/devices/a`)).status).toBe(200);
    const refused = await fetch(`${base}/api/devices/a`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    expect(refused.headers.get('retry-after')).toBe('1');
    const body = (await refused.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 429,
      code: 'RESILIENCE_RATE_LIMITED',
      title: 'Too Many Requests',
      instance: '/api/devices/a',
      limit: 'qps',
    });
    expect((await fetch(`${base}/api/free`)).status).toBe(200);
  });

  it('exports metrics through the app MetricsRegistry', async () => {
    const text = await app.get(MetricsRegistry).render();
    // the clock moved past openDurationMs in the tests above, so the breaker is half-open by now
    expect(text).toContain('resilience_breaker_state{policy="DeviceClient.getShadow",key="DeviceClient.getShadow"} 2');
    expect(text).toContain(
      'resilience_breaker_transitions_total{policy="DeviceClient.getShadow",key="DeviceClient.getShadow",to="open"} 1',
    );
    expect(text).toContain('resilience_rejections_total{policy="ApiController.device",reason="rate_limited"}');
  });
});
