import type { Rule } from '../rules/rule.schema.js';

/** One claimed firing: `token` fences every effect of it (a newer claim bumps it). */
export interface TimerClaim {
  /** Timer key: `<ruleId>#<triggerIndex>` (plus `#<suffix>` for event firings). */
  readonly key: string;
  /** Scheduled time of the firing, epoch ms. */
  readonly dueMs: number;
  /** `<key>@<dueMs>`: the idempotency key of the firing's effects. */
  readonly firingId: string;
  /** Fencing token, increasing over every claim in the store. */
  readonly token: number;
  /** True when the claim took over an expired lease of another replica. */
  readonly takeover: boolean;
}

/** What {@link TimerStore.claimBatch} answers: the claims, and when there is more to claim. */
export interface ClaimedBatch {
  readonly claims: TimerClaim[];
  /** Earliest due time or lease expiry left after the claim, or null when idle. */
  readonly nextWakeMs: number | null;
}

/** Result of {@link TimerStore.advance}. */
export type AdvanceResult = 'ok' | 'already' | 'fenced';

/**
 * Due times of every timer, shared by all replicas. Claiming a due timer atomically turns
 * it into a firing (`<key>@<dueMs>`) with a lease and a fencing token; an expired lease is
 * taken over with a new token, after which the old holder's `advance`, `renew` and
 * `finish` are refused. `advance` schedules the timer's next due time once per firing, so
 * long runs do not hold up the next firing and a takeover does not schedule it twice.
 *
 * @example
 * ```ts
 * await timers.schedule('r-1#0', Date.now() + 1000);
 * for (const claim of await timers.claimDue(Date.now(), 100, 5000)) {
 *   if ((await timers.advance(claim.firingId, claim.token, nextDue)) === 'fenced') continue;
 *   if (await timers.renew(claim.firingId, claim.token, 5000, Date.now())) await fire(claim);
 *   await timers.finish(claim.firingId, claim.token);
 * }
 * ```
 */
export interface TimerStore {
  /** Sets (or moves) a timer's next due time. */
  schedule(key: string, dueMs: number): Promise<void>;
  /**
   * Schedules a one-off timer unless `key` was scheduled this way within `dedupeTtlMs`
   * (event firings: a redelivered event does not fire twice); true when scheduled.
   */
  scheduleOnce(key: string, dueMs: number, dedupeTtlMs: number, nowMs: number): Promise<boolean>;
  /** Removes a pending timer (a firing in progress finishes). */
  cancel(key: string): Promise<void>;
  /**
   * Claims up to `limit` firings, each leased until `nowMs + leaseMs`: leases expired by
   * `nowMs` first (takeover), then timers due by `nowMs + aheadMs` (claimed ahead, earliest
   * first; the caller starts each at its due time).
   */
  claimDue(nowMs: number, limit: number, leaseMs: number, aheadMs?: number): Promise<TimerClaim[]>;
  /** {@link claimDue} and then {@link nextWakeMs}, in one round trip (the claim loop's look). */
  claimBatch(nowMs: number, limit: number, leaseMs: number, aheadMs?: number): Promise<ClaimedBatch>;
  /** Schedules the timer's next due time (null: none) once per firing; `fenced` when `token` lost the firing. */
  advance(firingId: string, token: number, nextDueMs: number | null): Promise<AdvanceResult>;
  /** Extends the lease if `token` still holds the firing; false means fenced off. */
  renew(firingId: string, token: number, leaseMs: number, nowMs: number): Promise<boolean>;
  /** Ends a firing held by `token`; false when fenced off. */
  finish(firingId: string, token: number): Promise<boolean>;
  /** Earliest due time or lease expiry, or null when idle. */
  nextWakeMs(): Promise<number | null>;
  /** Pending timers (not counting firings in progress). */
  size(): Promise<number>;
  /** The due time of a pending timer, or null. */
  dueOf(key: string): Promise<number | null>;
}
/** Injection token of the {@link TimerStore}. */
export const TimerStore = Symbol('LATTICE:SCHEDULER:TIMER_STORE');

/**
 * Rules by id, listed by home.
 *
 * @example
 * ```ts
 * await rules.put(rule);
 * const mine = await rules.listByHomes(['home-1']);
 * ```
 */
export interface RuleStore {
  get(id: string): Promise<Rule | null>;
  /** Creates or replaces a rule. */
  put(rule: Rule): Promise<void>;
  delete(id: string): Promise<boolean>;
  listByHomes(homeIds: readonly string[]): Promise<Rule[]>;
}
/** Injection token of the {@link RuleStore}. */
export const RuleStore = Symbol('LATTICE:SCHEDULER:RULE_STORE');

/** The outcome of one condition of a run. */
export interface ConditionOutcome {
  readonly index: number;
  readonly type: string;
  readonly result: boolean;
}
/** The outcome of one action of a run. */
export interface ActionOutcome {
  readonly index: number;
  readonly type: string;
  readonly status: 'ok' | 'failed' | 'fenced' | 'cancelled';
  readonly durationMs: number;
  readonly error?: string;
}
/** One run of a rule, as the history shows it. */
export interface RuleRun {
  readonly runId: string;
  readonly ruleId: string;
  readonly ruleVersion: number;
  readonly firingId: string;
  readonly trigger: { readonly index: number; readonly type: string; readonly detail?: Record<string, unknown> };
  readonly scheduledMs: number;
  readonly actualMs: number;
  readonly status: 'completed' | 'conditions_false' | 'failed' | 'skipped' | 'cancelled' | 'fenced';
  readonly reason?: string;
  readonly conditions: readonly ConditionOutcome[];
  readonly actions: readonly ActionOutcome[];
  readonly finishedMs: number;
}

/**
 * Run history per rule, newest first, capped.
 *
 * @example
 * ```ts
 * await runs.append(run);
 * const last10 = await runs.list('r-1', 10);
 * ```
 */
export interface RunStore {
  append(run: RuleRun): Promise<void>;
  list(ruleId: string, limit: number): Promise<RuleRun[]>;
  deleteRule(ruleId: string): Promise<void>;
}
/** Injection token of the {@link RunStore}. */
export const RunStore = Symbol('LATTICE:SCHEDULER:RUN_STORE');

/**
 * Last reported state per device (from telemetry), for conditions and state triggers.
 *
 * @example
 * ```ts
 * const before = await states.merge('lamp-1', { on: true });
 * ```
 */
export interface DeviceStateStore {
  get(deviceId: string): Promise<Record<string, string | number | boolean>>;
  /** Merges values and returns the state before the merge. */
  merge(
    deviceId: string,
    values: Record<string, string | number | boolean>,
  ): Promise<Record<string, string | number | boolean>>;
}
/** Injection token of the {@link DeviceStateStore}. */
export const DeviceStateStore = Symbol('LATTICE:SCHEDULER:DEVICE_STATE_STORE');
