import { describe, expect, it } from '@jest/globals';
import { TurnBatch } from './turn-batch.js';

describe('TurnBatch', () => {
  it('runs the calls of one turn together, in order and in chunks, each with its own answer', async () => {
    const runs: number[][] = [];
    const batch = new TurnBatch<number, number>((inputs) => {
      runs.push([...inputs]);
      return Promise.resolve(inputs.map((n) => n * 10));
    }, 3);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => batch.add(n)));
    expect(answers).toEqual([10, 20, 30, 40, 50]);
    expect(runs).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(await batch.add(6)).toBe(60);
    expect(runs).toHaveLength(3);
  });

  it('fails only the calls of a chunk that failed', async () => {
    const batch = new TurnBatch<number, number>(
      (inputs) => (inputs.includes(3) ? Promise.reject(new Error('no 3')) : Promise.resolve([...inputs])),
      2,
    );
    const settled = await Promise.allSettled([1, 2, 3, 4].map((n) => batch.add(n)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
  });
});
