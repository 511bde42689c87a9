import { afterEach, describe, expect, it } from '@jest/globals';
import { LatticeError, ManualClock } from '@lattice/core';
import { MetricsRegistry } from '@lattice/telemetry';
import { BreakerOpenError, CircuitBreakerPolicy, TimeoutError, type BreakerStateChange } from '@lattice/resilience';

const ok = (): Promise<string> => Promise.resolve('ok');
const boom = (): Promise<never> => Promise.reject(new Error('boom'));
const key = { key: 'device:getShadow:a' };

const created: CircuitBreakerPolicy[] = [];
afterEach(() => {
  for (const policy of created.splice(0)) policy.close();
});

function setup(extra: ConstructorParameters<typeof CircuitBreakerPolicy>[0] = {}) {
  const clock = new ManualClock(1_000_000);
  const metrics = new MetricsRegistry({ processMetrics: false });
  const policy = new CircuitBreakerPolicy(
    {
      minimumCalls: 4,
      windowSizeCalls: 10,
      failureRateThresholdPercent: 50,
      openDurationMs: 5_000,
      halfOpenPermittedCalls: 2,
      clock,
      ...extra,
    },
    { name: 'device', metrics },
  );
  created.push(policy);
  const changes: BreakerStateChange[] = [];
  policy.onStateChange((c) => changes.push(c));
  return { clock, policy, changes, metrics };
}

async function settle(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => v,
    (e: unknown) => e,
  );
}

