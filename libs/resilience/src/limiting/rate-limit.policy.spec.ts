import { afterEach, describe, expect, it } from '@jest/globals';
import { ManualClock } from '@lattice/core';
import {
  FlowControllerRegistry,
  PacingController,
  RateLimitPolicy,
  RateLimitedError,
  SlidingWindowController,
  UnknownStrategyError,
  WarmUpController,
  type LimitDecision,
} from '@lattice/resilience';

const rule = { qps: 100, warmUpPeriodMs: 10_000, coldFactor: 3, maxQueueingTimeMs: 500 };
const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (v) => v,
    (e: unknown) => e,
  );

/** Offers `offeredQps` calls per second for `seconds`, returns passed calls per whole second. */
function drive(
  controller: { tryAcquire(now: number): LimitDecision },
  clock: ManualClock,
  offeredQps: number,
  seconds: number,
): number[] {
  const perSecond: number[] = [];
  const step = 1_000 / offeredQps;
  for (let s = 0; s < seconds; s++) {
    let passed = 0;
    for (let i = 0; i < offeredQps; i++) {
      if (controller.tryAcquire(clock.now()).ok) passed++;
      clock.advance(step);
    }
    perSecond.push(passed);
  }
  return perSecond;
}

describe('flow controllers (deterministic clock)', () => {
  it('reject: passes qps within 5% over every 10 s window under 5× overload', () => {
    const clock = new ManualClock(1_700_000_000_123);
    const perSecond = drive(new SlidingWindowController(rule), clock, 500, 30);
    for (let start = 0; start + 10 <= perSecond.length; start += 10) {
      const passed = perSecond.slice(start, start + 10).reduce((a, b) => a + b, 0);
      expect(Math.abs(passed - 1_000) / 1_000).toBeLessThanOrEqual(0.05);
    }
  });

  it('reject: under the limit everything passes, and a refusal says when to retry', () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowController({ ...rule, qps: 10 });
    expect(drive(limiter, clock, 8, 5)).toEqual([8, 8, 8, 8, 8]);
    const burst = new SlidingWindowController({ ...rule, qps: 10 });
    const now = 5_000;
    for (let i = 0; i < 10; i++) expect(burst.tryAcquire(now).ok).toBe(true);
    const refused = burst.tryAcquire(now + 50);
    expect(refused).toEqual({ ok: false, retryAfterMs: 950 });
  });

  it('warm-up: a cold start ramps from qps/coldFactor to qps over the warm-up period', () => {
    const clock = new ManualClock(0);
    const perSecond = drive(new WarmUpController({ ...rule, qps: 300 }), clock, 1_000, 14);
    expect(perSecond[0]).toBeGreaterThanOrEqual(95);
    expect(perSecond[0]).toBeLessThanOrEqual(130); // ≈ 300 / 3
    for (let s = 1; s < 10; s++) expect(perSecond[s]!).toBeGreaterThanOrEqual(perSecond[s - 1]! - 5); // rises
    expect(perSecond[5]!).toBeGreaterThan(180);
    expect(perSecond[5]!).toBeLessThan(260); // ≈ halfway
    for (const s of [11, 12, 13]) expect(Math.abs(perSecond[s]! - 300)).toBeLessThanOrEqual(15); // warm: full qps
  });

  it('warm-up: goes cold again after a quiet period', () => {
    const clock = new ManualClock(0);
    const limiter = new WarmUpController({ ...rule, qps: 300 });
    drive(limiter, clock, 1_000, 12);
    clock.advance(20_000);
    const [first] = drive(limiter, clock, 1_000, 1);
    expect(first).toBeLessThanOrEqual(130);
  });

  it('pacing: spaces calls 1000/qps apart and refuses beyond maxQueueingTimeMs', () => {
    const pacer = new PacingController({ ...rule, qps: 10, maxQueueingTimeMs: 500 });
    const decisions = Array.from({ length: 8 }, () => pacer.tryAcquire(1_000));
    expect(decisions.slice(0, 6)).toEqual([0, 100, 200, 300, 400, 500].map((waitMs) => ({ ok: true, waitMs })));
    expect(decisions[6]).toEqual({ ok: false, retryAfterMs: 100 });
    expect(decisions[7]).toEqual({ ok: false, retryAfterMs: 100 });
    // after the queue drains, calls pass at once again
    expect(pacer.tryAcquire(1_600)).toEqual({ ok: true, waitMs: 0 });
  });

  it('resolves behaviours by name, with register() for custom ones', () => {
    const registry = new FlowControllerRegistry();
    expect(registry.names()).toEqual(['reject', 'warm-up', 'pacing']);
    expect(() => registry.create('leaky', rule)).toThrow(UnknownStrategyError);
    registry.register('never', () => ({ tryAcquire: () => ({ ok: false, retryAfterMs: 7 }), snapshot: () => ({}) }));
    expect(registry.create('never', rule).tryAcquire(0)).toEqual({ ok: false, retryAfterMs: 7 });
  });
});

