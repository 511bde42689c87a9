import type { Clock } from '@lattice/core';

/**
 * Self-preservation options (Eureka's): hold lapsed leases when too many lapse at once.
 *
 * @example
 * ```ts
 * new RedisRegistry({ url, selfPreservation: { thresholdRatio: 0.5, windowMs: 5_000, minInstances: 3 } });
 * ```
 */
export interface SelfPreservationOptions {
  /**
   * Share of a service's instances that must lapse within one renew window to engage it
   * (a registry or network partition rather than real deaths). `1` turns it off.
   * @default 0.5
   */
  thresholdRatio?: number;
  /** The renew window in which lapses count as one event; use the instances' renew interval. @default 5000 */
  windowMs?: number;
  /** Services with fewer instances never engage it, so a lone dead instance still goes. @default 2 */
  minInstances?: number;
}

/**
 * Options shared by the registries that hold leases (memory, Redis).
 *
 * @example
 * ```ts
 * new MemoryRegistry({ sweepIntervalMs: 500, selfPreservation: { thresholdRatio: 0.6 } });
 * ```
 */
export interface LeaseRegistryOptions {
  /** Time source (tests pass a `ManualClock`). @default systemClock */
  clock?: Clock;
  /** How often the sweeper evicts lapsed leases; readers also evict lazily. `0` disables the sweeper. @default 1000 */
  sweepIntervalMs?: number;
  /** @default { thresholdRatio: 0.5, windowMs: 5000, minInstances: 2 } */
  selfPreservation?: SelfPreservationOptions;
}

export const SELF_PRESERVATION_DEFAULTS = { thresholdRatio: 0.5, windowMs: 5_000, minInstances: 2 } as const;
export const SWEEP_INTERVAL_DEFAULT_MS = 1_000;
