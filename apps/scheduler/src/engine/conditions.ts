import type { Condition, Predicate } from '../rules/rule.schema.js';
import { sunIsUp, wallClock } from '../timing/next-fire.js';

type Scalar = string | number | boolean;
type Op = Predicate['op'];

/** Compares a reported value with an expected one (numbers numerically, others by equality). */
export function compare(actual: Scalar | undefined, op: Op, expected: Scalar): boolean {
  if (actual === undefined) return false;
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'ne':
      return actual !== expected;
    default: {
      if (typeof actual !== 'number' || typeof expected !== 'number') return false;
      if (op === 'gt') return actual > expected;
      if (op === 'gte') return actual >= expected;
      if (op === 'lt') return actual < expected;
      return actual <= expected;
    }
  }
}

/** Whether a predicate holds on a set of values. */
export function holds(predicate: Predicate, values: Readonly<Record<string, unknown>>): boolean {
  const value = values[predicate.attribute];
  const scalar =
    typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? value : undefined;
  return compare(scalar, predicate.op, predicate.value);
}

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** What conditions may look at besides the clock. */
export interface ConditionContext {
  readonly nowMs: number;
  deviceState(deviceId: string): Promise<Record<string, Scalar>>;
}

/**
 * Evaluates a condition tree. Time windows may wrap midnight (`22:00`–`06:00`).
 *
 * @example
 * ```ts
 * await evaluate({ type: 'weekday', days: [1, 2, 3, 4, 5], timeZone: 'Europe/Berlin' }, context);
 * ```
 */
export async function evaluate(condition: Condition, context: ConditionContext): Promise<boolean> {
  switch (condition.type) {
    case 'time': {
      const local = wallClock(context.nowMs, condition.timeZone).slice(11, 16);
      return condition.after <= condition.before
        ? local >= condition.after && local < condition.before
        : local >= condition.after || local < condition.before;
    }
    case 'weekday': {
      const name = new Intl.DateTimeFormat('en-US', { timeZone: condition.timeZone, weekday: 'short' }).format(
        new Date(context.nowMs),
      );
      return condition.days.includes(WEEKDAYS[name] ?? -1);
    }
    case 'sun':
      return sunIsUp(context.nowMs, condition.latitude, condition.longitude) === (condition.state === 'up');
    case 'device_state':
      return compare(
        (await context.deviceState(condition.deviceId))[condition.attribute],
        condition.op,
        condition.value,
      );
    case 'and':
      for (const inner of condition.conditions) if (!(await evaluate(inner, context))) return false;
      return true;
    case 'or':
      for (const inner of condition.conditions) if (await evaluate(inner, context)) return true;
      return false;
    case 'not':
      return !(await evaluate(condition.condition, context));
  }
}
