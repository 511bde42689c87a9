import { describe, expect, it } from '@jest/globals';
import { TurnBatch } from './turn-batch.js';

describe('TurnBatch', () => {
  it('runs the calls of one turn as one batch and answers each in call order', async () => {
    const batches: number[][] = [];
    const double = new TurnBatch<number, number>((items) => {
      batches.push([...items]);
      return Promise.resolve(items.map((n) => n * 2));
    });
    expect(await Promise.all([double.add(1), double.add(2), double.add(3)])).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(await double.add(4)).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('starts a new batch once one is full, keeping call order across batches', async () => {
    const batches: string[][] = [];
    const echo = new TurnBatch<string, string>((items) => {
      batches.push([...items]);
      return Promise.resolve(items);
    }, 2);
    expect(await Promise.all(['a', 'b', 'c', 'd', 'e'].map((s) => echo.add(s)))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('fails only the calls of the batch that failed, and the next batch runs again', async () => {
    const flaky = new TurnBatch<number, number>(
      (items) => (items.includes(3) ? Promise.reject(new Error('no 3')) : Promise.resolve([...items])),
      2,
    );
    const settled = await Promise.allSettled([1, 2, 3, 4].map((n) => flaky.add(n)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect(await flaky.add(5)).toBe(5);
  });

  it('rejects a batch whose run answers the wrong number of results instead of resolving undefined', async () => {
    const short = new TurnBatch<number, number>((items) => Promise.resolve(items.slice(1)));
    await expect(Promise.all([short.add(1), short.add(2)])).rejects.toThrow('answered 1 results for 2 items');
  });

  it('refuses a batch size that is not a positive integer', () => {
    expect(() => new TurnBatch<number, number>(() => Promise.resolve([]), 0)).toThrow(RangeError);
  });
});
