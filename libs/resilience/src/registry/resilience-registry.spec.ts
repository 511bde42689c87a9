import { afterEach, describe, expect, it } from '@jest/globals';
import { InvalidOptionsError, ManualClock } from '@lattice/core';
import { MetricsRegistry } from '@lattice/telemetry';
import {
  InMemoryRuleSource,
  InvalidRulesError,
  RateLimitedError,
  ResilienceRegistry,
  TimeoutError,
  UnknownPolicyError,
} from '@lattice/resilience';

const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (v) => v,
    (e: unknown) => e,
  );

describe('ResilienceRegistry', () => {
  const registries: ResilienceRegistry[] = [];
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.close()));
  });
  const create = (options: ConstructorParameters<typeof ResilienceRegistry>[0]) => {
    const registry = new ResilienceRegistry(options);
    registries.push(registry);
    return registry;
  };

  it('merges defaults < code < rules defaults < rules per policy, key by key', () => {
    const registry = create({
      defaults: { timeout: { timeoutMs: 1_000 }, retry: { maxAttempts: 3, initialDelayMs: 50 } },
      policies: { 'device.get': { retry: { maxAttempts: 5 } } },
    });
    registry.applyRules({ defaults: { timeout: { timeoutMs: 2_000 } }, policies: { 'device.get': { retry: false } } });
    expect(registry.effective('device.get')).toEqual({ timeout: { timeoutMs: 2_000 }, retry: false });
    expect(registry.effective('other')).toEqual({
      timeout: { timeoutMs: 2_000 },
      retry: { maxAttempts: 3, initialDelayMs: 50 },
    });
  });

  it('validates code options at start, listing every problem', () => {
    const error = (() => {
      try {
        create({
          defaults: { timeout: { timeoutMs: -1 } },
          policies: { a: { rateLimit: { qps: 5, behavior: 'nope' } } },
        });
      } catch (e) {
        return e;
      }
    })() as InvalidOptionsError;
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error.data.problems.map((p) => p.path)).toEqual([
      'defaults.timeout.timeoutMs',
      'policies.a.rateLimit.behavior',
    ]);
  });

  it('throws UnknownPolicyError for an undefined name', () => {
    const registry = create({ policies: { a: {} } });
    expect(() => registry.get('b')).toThrow(UnknownPolicyError);
  });

  it('a live rule change takes effect in the running pipeline; an invalid one changes nothing', async () => {
    const clock = new ManualClock(0);
    const metrics = new MetricsRegistry({ processMetrics: false });
    const registry = create({ clock, metrics, policies: { commands: { rateLimit: { qps: 1 } } } });
    const rules = new InMemoryRuleSource();
    const unwatch = registry.watch(rules);
    const pipeline = registry.get('commands');
    const burst = async (n: number) => {
      let passed = 0;
      for (let i = 0; i < n; i++) if ((await settle(pipeline.execute(() => 'ok'))) === 'ok') passed++;
      return passed;
    };
    expect(await burst(5)).toBe(1);
    clock.advance(1_000);

    rules.set({ policies: { commands: { rateLimit: { qps: 3 } } } });
    expect(await burst(5)).toBe(3);
    clock.advance(1_000);

    // invalid as a whole: one bad policy among good ones → nothing changes
    rules.set({ policies: { commands: { rateLimit: { qps: 100 } }, other: { timeout: { timeoutMs: 'soon' } } } });
    expect(await burst(5)).toBe(3);
    expect(registry.has('other')).toBe(false);
    const snapshot = registry.snapshot();
    expect(snapshot.rules.applied).toBe(2); // initial (empty) + qps 3
    expect(snapshot.rules.refused).toBe(1);
    expect(snapshot.rules.lastRefusal?.problems[0]?.path).toBe('policies.other.timeout.timeoutMs');
    const text = await metrics.render();
    expect(text).toContain('resilience_rules_updates_total{outcome="refused"} 1');

    // rules can add a policy and switch a policy on
    clock.advance(1_000);
    rules.set({ policies: { commands: { rateLimit: { qps: 3 }, timeout: { timeoutMs: 50 } } } });
    const slow = settle(pipeline.execute(() => new Promise(() => undefined)));
    clock.advance(50);
    expect(await slow).toBeInstanceOf(TimeoutError);
    unwatch();
  });

  it('applyRules throws InvalidRulesError listing every problem', () => {
    const registry = create({});
    try {
      registry.applyRules({
        policies: { a: { circuitBreaker: { failureRateThresholdPercent: 150 }, bogus: 1 } },
        extra: true,
      });
      throw new Error('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRulesError);
      const paths = (error as InvalidRulesError).data.problems.map((p) => p.path).sort();
      expect(paths).toEqual(['', 'policies.a', 'policies.a.circuitBreaker.failureRateThresholdPercent']);
      expect((error as InvalidRulesError).code).toBe('RESILIENCE_INVALID_RULES');
    }
  });

  it('refuses a cluster limit without Redis', () => {
    const registry = create({});
    expect(() => registry.applyRules({ policies: { a: { rateLimit: { cluster: { qps: 10 } } } } })).toThrow(
      InvalidRulesError,
    );
  });

  it('exposes an admin snapshot with breaker states and limiter counters', async () => {
    const clock = new ManualClock(0);
    const registry = create({
      clock,
      policies: {
        device: {
          circuitBreaker: { minimumCalls: 1 },
          bulkhead: { maxConcurrent: 2 },
          rateLimit: { qps: 10 },
          retry: {},
        },
      },
    });
    await settle(registry.execute('device', () => Promise.reject(new Error('x')), { key: 'device:i-1' }));
    expect(await settle(registry.execute('device', () => 1, { key: 'device:i-2' }))).toBe(1);
    const [policy] = registry.snapshot().policies;
    expect(policy!.name).toBe('device');
    expect(policy!.policies).toEqual(['retry', 'circuitBreaker', 'rateLimit', 'bulkhead']);
    expect(policy!.breakers.map((b) => [b.key, b.state])).toEqual([
      ['device:i-1', 'open'],
      ['device:i-2', 'closed'],
    ]);
    expect(policy!.bulkhead).toEqual({ active: 0, queued: 0 });
    expect(policy!.rateLimit?.flow?.['passedLastSecond']).toBe(2);
    expect(policy!.retryBudget).toEqual({ calls: 2, retries: 0 });
    expect(await settle(registry.execute('device', () => 1, { key: 'device:i-1' }))).not.toBeInstanceOf(
      RateLimitedError,
    );
  });
});
