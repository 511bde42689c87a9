import { describe, expect, it } from '@jest/globals';
import { type LatticeError, ManualClock } from '@lattice/core';
import {
  BreakerOpenError,
  PIPELINE_ORDER,
  RateLimitedError,
  ResiliencePipeline,
  TimeoutError,
} from '@lattice/resilience';

const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (v) => v,
    (e: unknown) => e,
  );
const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('ResiliencePipeline', () => {
  it('documents the fixed order', () => {
    expect(PIPELINE_ORDER).toEqual(['fallback', 'retry', 'circuitBreaker', 'rateLimit', 'bulkhead', 'timeout']);
  });

  it('composes: timeouts are retried and counted by the breaker; an open breaker is not retried; fallback answers last', async () => {
    const clock = new ManualClock(0);
    const pipeline = new ResiliencePipeline(
      {
        fallback: { handler: (e) => `fallback(${(e as LatticeError).code})` },
        retry: { maxAttempts: 2, initialDelayMs: 10, budget: false, random: () => 0 },
        circuitBreaker: { minimumCalls: 2, failureRateThresholdPercent: 100, openDurationMs: 1_000 },
        bulkhead: { maxConcurrent: 10 },
        timeout: { timeoutMs: 100 },
      },
      { name: 'device.getShadow', clock },
    );
    let attempts = 0;
    const hang = () => {
      attempts++;
      return new Promise<string>(() => undefined);
    };
    const first = pipeline.execute(hang);
    clock.advance(100); // attempt 1 times out → retried (TimeoutError is retryable)
    await flush();
    clock.advance(100); // attempt 2 times out → the breaker has 2 failures → open
    expect(await first).toBe('fallback(RESILIENCE_RETRY_EXHAUSTED)');
    expect(attempts).toBe(2);
    expect(pipeline.snapshot().breakers[0]!.state).toBe('open');
    // open breaker: BreakerOpenError is not retryable, so one rejection, no call, then fallback
    expect(await pipeline.execute(hang)).toBe('fallback(RESILIENCE_BREAKER_OPEN)');
    expect(attempts).toBe(2);
    await pipeline.close();
  });

  it('runs bare without policies and uses the pipeline name as default key', async () => {
    const pipeline = new ResiliencePipeline({}, { name: 'noop' });
    expect(await pipeline.execute((ctx) => ctx.key)).toBe('noop');
    expect(await pipeline.execute((ctx) => ctx.key, { key: 'device:a' })).toBe('device:a');
  });

  it('reconfigures live and keeps unchanged policies (breaker state survives)', async () => {
    const clock = new ManualClock(0);
    const pipeline = new ResiliencePipeline(
      { circuitBreaker: { minimumCalls: 1, openDurationMs: 60_000 }, rateLimit: { qps: 1 } },
      { clock },
    );
    await settle(pipeline.execute(() => Promise.reject(new Error('boom'))));
    expect(await settle(pipeline.execute(() => 1))).toBeInstanceOf(BreakerOpenError);
    pipeline.reconfigure({ circuitBreaker: { minimumCalls: 1, openDurationMs: 60_000 }, rateLimit: { qps: 5 } });
    expect(await settle(pipeline.execute(() => 1))).toBeInstanceOf(BreakerOpenError); // same breaker
    pipeline.reconfigure({ rateLimit: { qps: 5 }, timeout: { timeoutMs: 10 } });
    expect(pipeline.snapshot().policies).toEqual(['rateLimit', 'timeout']);
    expect(await pipeline.execute(() => 'ok')).toBe('ok');
    const slow = settle(pipeline.execute(() => new Promise(() => undefined)));
    clock.advance(10);
    expect(await slow).toBeInstanceOf(TimeoutError);
    await pipeline.close();
  });

  it('rate limit refusals are not counted as breaker failures', async () => {
    const clock = new ManualClock(0);
    const pipeline = new ResiliencePipeline({ circuitBreaker: { minimumCalls: 1 }, rateLimit: { qps: 1 } }, { clock });
    await pipeline.execute(() => 'ok');
    for (let i = 0; i < 5; i++) expect(await settle(pipeline.execute(() => 'ok'))).toBeInstanceOf(RateLimitedError);
    expect(pipeline.snapshot().breakers[0]!.state).toBe('closed');
    await pipeline.close();
  });
});
