/** Self-preservation settings shared by the registries with leases. */
export interface SelfPreservationSettings {
  /** Share of a service's instances whose leases lapse within one window that engages it (0..1; 1 turns it off). */
  readonly thresholdRatio: number;
  /** The window in which lapses count as one event (the renew interval). */
  readonly windowMs: number;
  /** Services with fewer instances never engage it (a single dead instance must go). */
  readonly minInstances: number;
}

export interface EvictionInput {
  readonly now: number;
  /** Current members and their lease expiry. */
  readonly leases: readonly { readonly id: string; readonly expiresAt: number }[];
  /** Expiry times of instances evicted for lapsed leases within the last window. */
  readonly recentEvictionExpiries: readonly number[];
  readonly preserving: boolean;
  readonly settings: SelfPreservationSettings;
}

export interface EvictionDecision {
  /** Ids to evict now (empty while preserving). */
  readonly evict: readonly string[];
  readonly preserving: boolean;
}

/**
 * Eureka-style self-preservation. The Redis registry runs the same rules in Lua
 * (see redis-scripts.ts); keep the two in step.
 *
 * - Not preserving: if more than `thresholdRatio` of the instances (members plus those
 *   evicted within the last window) are lapsed or were evicted within the window, engage
 *   and evict nothing; otherwise evict every lapsed lease.
 * - Preserving: hold while more than `thresholdRatio` of the members are lapsed; once
 *   renewals bring it down to the ratio, release and evict what is still lapsed.
 */
export function decideEviction(input: EvictionInput): EvictionDecision {
  const { now, leases, settings } = input;
  const lapsed = leases.filter((l) => l.expiresAt <= now);
  if (lapsed.length === 0) return { evict: [], preserving: false };
  const ids = lapsed.map((l) => l.id);
  if (input.preserving) {
    if (lapsed.length > settings.thresholdRatio * leases.length) return { evict: [], preserving: true };
    return { evict: ids, preserving: false };
  }
  const since = now - settings.windowMs;
  const recentEvicted = input.recentEvictionExpiries.filter((t) => t > since).length;
  // Every member still lapsed counts (nobody could evict it, e.g. Redis itself was
  // unreachable), plus those evicted just before: together they lapsed "at once".
  const recentLapsed = lapsed.length + recentEvicted;
  const population = leases.length + recentEvicted;
  if (
    settings.thresholdRatio < 1 &&
    population >= settings.minInstances &&
    recentLapsed > settings.thresholdRatio * population
  )
    return { evict: [], preserving: true };
  return { evict: ids, preserving: false };
}
