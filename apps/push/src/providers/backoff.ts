import { UnknownBackoffError } from '../push.errors.js';

/** Back-off settings. */
export interface BackoffSettings {
  /** Delay cap of the first retry. @default 1000 */
  initialDelayMs: number;
  /** Largest delay. @default 60000 */
  maxDelayMs: number;
}

/**
 * A back-off strategy: the delay before retry `attempt` (1 = first retry), never shorter than
 * the provider's `Retry-After`.
 *
 * @example
 * ```ts
 * const delay = new FullJitterBackoff().delayMs(3, { initialDelayMs: 1000, maxDelayMs: 60_000 });
 * ```
 */
export interface BackoffStrategy {
  delayMs(attempt: number, settings: BackoffSettings, retryAfterMs?: number, random?: () => number): number;
}

/** Full jitter: uniform in [0, min(max, initial × 2^(attempt−1))], at least Retry-After. */
export class FullJitterBackoff implements BackoffStrategy {
  delayMs(attempt: number, settings: BackoffSettings, retryAfterMs = 0, random = Math.random): number {
    const cap = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.max(retryAfterMs, Math.floor(random() * cap));
  }
}

/** Equal jitter: half the exponential delay fixed, half random — never retries at once. */
export class EqualJitterBackoff implements BackoffStrategy {
  delayMs(attempt: number, settings: BackoffSettings, retryAfterMs = 0, random = Math.random): number {
    const cap = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.max(retryAfterMs, Math.floor(cap / 2 + random() * (cap / 2)));
  }
}

/**
 * Back-off strategies by name (`full-jitter`, `equal-jitter`); `register()` adds your own.
 * One registry per app instance (no static state).
 *
 * @example
 * ```ts
 * const backoffs = new BackoffRegistry();
 * backoffs.register('fixed', { delayMs: (_n, s, after = 0) => Math.max(after, s.initialDelayMs) });
 * ```
 */
export class BackoffRegistry {
  private readonly strategies = new Map<string, BackoffStrategy>([
    ['full-jitter', new FullJitterBackoff()],
    ['equal-jitter', new EqualJitterBackoff()],
  ]);

  register(name: string, strategy: BackoffStrategy): void {
    this.strategies.set(name, strategy);
  }

  get(name: string): BackoffStrategy {
    const strategy = this.strategies.get(name);
    if (strategy === undefined) throw new UnknownBackoffError(name, [...this.strategies.keys()]);
    return strategy;
  }
}
