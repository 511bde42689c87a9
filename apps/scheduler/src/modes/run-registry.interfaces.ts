import type { Rule } from '../rules/rule.schema.js';

/** What {@link RunRegistry.admit} needs to apply a rule's mode. */
export interface RunAdmissionRequest {
  /** The rule's mode (Home Assistant's `single`, `restart`, `queued`, `parallel`). */
  readonly mode: Rule['mode'];
  /** The rule's `max`: runs at once (`parallel`), or running plus waiting (`queued`). */
  readonly max: number;
  /**
   * Fencing token of the firing's claim. A later claim of the same firing (a takeover after
   * its holder died) replaces the entry; an older one is refused.
   */
  readonly token: number;
  /** Place in the queue (`queued`): the firing's scheduled time, epoch ms; ties by run id. */
  readonly order: number;
  /** Now, epoch ms (entries whose lease expired before it are dropped first). */
  readonly nowMs: number;
  /** Lease of the entry, in ms; its holder renews it while the run lasts. */
  readonly leaseMs: number;
}

/** The answer of {@link RunRegistry.admit}. */
export interface RunAdmission {
  /** `run`: start now; `queued`: wait for the turn ({@link RunRegistry.poll}); `busy`: skip. */
  readonly decision: 'run' | 'queued' | 'busy';
  /** Runs this admission told to stop (`restart`); their holders see it on their next renew. */
  readonly stopped: readonly string[];
}

/** The answer of {@link RunRegistry.poll}: start, keep waiting, or leave (dropped or stopped). */
export type QueueTurn = 'run' | 'wait' | 'gone';

/** Live entries of one rule (leases not expired). */
export interface RuleRunEntries {
  /** Runs in progress. */
  readonly running: readonly string[];
  /** Waiting runs (`queued`), in their order. */
  readonly queued: readonly string[];
}

/**
 * The runs in progress and waiting of every rule, shared by all replicas, so that a rule's
 * mode holds across the cluster: `single` skips while any replica runs the rule, `restart`
 * stops the run of any replica, `queued` runs wait their turn in order whichever replica
 * claimed them, `parallel` caps at `max` over all replicas.
 *
 * Every entry has a lease that its holder renews while the run lasts; an entry whose lease
 * expired (its replica died) is dropped by the next admission, so a dead replica never
 * blocks a rule for longer than one lease. A run that was stopped (`restart`) or dropped
 * finds out on its next {@link renew} (false) and ends without further actions.
 *
 * @example
 * ```ts
 * const admission = await registry.admit('r-1', firingId, { mode: 'single', max: 10, token, order: dueMs, nowMs, leaseMs });
 * if (admission.decision === 'run') {
 *   try { await run(() => registry.renew('r-1', firingId, token, Date.now(), leaseMs)); }
 *   finally { await registry.release('r-1', firingId, token); }
 * }
 * ```
 */
export interface RunRegistry {
  /** Applies the rule's mode to a new run `runId` (the firing id), atomically across replicas. */
  admit(ruleId: string, runId: string, request: RunAdmissionRequest): Promise<RunAdmission>;
  /** A waiting run asks for its turn (and renews its lease): `run` once it is first and nothing runs. */
  poll(ruleId: string, runId: string, token: number, nowMs: number, leaseMs: number): Promise<QueueTurn>;
  /** Renews the lease of a running or waiting entry; false when it was stopped or dropped. */
  renew(ruleId: string, runId: string, token: number, nowMs: number, leaseMs: number): Promise<boolean>;
  /** Removes the entry of a finished run (nothing when `token` no longer holds it). */
  release(ruleId: string, runId: string, token: number): Promise<void>;
  /** Live entries of a rule (history, tools, tests). */
  entries(ruleId: string, nowMs: number): Promise<RuleRunEntries>;
}
/** Injection token of the {@link RunRegistry}. */
export const RunRegistry = Symbol('LATTICE:SCHEDULER:RUN_REGISTRY');
