import { describe, expect, it } from '@jest/globals';
import { nextCron, nextFire, nextSun } from '../testing.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const at = (text: string): number => Date.parse(text);

function series(expression: string, zone: string, from: string, count: number): (string | null)[] {
  const out: (string | null)[] = [];
  let cursor = at(from);
  for (let i = 0; i < count; i++) {
    const next = nextCron(expression, zone, cursor);
    out.push(iso(next));
    if (next === null) break;
    cursor = next;
  }
  return out;
}

describe('cron with seconds and IANA zones', () => {
  it('fires on seconds', () => {
    expect(series('*/20 * * * * *', 'UTC', '2026-01-01T00:00:05Z', 3)).toEqual([
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:40.000Z',
      '2026-01-01T00:01:00.000Z',
    ]);
  });

  it('Europe/Berlin spring-forward: 02:30 does not exist and fires once, after the gap', () => {
    // 2026-03-29 02:00 CET -> 03:00 CEST
    expect(series('0 30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', 3)).toEqual([
      '2026-03-29T01:30:00.000Z', // 03:30 CEST, not lost
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('Europe/Berlin fall-back: 02:30 occurs twice and fires once', () => {
    // 2026-10-25 03:00 CEST -> 02:00 CET
    expect(series('0 30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 3)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, first occurrence
      '2026-10-26T01:30:00.000Z', // next day, 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ]);
    // Even when computed from inside the repeated hour (after downtime), the second 02:30 is skipped.
    expect(iso(nextCron('0 30 2 * * *', 'Europe/Berlin', at('2026-10-25T01:00:00Z')))).toBe('2026-10-26T01:30:00.000Z');
  });

  it('Europe/Berlin fall-back: a wildcard-hour schedule follows real time through both 02:xx hours', () => {
    expect(series('0 0,30 * * * *', 'Europe/Berlin', '2026-10-24T23:45:00Z', 5)).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ]);
  });

  it('America/New_York spring-forward: 02:30 fires once after the gap', () => {
    // 2026-03-08 02:00 EST -> 03:00 EDT
    expect(series('0 30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 3)).toEqual([
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('America/New_York fall-back: 01:30 occurs twice and fires once', () => {
    // 2026-11-01 02:00 EDT -> 01:00 EST
    expect(series('0 30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 3)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-02T06:30:00.000Z', // 01:30 EST next day
      '2026-11-03T06:30:00.000Z',
    ]);
    expect(iso(nextCron('0 30 1 * * *', 'America/New_York', at('2026-11-01T06:10:00Z')))).toBe(
      '2026-11-02T06:30:00.000Z',
    );
  });

  it('rejects a malformed expression with a typed error', () => {
    expect(() => nextCron('61 * * * * *', 'UTC', 0)).toThrow(
      expect.objectContaining({ code: 'SCHEDULER_INVALID_CRON' }),
    );
  });
});

describe('other time triggers', () => {
  it('one-shot fires once', () => {
    expect(nextFire({ type: 'at', atMs: 1000 }, 0)).toBe(1000);
    expect(nextFire({ type: 'at', atMs: 1000 }, 1000)).toBeNull();
  });

  it('interval is aligned to its start', () => {
    const trigger = { type: 'interval' as const, everyMs: 1000, startMs: 500 };
    expect(nextFire(trigger, 0)).toBe(500);
    expect(nextFire(trigger, 500)).toBe(1500);
    expect(nextFire(trigger, 10_700)).toBe(11_500);
    expect(nextFire({ ...trigger, endMs: 2500 }, 1500)).toBe(null);
  });

  it('sunset with an offset in Berlin is in the evening and advances a day at a time', () => {
    const first = nextSun('sunset', -15 * 60_000, 52.52, 13.405, at('2026-06-21T00:00:00Z'))!;
    // Berlin midsummer sunset is ~19:33 UTC; 15 minutes earlier.
    expect(Math.abs(first - at('2026-06-21T19:18:00Z'))).toBeLessThan(5 * 60_000);
    const second = nextSun('sunset', -15 * 60_000, 52.52, 13.405, first)!;
    expect(second - first).toBeGreaterThan(23.9 * 3_600_000);
    expect(second - first).toBeLessThan(24.1 * 3_600_000);
  });
});
