import { CronExpressionParser } from 'cron-parser';
import SunCalc from 'suncalc';
import { InvalidCronError } from '../scheduler.errors.js';
import type { Trigger } from '../rules/rule.schema.js';

const DAY_MS = 86_400_000;
// A cache of immutable formatters by zone (pure function of its key): building one costs
// far more than formatting, and sharing it between app instances cannot change a result.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local wall-clock time of an instant in a zone, as `YYYY-MM-DD HH:MM:SS`. */
export function wallClock(epochMs: number, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('sv-SE', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter.format(new Date(epochMs));
}

/** Throws {@link InvalidCronError} unless the expression parses (5 or 6 fields). */
export function assertCron(expression: string, timeZone: string): void {
  try {
    CronExpressionParser.parse(expression, { tz: timeZone, strict: false });
  } catch (error) {
    throw new InvalidCronError(expression, error instanceof Error ? error.message : String(error));
  }
}

function hourIsFixed(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  const hour = fields.length >= 6 ? fields[2] : fields[1];
  return hour !== undefined && hour !== '*' && !hour.includes('/');
}

/**
 * Next cron firing strictly after `afterMs`, in `timeZone`.
 *
 * DST: a wall-clock time skipped at spring-forward fires once just after the gap (the
 * parser moves it forward); at fall-back a fixed-hour time that occurs twice fires only on
 * its first occurrence — we detect the second one (same wall-clock time one offset-change
 * earlier) and skip it. Expressions with a wildcard or stepped hour follow real time.
 */
export function nextCron(expression: string, timeZone: string, afterMs: number): number | null {
  const fixed = hourIsFixed(expression);
  let iterator;
  try {
    iterator = CronExpressionParser.parse(expression, { currentDate: new Date(afterMs), tz: timeZone });
  } catch (error) {
    throw new InvalidCronError(expression, error instanceof Error ? error.message : String(error));
  }
  for (let i = 0; i < 1000; i++) {
    let candidate: number;
    try {
      candidate = iterator.next().getTime();
    } catch {
      return null;
    }
    if (candidate <= afterMs) continue;
    if (fixed) {
      const local = wallClock(candidate, timeZone);
      // A repeated hour is at most 1 h (2 h in no zone in use today) earlier.
      if (wallClock(candidate - 3_600_000, timeZone) === local || wallClock(candidate - 1_800_000, timeZone) === local)
        continue;
    }
    return candidate;
  }
  return null;
}

/** Next sunrise/sunset (+ offset) strictly after `afterMs` at a location. */
export function nextSun(
  event: 'sunrise' | 'sunset',
  offsetMs: number,
  latitude: number,
  longitude: number,
  afterMs: number,
): number | null {
  for (let day = -1; day <= 370; day++) {
    const times = SunCalc.getTimes(new Date(afterMs + day * DAY_MS), latitude, longitude);
    const at = times[event].getTime();
    if (Number.isFinite(at) && at + offsetMs > afterMs) return at + offsetMs;
  }
  return null; // polar night or day at this latitude for a year
}

/** Whether the sun is above the horizon at an instant and place. */
export function sunIsUp(epochMs: number, latitude: number, longitude: number): boolean {
  return SunCalc.getPosition(new Date(epochMs), latitude, longitude).altitude > -0.833 * (Math.PI / 180);
}

/**
 * The next time a time-based trigger is due strictly after `afterMs`, or null when it
 * never fires again (a past one-shot) or is not time-based.
 *
 * @example
 * ```ts
 * nextFire({ type: 'cron', expression: '0 30 7 * * *', timeZone: 'Europe/Berlin' }, Date.now());
 * ```
 */
export function nextFire(trigger: Trigger, afterMs: number): number | null {
  switch (trigger.type) {
    case 'cron':
      return nextCron(trigger.expression, trigger.timeZone, afterMs);
    case 'at':
      return trigger.atMs > afterMs ? trigger.atMs : null;
    case 'interval': {
      const start = trigger.startMs ?? 0;
      const next =
        afterMs < start ? start : start + (Math.floor((afterMs - start) / trigger.everyMs) + 1) * trigger.everyMs;
      return trigger.endMs !== undefined && next >= trigger.endMs ? null : next;
    }
    case 'sun':
      return nextSun(trigger.event, trigger.offsetMs, trigger.latitude, trigger.longitude, afterMs);
    default:
      return null;
  }
}
