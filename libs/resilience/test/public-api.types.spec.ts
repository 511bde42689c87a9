// Type tests for the public API where inference matters: decorator options, module options,
// pipeline results. `tsc -p tsconfig.json` checks the @ts-expect-error lines; jest only runs
// the few runtime assertions.
import { describe, expect, it } from '@jest/globals';
import {
  Bulkhead,
  CircuitBreaker,
  RateLimit,
  ResilienceModule,
  ResiliencePipeline,
  Retry,
  Timeout,
  type ResilienceModuleOptions,
} from '@lattice/resilience';

describe('public API types', () => {
  it('decorators take their own options', () => {
    Timeout({ timeoutMs: 100 });
    // @ts-expect-error timeoutMs is a number of milliseconds
    Timeout({ timeoutMs: '100ms' });
    CircuitBreaker({ slidingWindow: 'time', windowDurationMs: 10_000 });
    // @ts-expect-error the window is 'count' or 'time'
    CircuitBreaker({ slidingWindow: 'sliding' });
    Bulkhead({ maxConcurrent: 1, maxQueue: 2 });
    // @ts-expect-error maxConcurrent is required
    Bulkhead({ maxQueue: 2 });
    Retry({ maxAttempts: 2, budget: false });
    RateLimit({ qps: 5, paramFrom: (hubId: string) => hubId });
    expect(typeof Timeout.KEY).toBe('string');
  });

  it('forRootAsync infers the factory result as module options', () => {
    const module = ResilienceModule.forRootAsync({
      useFactory: (): ResilienceModuleOptions => ({ defaults: { timeout: { timeoutMs: 1_000 } } }),
    });
    ResilienceModule.forRootAsync({
      // @ts-expect-error defaults.timeout needs timeoutMs
      useFactory: () => ({ defaults: { timeout: { ms: 1 } } }),
    });
    expect(module.module).toBe(ResilienceModule);
  });

  it('execute keeps the call result type', async () => {
    const pipeline = new ResiliencePipeline({});
    const value: number = await pipeline.execute(() => 1);
    // @ts-expect-error the result is a number
    const wrong: string = await pipeline.execute(() => 1);
    expect([value, wrong]).toEqual([1, 1]);
  });
});