describe('RateLimitPolicy', () => {
  const policies: RateLimitPolicy[] = [];
  afterEach(async () => {
    await Promise.all(policies.splice(0).map((p) => p.close()));
  });

  it('refuses beyond qps with RateLimitedError carrying retry-after', async () => {
    const clock = new ManualClock(0);
    const policy = new RateLimitPolicy({ qps: 2 }, { name: 'api', clock });
    expect(await policy.execute(() => 1, { key: 'api' })).toBe(1);
    expect(await policy.execute(() => 2, { key: 'api' })).toBe(2);
    const error = (await settle(policy.execute(() => 3, { key: 'api' }))) as RateLimitedError;
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.code).toBe('RESILIENCE_RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.data).toEqual({ key: 'api', retryAfterMs: 1_000, limit: 'qps' });
  });

  it('pacing makes callers wait on the clock, then refuses past the queueing limit', async () => {
    const clock = new ManualClock(0);
    const policy = new RateLimitPolicy({ qps: 10, behavior: 'pacing', maxQueueingTimeMs: 250 }, { clock });
    const started: number[] = [];
    const call = () => {
      started.push(clock.now());
      return 'ok';
    };
    const runs = [0, 1, 2].map(() => policy.execute(call, { key: 'p' }));
    const refused = await settle(policy.execute(call, { key: 'p' }));
    expect(refused).toBeInstanceOf(RateLimitedError);
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advance(100);
    }
    await Promise.all(runs);
    expect(started).toEqual([0, 100, 200]);
  });

  it('limits concurrency and releases on completion', async () => {
    const policy = new RateLimitPolicy({ concurrency: 1 });
    let release!: () => void;
    const first = policy.execute(() => new Promise<void>((r) => (release = r)), { key: 'c' });
    const refused = (await settle(policy.execute(() => 1, { key: 'c' }))) as RateLimitedError;
    expect(refused.data.limit).toBe('concurrency');
    release();
    await first;
    expect(await policy.execute(() => 2, { key: 'c' })).toBe(2);
  });

  it('limits each hot parameter separately and keeps the key set bounded', async () => {
    const clock = new ManualClock(0);
    const policy = new RateLimitPolicy({ hotParam: { qps: 1, burst: 2, maxKeys: 100 } }, { clock });
    const call = (param: string) => settle(policy.execute(() => 'ok', { key: 'hub', param }));
    expect([await call('hub-1'), await call('hub-1'), await call('hub-2')]).toEqual(['ok', 'ok', 'ok']);
    const refused = (await call('hub-1')) as RateLimitedError;
    expect(refused.data).toEqual({ key: 'hub', retryAfterMs: 1_000, limit: 'hot-param' });
    clock.advance(1_000);
    expect(await call('hub-1')).toBe('ok');
    for (let i = 0; i < 10_000; i++) await call(`user-${i}`);
    expect(policy.snapshot().hotParamKeys).toBe(100);
  });

  it('queues locally with bottleneck and refuses past its queue bound', async () => {
    const policy = new RateLimitPolicy({ bottleneck: { maxConcurrent: 1, maxQueue: 1 } });
    policies.push(policy);
    let release!: () => void;
    const first = policy.execute(() => new Promise<string>((r) => (release = () => r('first'))), { key: 'bn' });
    await new Promise((r) => setImmediate(r));
    const second = policy.execute(() => 'second', { key: 'bn' });
    await new Promise((r) => setImmediate(r));
    const third = (await settle(policy.execute(() => 'third', { key: 'bn' }))) as RateLimitedError;
    expect(third).toBeInstanceOf(RateLimitedError);
    expect(third.data.limit).toBe('bottleneck');
    release();
    expect(await first).toBe('first');
    expect(await second).toBe('second');
  });
});
