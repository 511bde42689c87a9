import { describe, expect, it } from '@jest/globals';
import { ManualClock, systemClock } from '@lattice/core';

describe('ManualClock', () => {
  it('fires timers in due order only when time is advanced past them', () => {
    const clock = new ManualClock(1_000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@300'), 300);
    clock.setTimeout(() => fired.push('a@100'), 100);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual(['a@100']);
    expect(clock.now()).toBe(1_100);
    clock.advance(500);
    expect(fired).toEqual(['a@100', 'b@300']);
    expect(clock.now()).toBe(1_600);
  });

  it('runs timers scheduled by a firing timer when they fall inside the same advance', () => {
    const clock = new ManualClock();
    const at: number[] = [];
    clock.setTimeout(() => {
      at.push(clock.now());
      clock.setTimeout(() => at.push(clock.now()), 50);
    }, 100);
    clock.advance(200);
    expect(at).toEqual([100, 150]);
  });

  it('does not fire cleared timers', () => {
    const clock = new ManualClock();
    let fired = false;
    const timer = clock.setTimeout(() => (fired = true), 10);
    clock.clearTimeout(timer);
    clock.advance(100);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('systemClock', () => {
  it('reads the wall clock and uses real timers', async () => {
    const before = Date.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(before);
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5));
  });
});
