import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from '@jest/globals';
import { newId } from './new-id.js';

/** Heap bytes each of `count` ids from `make` keeps while they are held. */
function retainedPerId(make: () => string, count: number): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  const ids = Array.from({ length: count }, make);
  gc();
  const after = process.memoryUsage().heapUsed;
  expect(new Set(ids).size).toBe(count);
  return (after - before) / count;
}

describe('newId', () => {
  it('is a random UUID v4', () => {
    expect(newId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newId()).not.toBe(newId());
  });

  it('keeps a fraction of the heap of a plain randomUUID()', () => {
    // Hot enough to be optimised first: the character read must not be dropped as dead code.
    for (let i = 0; i < 100_000; i++) newId();
    const flat = retainedPerId(newId, 20_000);
    const tree = retainedPerId(randomUUID, 20_000);
    // ~60-70 bytes (string and array slot) against ~500 for the concatenation tree.
    expect(flat).toBeLessThan(120);
    expect(tree).toBeGreaterThan(3 * flat);
  });
});
