import { describe, expect, it } from '@jest/globals';
import { ReadThrottle } from './read-throttle.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('read throttle', () => {
  it('asks readers to hold their connection only once a turn read its budget, and not in the next turn', async () => {
    const throttle = new ReadThrottle(3);
    expect([throttle.frameRead(), throttle.frameRead(), throttle.frameRead()]).toEqual([false, false, false]);
    expect(throttle.frameRead()).toBe(true);
    await nextTurn();
    expect(throttle.frameRead()).toBe(false);
  });

  it('resumes held connections oldest first in later turns, never in the turn that held them', async () => {
    const throttle = new ReadThrottle(3);
    const resumed: number[] = [];
    for (let i = 0; i < 5; i++) throttle.held(() => resumed.push(i));
    expect(resumed).toEqual([]);
    expect(throttle.heldConnections).toBe(5);
    await nextTurn();
    expect(resumed).toEqual([0, 1, 2, 3, 4]);
    expect(throttle.heldConnections).toBe(0);
  });

  it('resumes fewer connections per turn after a turn that read past its budget', async () => {
    const throttle = new ReadThrottle(1);
    const resumed: number[] = [];
    for (let i = 0; i < 200; i++) throttle.held(() => resumed.push(i));
    // Every turn reads past its budget (as when resumed hubs bring their backlog).
    const perTurn: number[] = [];
    while (throttle.heldConnections > 0 && perTurn.length < 6) {
      const before = resumed.length;
      throttle.frameRead();
      throttle.frameRead();
      await nextTurn();
      perTurn.push(resumed.length - before);
    }
    expect(perTurn.slice(0, 4)).toEqual([32, 16, 8, 4]);
    expect(resumed.slice(0, 60)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('resumes everything at once when the instance stops', () => {
    const throttle = new ReadThrottle(1);
    const resumed: number[] = [];
    for (let i = 0; i < 3; i++) throttle.held(() => resumed.push(i));
    throttle.resumeAll();
    expect(resumed).toEqual([0, 1, 2]);
    expect(throttle.heldConnections).toBe(0);
  });
});
