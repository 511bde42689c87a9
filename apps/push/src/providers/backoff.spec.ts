import { describe, expect, it } from '@jest/globals';
import { BackoffRegistry, EqualJitterBackoff, FullJitterBackoff } from './backoff.js';

const settings = { initialDelayMs: 100, maxDelayMs: 1000 };

describe('back-off strategies', () => {
  it('full jitter draws uniformly below the capped exponential, never under Retry-After', () => {
    const full = new FullJitterBackoff();
    expect(full.delayMs(1, settings, 0, () => 0.999)).toBe(99);
    expect(full.delayMs(3, settings, 0, () => 0.5)).toBe(200);
    expect(full.delayMs(10, settings, 0, () => 0.5)).toBe(500);
    expect(full.delayMs(1, settings, 0, () => 0)).toBe(0);
    expect(full.delayMs(1, settings, 5000, () => 0.5)).toBe(5000);
  });

  it('equal jitter keeps half of the delay fixed', () => {
    const equal = new EqualJitterBackoff();
    expect(equal.delayMs(2, settings, 0, () => 0)).toBe(100);
    expect(equal.delayMs(2, settings, 0, () => 0.999)).toBe(199);
  });

  it('resolves strategies by name, registers custom ones and refuses unknown names', () => {
    const registry = new BackoffRegistry();
    expect(registry.get('full-jitter')).toBeInstanceOf(FullJitterBackoff);
    registry.register('fixed', { delayMs: (_n, s) => s.initialDelayMs });
    expect(registry.get('fixed').delayMs(7, settings)).toBe(100);
    expect(() => registry.get('fibonacci')).toThrow(expect.objectContaining({ code: 'PUSH_UNKNOWN_BACKOFF' }));
  });
});