describe('CircuitBreakerPolicy', () => {
  it('stays closed below minimumCalls, then opens at the failure-rate threshold', async () => {
    const { policy, changes } = setup();
    await settle(policy.execute(boom, key));
    await settle(policy.execute(boom, key));
    await settle(policy.execute(boom, key));
    expect(policy.state(key.key)).toBe('closed'); // 3 calls < minimumCalls 4
    await policy.execute(ok, key);
    expect(policy.state(key.key)).toBe('open'); // 3/4 = 75% ≥ 50%
    expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual(['closed>open']);
  });

  it('rejects while open with BreakerOpenError and a retry-after, without calling', async () => {
    const { policy, clock } = setup();
    for (let i = 0; i < 4; i++) await settle(policy.execute(boom, key));
    clock.advance(1_000);
    let called = false;
    const error = await settle(
      policy.execute(() => {
        called = true;
        return ok();
      }, key),
    );
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect((error as BreakerOpenError).code).toBe('RESILIENCE_BREAKER_OPEN');
    expect((error as BreakerOpenError).data.retryAfterMs).toBe(4_000);
  });

  it('goes closed → open → half-open → closed on successful trial calls', async () => {
    const { policy, clock, changes } = setup();
    for (let i = 0; i < 4; i++) await settle(policy.execute(boom, key));
    clock.advance(4_999);
    expect(policy.state(key.key)).toBe('open');
    clock.advance(1);
    expect(policy.state(key.key)).toBe('half-open');
    await policy.execute(ok, key);
    expect(policy.state(key.key)).toBe('half-open'); // 1 of 2 permitted trial calls done
    await policy.execute(ok, key);
    expect(policy.state(key.key)).toBe('closed');
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open', 'closed']);
    // the window was reset on closing: three failures do not reopen it
    for (let i = 0; i < 3; i++) await settle(policy.execute(boom, key));
    expect(policy.state(key.key)).toBe('closed');
  });

  it('goes half-open → open when the trial calls fail, and limits trial calls', async () => {
    const { policy, clock, changes } = setup();
    for (let i = 0; i < 4; i++) await settle(policy.execute(boom, key));
    clock.advance(5_000);
    let release!: () => void;
    const slowTrial = policy.execute(() => new Promise<void>((r) => (release = r)), key);
    const failedTrial = settle(policy.execute(boom, key));
    // both permits are taken: a third call is refused
    expect(await settle(policy.execute(ok, key))).toBeInstanceOf(BreakerOpenError);
    release();
    await slowTrial;
    await failedTrial;
    expect(policy.state(key.key)).toBe('open'); // 1 of 2 failed = 50% ≥ 50%
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open', 'open']);
    expect(changes[2]!.atMs).toBe(clock.now());
  });

  it('opens on the slow-call rate even when every call succeeds', async () => {
    const { policy, clock } = setup({ slowCallDurationMs: 1_000, slowCallRateThresholdPercent: 50 });
    const slowOk = () =>
      new Promise<string>((resolve) => {
        clock.setTimeout(() => resolve('late'), 1_500);
      });
    for (let i = 0; i < 2; i++) {
      const p = policy.execute(slowOk, key);
      clock.advance(1_500);
      await p;
    }
    await policy.execute(ok, key);
    expect(policy.state(key.key)).toBe('closed'); // 3 calls < minimumCalls
    await policy.execute(ok, key);
    expect(policy.state(key.key)).toBe('open'); // 2/4 slow = 50%
  });

  it('does not count 4xx client errors (error filter) but counts timeouts and 5xx', async () => {
    const { policy } = setup();
    const notFound = () => Promise.reject(new LatticeError('DEVICE_NOT_FOUND', 'no such device', { status: 404 }));
    const httpish = () => Promise.reject(Object.assign(new Error('bad request'), { statusCode: 400 }));
    for (let i = 0; i < 10; i++) await settle(policy.execute(i % 2 ? notFound : httpish, key));
    expect(policy.state(key.key)).toBe('closed');
    expect(policy.snapshot()[0]!.calls).toBe(0);
    for (let i = 0; i < 4; i++) await settle(policy.execute(() => Promise.reject(new TimeoutError('k', 10)), key));
    expect(policy.state(key.key)).toBe('open');
  });

  it('uses a custom error filter', async () => {
    const { policy } = setup({ recordError: (e) => (e as Error).message !== 'expected' });
    for (let i = 0; i < 6; i++) await settle(policy.execute(() => Promise.reject(new Error('expected')), key));
    expect(policy.state(key.key)).toBe('closed');
  });

  it('judges a time-based window over windowDurationMs only', async () => {
    const { policy, clock } = setup({ slidingWindow: 'time', windowDurationMs: 10_000 });
    for (let i = 0; i < 3; i++) await settle(policy.execute(boom, key));
    clock.advance(10_000); // those failures leave the window
    await settle(policy.execute(boom, key));
    expect(policy.state(key.key)).toBe('closed');
    for (let i = 0; i < 3; i++) await settle(policy.execute(boom, key));
    expect(policy.state(key.key)).toBe('open');
  });

  it('keeps breakers per key, lazily, bounded by an LRU', async () => {
    const { policy } = setup({ maxBreakers: 3 });
    for (const k of ['a', 'b', 'c', 'd']) await policy.execute(ok, { key: k });
    expect(policy.size).toBe(3);
    expect(policy.snapshot().map((s) => s.key)).toEqual(['b', 'c', 'd']);
    for (let i = 0; i < 4; i++) await settle(policy.execute(boom, { key: 'b' }));
    expect(policy.state('b')).toBe('open');
    expect(policy.state('c')).toBe('closed');
    policy.close();
  });

  it('reports state and outcomes as metrics', async () => {
    const { policy, metrics } = setup();
    for (let i = 0; i < 4; i++) await settle(policy.execute(boom, key));
    await settle(policy.execute(ok, key));
    const text = await metrics.render();
    expect(text).toContain('resilience_breaker_state{policy="device",key="device:getShadow:a"} 1');
    expect(text).toContain(
      'resilience_breaker_calls_total{policy="device",key="device:getShadow:a",outcome="failure"} 4',
    );
    expect(text).toContain(
      'resilience_breaker_calls_total{policy="device",key="device:getShadow:a",outcome="rejected"} 1',
    );
    const snap = policy.snapshot()[0]!;
    expect(snap.stats.rejects).toBe(1);
    expect(snap.stats.failures).toBe(4);
  });

  it('counts closed calls in the stats as they pass: fires, successes, failures, ignored errors as successes', async () => {
    const { policy } = setup({ minimumCalls: 100, recordError: (e) => !(e instanceof TypeError) });
    await settle(policy.execute(ok, key));
    await settle(policy.execute(ok, key));
    await settle(policy.execute(boom, key));
    const ignored = await settle(policy.execute(() => Promise.reject(new TypeError('caller bug')), key));
    expect(ignored).toBeInstanceOf(TypeError);
    expect(policy.snapshot()[0]!.stats).toEqual({ fires: 4, successes: 3, failures: 1, rejects: 0 });
  });

  it('counts rejections as fires and rejects, and forgets counts that rolled out of the window', async () => {
    const { policy, clock } = setup({ windowDurationMs: 10_000 });
    for (let i = 0; i < 4; i++) await settle(policy.execute(boom, key)); // opens
    await settle(policy.execute(ok, key)); // rejected while open
    expect(policy.snapshot()[0]!.stats).toEqual({ fires: 5, successes: 0, failures: 4, rejects: 1 });
    clock.advance(5_000); // half-open: 2 trial permits, a third call is refused
    const trials = [policy.execute(() => new Promise((r) => setTimeout(r, 1)), key), policy.execute(ok, key)];
    expect(await settle(policy.execute(ok, key))).toBeInstanceOf(BreakerOpenError);
    await Promise.all(trials);
    expect(policy.snapshot()[0]!.stats).toEqual({ fires: 8, successes: 2, failures: 4, rejects: 2 });
    clock.advance(10_000); // everything above is older than the window
    await policy.execute(ok, key);
    expect(policy.snapshot()[0]!.stats).toEqual({ fires: 1, successes: 1, failures: 0, rejects: 0 });
  });
});
