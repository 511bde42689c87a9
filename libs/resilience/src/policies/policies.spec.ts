import { describe, expect, it } from '@jest/globals';
import { LatticeError, ManualClock } from '@lattice/core';
import {
  BulkheadFullError,
  BulkheadPolicy,
  FallbackPolicy,
  RetryBudget,
  RetryExhaustedError,
  RetryPolicy,
  TimeoutError,
  TimeoutPolicy,
  isRetryableError,
} from '@lattice/resilience';

const transient = (): LatticeError => new LatticeError('DEP_UNAVAILABLE', 'down', { retryable: true, status: 503 });
const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (v) => v,
    (e: unknown) => e,
  );
/** Lets pending promise callbacks run (no timers involved). */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('TimeoutPolicy', () => {
  it('aborts the signal and rejects with TimeoutError at the deadline', async () => {
    const clock = new ManualClock(0);
    const timeout = new TimeoutPolicy({ timeoutMs: 100, clock });
    let seen: AbortSignal | undefined;
    const result = settle(
      timeout.execute(
        ({ signal }) => {
          seen = signal;
          return new Promise(() => undefined);
        },
        { key: 'slow' },
      ),
    );
    clock.advance(99);
    expect(seen!.aborted).toBe(false);
    clock.advance(1);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('RESILIENCE_TIMEOUT');
    expect((error as TimeoutError).retryable).toBe(true);
    expect(seen!.aborted).toBe(true);
    expect(seen!.reason).toBe(error);
    expect(clock.pendingTimers).toBe(0);
  });

  it('passes values through; one timer watches every deadline, in call order', async () => {
    const clock = new ManualClock(0);
    const timeout = new TimeoutPolicy({ timeoutMs: 100, clock });
    expect(await timeout.execute(() => 42, { key: 'k' })).toBe(42);
    expect(timeout.pending).toBe(0);
    const hang = () => new Promise<never>(() => undefined);
    const first = settle(timeout.execute(hang, { key: 'a' }));
    clock.advance(30);
    let release!: (v: string) => void;
    const quick = timeout.execute(() => new Promise<string>((r) => (release = r)), { key: 'b' });
    clock.advance(30);
    const second = settle(timeout.execute(hang, { key: 'c' }));
    expect(timeout.pending).toBe(3);
    expect(clock.pendingTimers).toBe(1);
    release('done');
    expect(await quick).toBe('done');
    clock.advance(40); // t=100: a expires
    expect(((await first) as TimeoutError).data.key).toBe('a');
    expect(timeout.pending).toBe(1);
    clock.advance(59);
    expect(timeout.pending).toBe(1);
    clock.advance(1); // t=160: c expires
    expect(((await second) as TimeoutError).data.key).toBe('c');
    expect(clock.pendingTimers).toBe(0);
    timeout.close();
  });

  it('follows the caller signal', async () => {
    const clock = new ManualClock(0);
    const timeout = new TimeoutPolicy({ timeoutMs: 100, clock });
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const p = timeout.execute(
      ({ signal }) => {
        seen = signal;
        return new Promise((_, reject) => signal!.addEventListener('abort', () => reject(signal!.reason as Error)));
      },
      { key: 'k', signal: caller.signal },
    );
    caller.abort(new Error('caller gave up'));
    expect(((await settle(p)) as Error).message).toBe('caller gave up');
    expect(seen!.aborted).toBe(true);
  });
});

