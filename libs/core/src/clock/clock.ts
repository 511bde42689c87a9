/** A handle returned by {@link Clock.setTimeout}. */
export interface ClockTimer {
  /** Lets the process exit while the timer is pending (like Node's `unref`). */
  unref(): ClockTimer;
}

/**
 * Time as the libs see it. Every time-dependent part takes a Clock so tests can drive it
 * with {@link ManualClock} instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
}

class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    return setTimeout(callback, delayMs);
  }
  clearTimeout(timer: ClockTimer): void {
    clearTimeout(timer as NodeJS.Timeout);
  }
}

/** The wall clock and Node's timers. */
export const systemClock: Clock = new SystemClock();

interface ManualTimer extends ClockTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
}

/**
 * A clock that moves only when told to, for deterministic tests of time-dependent code.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(0);
 * const breaker = new Breaker({ openDurationMs: 5_000, clock });
 * clock.advance(5_000); // runs every timer due by then, in order
 * ```
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    const timer: ManualTimer = {
      id: this.nextId++,
      dueAt: this.current + Math.max(0, delayMs),
      callback,
      unref: () => timer,
    };
    this.timers.set(timer.id, timer);
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    this.timers.delete((timer as ManualTimer).id);
  }

  /** Number of timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing due timers in due order (timers they set also fire if due). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.timers.values()) {
        if (timer.dueAt <= target && (next === undefined || timer.dueAt < next.dueAt)) next = timer;
      }
      if (next === undefined) break;
      this.timers.delete(next.id);
      this.current = next.dueAt;
      next.callback();
    }
    this.current = target;
  }
}
