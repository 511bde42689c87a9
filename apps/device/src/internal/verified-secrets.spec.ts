import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@lattice/core';
import { VerifiedSecrets } from './verified-secrets.js';

describe('verified hub secrets', () => {
  it('remembers a verified pair for its TTL, never a wrong secret or a changed hash', () => {
    const clock = new ManualClock(1000);
    const cache = new VerifiedSecrets(clock, 60_000, 10);
    const key = cache.key('hub-1', 'secret-a');
    expect(key).not.toContain('secret-a');
    expect(cache.key('hub-1', 'secret-a')).toBe(key);
    expect(cache.key('hub-1', 'secret-b')).not.toBe(key);
    expect(cache.key('hub-2', 'secret-a')).not.toBe(key);
    expect(cache.has(key, 'hash-1')).toBe(false);
    cache.add(key, 'hash-1');
    expect(cache.has(key, 'hash-1')).toBe(true);
    expect(cache.has(cache.key('hub-1', 'secret-b'), 'hash-1')).toBe(false);
    expect(cache.has(key, 'hash-2')).toBe(false); // the secret was re-issued: full check again
    cache.add(key, 'hash-1');
    clock.advance(60_000);
    expect(cache.has(key, 'hash-1')).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const cache = new VerifiedSecrets(new ManualClock(), 60_000, 2);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => cache.key(id, 's')) as [string, string, string];
    cache.add(a, 'h');
    cache.add(b, 'h');
    expect(cache.has(a, 'h')).toBe(true); // a is now the most recent
    cache.add(c, 'h');
    expect(cache.size).toBe(2);
    expect(cache.has(b, 'h')).toBe(false);
    expect(cache.has(a, 'h')).toBe(true);
    expect(cache.has(c, 'h')).toBe(true);
  });

  it('remembers nothing when turned off', () => {
    const cache = new VerifiedSecrets(new ManualClock(), 0, 10);
    const key = cache.key('hub-1', 's');
    cache.add(key, 'h');
    expect(cache.has(key, 'h')).toBe(false);
  });
});
