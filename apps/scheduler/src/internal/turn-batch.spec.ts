import { describe, expect, it } from '@jest/globals';
import { TurnBatch } from './turn-batch.js';

describe('TurnBatch', () => {
  it('runs the calls of one turn as one batch and answers each in call order', async () => {
    const batches: number[][] = [];
    const double = new TurnBatch<number, number>(async (items) => {
      batches.push([...items]);
      return Promise.resolve(items.map((n) => n * 2));
    });
    const answers = await Promise.all([double.add(1), double.add(2), double.add(3)]);
    expect(answers).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(await double.add(4)).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('starts a new batch once one is full', async () => {
    const batches: string[][] = [];
    const echo = new TurnBatch<string, string>(async (items) => {
      batches.push([...items]);
      return Promise.resolve(items);
    }, 2);
    expect(await Promise.all(['a', 'b', 'c'].map((s) => echo.add(s)))).toEqual(['a', 'b', 'c']);
    expect(batches).toEqual([['a', 'b'], ['c']]);
  });

  it('rejects every call of a batch that fails, and the next batch runs again', async () => {
    let fail = true;
    const flaky = new TurnBatch<number, number>(async (items) => {
      if (fail) throw new Error('redis went away');
      return Promise.resolve([...items]);
    });
    const results = await Promise.allSettled([flaky.add(1), flaky.add(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await flaky.add(3)).toBe(3);
  });
});