describe('RetryPolicy', () => {
  it('retries retryable errors with full-jitter exponential back-off', async () => {
    const clock = new ManualClock(0);
    const retry = new RetryPolicy({
      maxAttempts: 4,
      initialDelayMs: 100,
      multiplier: 2,
      random: () => 0.5,
      budget: false,
      clock,
    });
    expect([1, 2, 3, 4].map((n) => retry.delayFor(n))).toEqual([50, 100, 200, 400]);
    const attempts: number[] = [];
    const p = retry.execute(
      ({ attempt }) => {
        attempts.push(attempt ?? 1);
        return attempts.length < 3 ? Promise.reject(transient()) : Promise.resolve('ok');
      },
      { key: 'k' },
    );
    await flush();
    clock.advance(50);
    await flush();
    clock.advance(100);
    expect(await p).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('caps the back-off at maxDelayMs and keeps jitter in [0, cap)', () => {
    const retry = new RetryPolicy({ initialDelayMs: 100, maxDelayMs: 300, random: () => 0.999 });
    expect(retry.delayFor(10)).toBeLessThan(300);
    expect(retry.delayFor(10)).toBeGreaterThan(299);
  });

  it('never retries a non-retryable error and rethrows it unchanged', async () => {
    const retry = new RetryPolicy({ maxAttempts: 5 });
    let calls = 0;
    const original = new LatticeError('DEVICE_NOT_FOUND', 'nope', { status: 404 });
    const error = await settle(
      retry.execute(
        () => {
          calls++;
          return Promise.reject(original);
        },
        { key: 'k' },
      ),
    );
    expect(error).toBe(original);
    expect(calls).toBe(1);
    expect(isRetryableError(new Error('plain'))).toBe(false);
    expect(isRetryableError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
  });

  it('throws RetryExhaustedError with the last error as cause after maxAttempts', async () => {
    const clock = new ManualClock(0);
    const retry = new RetryPolicy({ maxAttempts: 2, random: () => 0, budget: false, clock });
    const last = transient();
    const error = (await settle(retry.execute(() => Promise.reject(last), { key: 'dep' }))) as RetryExhaustedError;
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error.code).toBe('RESILIENCE_RETRY_EXHAUSTED');
    expect(error.data).toEqual({ key: 'dep', attempts: 2, reason: 'attempts' });
    expect(error.cause).toBe(last);
    expect(error.status).toBe(503);
  });

  it('holds the retry budget under 100% failure', async () => {
    const clock = new ManualClock(0);
    const retry = new RetryPolicy({
      maxAttempts: 3,
      random: () => 0,
      budget: { ratio: 0.2, windowMs: 10_000, minRetries: 3 },
      clock,
    });
    let attempts = 0;
    const calls = 500;
    const results: unknown[] = [];
    for (let i = 0; i < calls; i++) {
      results.push(
        await settle(
          retry.execute(
            () => {
              attempts++;
              return Promise.reject(transient());
            },
            { key: 'k' },
          ),
        ),
      );
      clock.advance(10); // 500 calls over 5 s, all inside one 10 s window
    }
    const retries = attempts - calls;
    expect(retries).toBeLessThanOrEqual(Math.ceil(0.2 * calls) + 3);
    expect(retries).toBeGreaterThan(0.15 * calls);
    expect(results.filter((e) => (e as RetryExhaustedError).data.reason === 'budget').length).toBeGreaterThan(300);
  });

  it('budget: retries ≤ max(minRetries, ratio × calls) in the window, and the window slides', () => {
    const clock = new ManualClock(0);
    const budget = new RetryBudget({ ratio: 0.1, windowMs: 1_000, minRetries: 0, clock });
    for (let i = 0; i < 50; i++) budget.recordCall();
    let granted = 0;
    while (budget.tryAcquire()) granted++;
    expect(granted).toBe(5);
    clock.advance(1_000);
    expect(budget.snapshot()).toEqual({ calls: 0, retries: 0 });
    expect(budget.tryAcquire()).toBe(false);
  });
});

describe('BulkheadPolicy', () => {
  it('runs maxConcurrent, queues maxQueue in FIFO order and rejects the rest', async () => {
    const bulkhead = new BulkheadPolicy({ maxConcurrent: 2, maxQueue: 1 });
    const releases: (() => void)[] = [];
    const order: number[] = [];
    const task = (n: number) => () =>
      new Promise<number>((resolve) => {
        order.push(n);
        releases.push(() => resolve(n));
      });
    const a = bulkhead.execute(task(1), { key: 'b' });
    const b = bulkhead.execute(task(2), { key: 'b' });
    const c = bulkhead.execute(task(3), { key: 'b' });
    const rejected = await settle(bulkhead.execute(task(4), { key: 'b' }));
    expect(rejected).toBeInstanceOf(BulkheadFullError);
    expect((rejected as BulkheadFullError).data).toEqual({ key: 'b', maxConcurrent: 2, maxQueue: 1 });
    expect([bulkhead.active, bulkhead.queued]).toEqual([2, 1]);
    releases[0]!();
    await a;
    await flush();
    expect(order).toEqual([1, 2, 3]);
    releases[1]!();
    releases[2]!();
    expect(await Promise.all([b, c])).toEqual([2, 3]);
    await flush();
    expect([bulkhead.active, bulkhead.queued]).toEqual([0, 0]);
  });

  it('releases the slot when the call fails, and a waiter whose signal aborts leaves the queue', async () => {
    const bulkhead = new BulkheadPolicy({ maxConcurrent: 1, maxQueue: 5 });
    await settle(bulkhead.execute(() => Promise.reject(new Error('x')), { key: 'b' }));
    await flush();
    expect(bulkhead.active).toBe(0);
    let release!: () => void;
    const running = bulkhead.execute(() => new Promise<void>((r) => (release = r)), { key: 'b' });
    const controller = new AbortController();
    const waiting = settle(bulkhead.execute(() => 'never', { key: 'b', signal: controller.signal }));
    expect(bulkhead.queued).toBe(1);
    controller.abort(new Error('gone'));
    expect(((await waiting) as Error).message).toBe('gone');
    expect(bulkhead.queued).toBe(0);
    release();
    await running;
  });
});

describe('FallbackPolicy', () => {
  it('answers a value or a function of the error, optionally filtered', async () => {
    expect(
      await new FallbackPolicy({ value: 'cached' }).execute(() => Promise.reject(new Error('x')), { key: 'k' }),
    ).toBe('cached');
    const byError = new FallbackPolicy({ handler: (e) => `degraded: ${(e as Error).message}` });
    expect(await byError.execute(() => Promise.reject(new Error('down')), { key: 'k' })).toBe('degraded: down');
    const filtered = new FallbackPolicy({ value: 1, when: (e) => e instanceof TimeoutError });
    expect(
      ((await settle(filtered.execute(() => Promise.reject(new Error('other')), { key: 'k' }))) as Error).message,
    ).toBe('other');
    expect(await new FallbackPolicy({ value: 0 }).execute(() => 5, { key: 'k' })).toBe(5);
  });
});
