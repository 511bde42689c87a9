import { systemClock, type Clock } from '@lattice/core';

/**
 * Passive outlier ejection options.
 *
 * @example
 * ```ts
 * discovery.balancer('device', { outlierEjection: { consecutiveFailures: 3, baseEjectionMs: 10_000 } });
 * ```
 */
export interface OutlierEjectionOptions {
  /** Turn ejection off. @default true */
  enabled?: boolean;
  /** Consecutive failures that eject an instance. @default 5 */
  consecutiveFailures?: number;
  /** First ejection length; each further ejection doubles it. @default 5000 */
  baseEjectionMs?: number;
  /** Longest ejection; also how long an instance must stay healthy before its back-off resets. @default 300000 */
  maxEjectionMs?: number;
  /** Most of a service's instances ejected at once (0..1); floor(n × ratio) instances. @default 0.5 */
  maxEjectedRatio?: number;
}

export const OUTLIER_DEFAULTS: Required<OutlierEjectionOptions> = {
  enabled: true,
  consecutiveFailures: 5,
  baseEjectionMs: 5_000,
  maxEjectionMs: 300_000,
  maxEjectedRatio: 0.5,
};

interface Health {
  failures: number;
  ejections: number;
  ejectedUntil: number;
  lastEjectionEnd: number;
}

/**
 * Passive outlier ejection (Envoy's, on consecutive failures): N failures in a row eject
 * an instance for base × 2^(k-1) (k = its ejection count, capped at max), never more than
 * `maxEjectedRatio` of the service at once. A success resets the failure count.
 *
 * @example
 * ```ts
 * const outliers = new OutlierDetector({ consecutiveFailures: 3 });
 * outliers.onFailure('d1', ['d1', 'd2']); // after the 3rd: d1 ejected for 5 s
 * outliers.isEjected('d1');
 * ```
 */
export class OutlierDetector {
  private readonly options: Required<OutlierEjectionOptions>;
  private readonly clock: Clock;
  private readonly health = new Map<string, Health>();
  /** Bumped whenever the set of ejected instances changes. */
  version = 0;

  constructor(options: OutlierEjectionOptions = {}, clock: Clock = systemClock) {
    this.options = { ...OUTLIER_DEFAULTS, ...options };
    this.clock = clock;
  }

  onSuccess(instanceId: string): void {
    const h = this.health.get(instanceId);
    if (h !== undefined) h.failures = 0;
  }

  /**
   * Counts a failure; ejects when the threshold is reached and the cap allows.
   * `population` is the service's current (UP) instance ids. Returns true when it ejected.
   */
  onFailure(instanceId: string, population: readonly string[]): boolean {
    if (!this.options.enabled) return false;
    const h = this.entry(instanceId);
    h.failures++;
    const now = this.clock.now();
    if (h.failures < this.options.consecutiveFailures || h.ejectedUntil > now) return false;
    const ejectedNow = population.filter((id) => id !== instanceId && this.isEjected(id, now)).length;
    if (ejectedNow + 1 > Math.floor(population.length * this.options.maxEjectedRatio)) return false;
    if (h.lastEjectionEnd > 0 && now - h.lastEjectionEnd >= this.options.maxEjectionMs) h.ejections = 0;
    h.ejections++;
    const length = Math.min(this.options.baseEjectionMs * 2 ** (h.ejections - 1), this.options.maxEjectionMs);
    h.ejectedUntil = now + length;
    h.lastEjectionEnd = h.ejectedUntil;
    h.failures = 0;
    this.version++;
    return true;
  }

  isEjected(instanceId: string, now = this.clock.now()): boolean {
    const h = this.health.get(instanceId);
    return h !== undefined && h.ejectedUntil > now;
  }

  /** The earliest time an ejected instance returns (Infinity when none is ejected). */
  nextReturnAt(now = this.clock.now()): number {
    let next = Infinity;
    for (const h of this.health.values()) if (h.ejectedUntil > now && h.ejectedUntil < next) next = h.ejectedUntil;
    return next;
  }

  /** Ids ejected now. */
  ejected(now = this.clock.now()): string[] {
    return [...this.health.entries()].filter(([, h]) => h.ejectedUntil > now).map(([id]) => id);
  }

  /** Forgets instances no longer in the set. */
  retain(instanceIds: ReadonlySet<string>): void {
    for (const id of this.health.keys()) if (!instanceIds.has(id)) this.health.delete(id);
  }

  private entry(instanceId: string): Health {
    let h = this.health.get(instanceId);
    if (h === undefined) {
      h = { failures: 0, ejections: 0, ejectedUntil: 0, lastEjectionEnd: 0 };
      this.health.set(instanceId, h);
    }
    return h;
  }
}
