import { LatticeError, systemClock, newId, type Clock, type ClockTimer } from '@lattice/core';
import type { DeliveredEvent } from '@lattice/events';
import type { MetricsRegistry } from '@lattice/telemetry';
import type { DeviceActions, PushActions, Webhooks } from '../actions/actions.interfaces.js';
import type { Action, Rule, Trigger } from '../rules/rule.schema.js';
import { MemoryRunRegistry } from '../modes/memory-run-registry.js';
import { RedisRunRegistry } from '../modes/redis-run-registry.js';
import type { RunRegistry } from '../modes/run-registry.interfaces.js';
import { RedisTimerStore } from '../stores/redis-stores.js';
import type {
  ActionOutcome,
  ConditionOutcome,
  DeviceStateStore,
  RuleRun,
  RuleStore,
  RunStore,
  TimerClaim,
  TimerStore,
} from '../stores/stores.interfaces.js';
import { nextFire } from '../timing/next-fire.js';
import { evaluate, holds } from './conditions.js';

/** Options of the {@link RuleEngine}. */
export interface RuleEngineOptions {
  rules: RuleStore;
  runs: RunStore;
  timers: TimerStore;
  states: DeviceStateStore;
  devices: DeviceActions;
  push: PushActions;
  webhooks: Webhooks;
  /**
   * Runs in progress and waiting of every rule, shared by the replicas so that modes hold
   * cluster-wide. @default a RedisRunRegistry on the timer store's connection and prefix when
   * `timers` is a RedisTimerStore, else a MemoryRunRegistry
   */
  registry?: RunRegistry;
  /** @default systemClock */
  clock?: Clock;
  /** Lease of a claimed firing; renewed every third of it while the run lasts. @default 10000 */
  leaseMs?: number;
  /** Longest sleep between two looks at the timer store (and of a queued run at its turn). @default 200 */
  pollIntervalMs?: number;
  /**
   * Longest time between two checks of a run's registry entry (with its lease renewal): a run
   * stopped by a `restart` on another replica ends within this plus one round trip. @default 1000
   */
  runCheckIntervalMs?: number;
  /** Firings claimed per look. @default 256 */
  claimBatchSize?: number;
  /**
   * How far ahead of their due time the claim loop claims firings, in ms; a claimed firing
   * still starts at its due time, never earlier. Claiming ahead lets a look at the store take
   * a batch instead of the few firings due in one millisecond, without making any firing
   * late. Looks are at least half of this apart. Must be below half the lease. @default 50
   */
  claimAheadMs?: number;
  /** Lateness from which a time firing counts as a misfire (downtime), in ms. @default 10000 */
  misfireThresholdMs?: number;
  /** How long a redelivered event is recognised and not fired again, in ms. @default 86400000 */
  eventDedupeTtlMs?: number;
  /** Attempts of an action failing with a retryable error. @default 3 */
  actionAttempts?: number;
  /** Metrics (`lattice_scheduler_*`). @default none */
  metrics?: MetricsRegistry;
  /** Called with every recorded run (tests, logs). @default none */
  onRun?: (run: RuleRun) => void;
  /** Called with errors of the loop that could not be attached to a run. @default none */
  onError?: (error: unknown) => void;
}

/** Defaults of {@link RuleEngineOptions}. */
export const RULE_ENGINE_DEFAULTS = {
  leaseMs: 10_000,
  pollIntervalMs: 200,
  claimBatchSize: 256,
  claimAheadMs: 50,
  misfireThresholdMs: 10_000,
  runCheckIntervalMs: 1000,
  eventDedupeTtlMs: 86_400_000,
  actionAttempts: 3,
} as const;

const TIME_TRIGGERS = new Set<Trigger['type']>(['cron', 'at', 'interval', 'sun']);

interface RunContext {
  /** The rule whose mode this run is under (not a scene it runs), the firing id and the claim's token. */
  readonly ruleId: string;
  readonly runId: string;
  readonly token: number;
  aborted: boolean;
  fenced: boolean;
  /** Why the run was stopped (recorded with a `cancelled` status). */
  reason?: string;
  /** When the token was last proven current (time taken before the proving call was sent). */
  provenMs: number;
  /** True while the run has an entry in the run registry (running or waiting). */
  registered: boolean;
  /** True while the run waits for its turn (`queued`). */
  waiting: boolean;
  /** True when the registry entry must be checked before the next action (time passed since the last check). */
  recheck: boolean;
  wake?: () => void;
}
type Scalar = string | number | boolean;

/**
 * The rule engine of one replica: claims due firings from the shared {@link TimerStore},
 * evaluates conditions, runs actions under the rule's mode, records history, and turns
 * bus events into firings.
 *
 * @example
 * ```ts
 * const engine = new RuleEngine({ rules, runs, timers, states, devices, push, webhooks });
 * await engine.saveRule(rule);
 * engine.start();
 * await engine.stop();
 * ```
 */
export class RuleEngine {
  private readonly o: Required<Omit<RuleEngineOptions, 'metrics' | 'onRun' | 'onError' | 'registry'>> &
    Pick<RuleEngineOptions, 'onRun' | 'onError'>;
  private readonly clock: Clock;
  private readonly registry: RunRegistry;
  /** This replica's runs (running or waiting) by firing id. */
  private readonly local = new Map<string, RunContext>();
  /** This replica's runs waiting for their turn (`queued`), by rule: a release wakes only these. */
  private readonly waitingByRule = new Map<string, Set<RunContext>>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly firings;
  private readonly lateness;
  private timer: ClockTimer | undefined;
  private running = false;
  private ticking = false;
  private tickAgain = false;

  constructor(options: RuleEngineOptions) {
    this.o = { ...RULE_ENGINE_DEFAULTS, clock: systemClock, ...options };
    this.clock = this.o.clock;
    this.registry =
      options.registry ??
      (options.timers instanceof RedisTimerStore
        ? new RedisRunRegistry(options.timers.storeOptions)
        : new MemoryRunRegistry());
    this.firings = options.metrics?.counter({
      name: 'lattice_scheduler_firings_total',
      help: 'Firings handled by this replica by outcome',
      labelNames: ['outcome'],
    });
    this.lateness = options.metrics?.histogram({
      name: 'lattice_scheduler_lateness_seconds',
      help: 'Actual minus scheduled time of firings',
      labelNames: [],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    });
  }

  /** Starts the claim loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake(0);
  }

  /** Stops claiming and waits for firings in progress (their leases lapse if they do not finish). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const run of this.local.values()) abort(run);
    await Promise.allSettled([...this.inflight]);
  }

  /** Schedules (or unschedules) a saved rule's time triggers; pass the previous version on update. */
  async saveRule(rule: Rule, previous?: Rule | null): Promise<void> {
    await this.o.rules.put(rule);
    const now = this.clock.now();
    for (const [index, trigger] of rule.triggers.entries()) {
      const key = `${rule.id}#${index}`;
      const due = rule.enabled && TIME_TRIGGERS.has(trigger.type) ? nextFire(trigger, now) : null;
      if (due !== null) await this.o.timers.schedule(key, due);
      else await this.o.timers.cancel(key);
    }
    for (let index = rule.triggers.length; index < (previous?.triggers.length ?? 0); index++) {
      await this.o.timers.cancel(`${rule.id}#${index}`);
    }
    this.wake(0);
  }

  /** Deletes a rule, its timers and its history. */
  async deleteRule(rule: Rule): Promise<void> {
    await this.o.rules.delete(rule.id);
    for (let index = 0; index < rule.triggers.length; index++) await this.o.timers.cancel(`${rule.id}#${index}`);
    await this.o.runs.deleteRule(rule.id);
  }

  /** Claims and starts every due firing once, without waiting for their runs (tests, tools). */
  async claimDue(): Promise<void> {
    await this.tick(false);
  }

  /** Resolves when no firing of this replica is in progress. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Claims and starts every due firing once, then waits until they and their runs finish (tests, tools). */
  async runDue(): Promise<void> {
    await this.claimDue();
    await this.idle();
  }

  /** Handles one bus event: device event triggers, device state (with duration) triggers. */
  async handleEvent(event: DeliveredEvent): Promise<void> {
    if (event.homeId === undefined || event.deviceId === undefined) return;
    const now = this.clock.now();
    const values = scalarValues(event.data);
    const isState = event.type === 'device.telemetry' || event.type === 'device.state';
    let before: Record<string, Scalar> = {};
    let after: Record<string, Scalar> = {};
    if (isState && Object.keys(values).length > 0) {
      before = await this.o.states.merge(event.deviceId, values);
      after = { ...before, ...values };
    }
    let scheduled = false;
    for (const rule of await this.o.rules.listByHomes([event.homeId])) {
      if (!rule.enabled) continue;
      for (const [index, trigger] of rule.triggers.entries()) {
        if (!('deviceId' in trigger) || trigger.deviceId !== event.deviceId) continue;
        const key = `${rule.id}#${index}`;
        if (trigger.type === 'device_event') {
          if (trigger.eventType !== event.type || !trigger.where.every((p) => holds(p, event.data))) continue;
          scheduled =
            (await this.o.timers.scheduleOnce(`${key}#e:${event.id}`, now, this.o.eventDedupeTtlMs, now)) || scheduled;
        } else if (trigger.type === 'device_state' && isState && trigger.predicate.attribute in values) {
          const was = holds(trigger.predicate, before);
          const is = holds(trigger.predicate, after);
          if (!was && is) {
            if (trigger.forMs === 0) {
              scheduled =
                (await this.o.timers.scheduleOnce(`${key}#e:${event.id}`, now, this.o.eventDedupeTtlMs, now)) ||
                scheduled;
            } else await this.o.timers.schedule(key, now + trigger.forMs);
          } else if (was && !is) {
            await this.o.timers.cancel(key);
          }
        }
      }
    }
    // Claim at once rather than on the next loop turn: event -> action latency.
    if (scheduled && this.running) await this.tick(false);
  }

  private wake(delayMs: number): void {
    if (!this.running) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.tick(true);
    }, delayMs);
    this.timer.unref();
  }

  private async tick(loop: boolean): Promise<void> {
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = true;
    let nextDelay: number = this.o.pollIntervalMs;
    // The loop claims ahead (its firings wait for their due time); one-off looks (tests, events) take what is due.
    const aheadMs = loop ? this.o.claimAheadMs : 0;
    try {
      let wakeAt: number | null = null;
      do {
        this.tickAgain = false;
        const claimedMs = this.clock.now();
        const batch = await this.o.timers.claimBatch(claimedMs, this.o.claimBatchSize, this.o.leaseMs, aheadMs);
        for (const claim of batch.claims) this.track(this.fire(claim, claimedMs));
        if (batch.claims.length === this.o.claimBatchSize) this.tickAgain = true;
        wakeAt = batch.nextWakeMs;
      } while (this.tickAgain);
      // Look again when the next due time comes within reach, yet at least half the reach later, so
      // that each look takes a batch (every firing in it is still claimed before it is due).
      if (wakeAt !== null)
        nextDelay = Math.min(nextDelay, Math.max(wakeAt - aheadMs - this.clock.now(), aheadMs / 2, 0));
    } catch (error) {
      this.o.onError?.(error);
    } finally {
      this.ticking = false;
    }
    if (loop) this.wake(nextDelay);
  }

  private track(promise: Promise<void>): void {
    const tracked = promise.catch((error: unknown) => this.o.onError?.(error));
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }

  /**
   * Runs one claimed firing (`claimedMs`: when its claim, and so its lease, was asked for).
   * What does not depend on the moment (the rule, the next due time) is done at once; a
   * firing claimed ahead then waits for its due time, so that at the due time only the
   * admission is left before the actions.
   */
  private async fire(claim: TimerClaim, claimedMs: number): Promise<void> {
    const [ruleId = '', indexText = '', suffix] = claim.key.split('#');
    const index = Number(indexText);
    const rule = await this.o.rules.get(ruleId);
    const trigger = rule?.triggers[index];
    if (rule === null || trigger === undefined) {
      await this.o.timers.advance(claim.firingId, claim.token, null);
      await this.o.timers.finish(claim.firingId, claim.token);
      return;
    }
    let next: number | null = null;
    let skip: string | undefined;
    if (suffix === undefined && TIME_TRIGGERS.has(trigger.type)) {
      const preparedMs = this.clock.now();
      const late = preparedMs - claim.dueMs;
      if (late > this.o.misfireThresholdMs) {
        next = nextFire(trigger, preparedMs);
        if (rule.misfirePolicy === 'skip') skip = 'misfire: policy skip';
        else if (late > rule.catchUpWindowMs) skip = 'misfire: outside the catch-up window';
      } else next = nextFire(trigger, claim.dueMs);
    }
    if (!rule.enabled) [next, skip] = [null, 'disabled'];
    // The lease runs from the claim: the token counts as proven then (a firing claimed ahead
    // waited since), not when it starts.
    const provenMs = claimedMs;
    const advanced = await this.o.timers.advance(claim.firingId, claim.token, next);
    if (advanced === 'fenced') return this.count('fenced');
    const waitMs = claim.dueMs - this.clock.now();
    if (waitMs > 0) await new Promise<void>((resolve) => this.clock.setTimeout(resolve, waitMs));
    const now = this.clock.now();
    this.lateness?.observe(Math.max(0, now - claim.dueMs) / 1000);
    if (skip === undefined && trigger.type === 'device_state' && suffix === undefined) {
      if (!holds(trigger.predicate, await this.o.states.get(trigger.deviceId))) skip = 'state no longer holds';
    }
    const base = {
      ruleId: rule.id,
      ruleVersion: rule.version,
      firingId: claim.firingId,
      trigger: { index, type: trigger.type },
      scheduledMs: claim.dueMs,
      actualMs: now,
    };
    if (skip !== undefined) {
      await this.record({ ...base, status: 'skipped', reason: skip, conditions: [], actions: [] });
      await this.o.timers.finish(claim.firingId, claim.token);
      return this.count('skipped');
    }
    const context: RunContext = {
      ruleId: rule.id,
      runId: claim.firingId,
      token: claim.token,
      aborted: false,
      fenced: false,
      provenMs,
      registered: false,
      waiting: false,
      recheck: false,
    };
    const renewEveryMs = Math.max(10, Math.min(Math.floor(this.o.leaseMs / 3), this.o.runCheckIntervalMs));
    let renewTimer: ClockTimer | undefined;
    // Renews the firing's lease, then the run's registry entry: false once the run must end.
    const renewBoth = async (): Promise<boolean> => {
      const sentMs = this.clock.now();
      if (!(await this.o.timers.renew(claim.firingId, claim.token, this.o.leaseMs, sentMs))) {
        context.fenced = true;
        abort(context);
        return false;
      }
      context.provenMs = Math.max(context.provenMs, sentMs);
      return !context.registered || this.checkEntry(context, sentMs);
    };
    const renew = (): void => {
      renewTimer = this.clock.setTimeout(() => {
        void renewBoth().then(
          (again) => again && renewTimer !== undefined && renew(),
          () => renewTimer !== undefined && renew(),
        );
      }, renewEveryMs);
      renewTimer.unref();
    };
    renew();
    try {
      await this.dispatch(rule, context, claim, base);
    } finally {
      if (renewTimer !== undefined) this.clock.clearTimeout(renewTimer);
      renewTimer = undefined;
      await this.o.timers.finish(claim.firingId, claim.token);
    }
  }

  private async dispatch(
    rule: Rule,
    context: RunContext,
    claim: TimerClaim,
    base: Omit<RuleRun, 'runId' | 'status' | 'conditions' | 'actions' | 'finishedMs'>,
  ): Promise<void> {
    const admission = await this.registry.admit(rule.id, context.runId, {
      mode: rule.mode,
      max: rule.max,
      token: context.token,
      order: claim.dueMs,
      nowMs: this.clock.now(),
      leaseMs: this.o.leaseMs,
    });
    // Runs of this replica stopped by a restart end at once; other replicas' on their next check.
    for (const runId of admission.stopped) {
      const other = this.local.get(runId);
      if (other !== undefined) stop(other, RESTARTED);
    }
    if (admission.decision === 'busy') {
      await this.record({
        ...base,
        status: 'skipped',
        reason: `mode ${rule.mode}: already running`,
        conditions: [],
        actions: [],
      });
      return this.count('skipped');
    }
    context.registered = true;
    this.local.set(context.runId, context);
    try {
      if (admission.decision === 'queued' && !(await this.awaitTurn(context))) {
        const status = context.fenced ? 'fenced' : 'cancelled';
        await this.record({
          ...base,
          status,
          reason: context.reason ?? 'stopped while queued',
          conditions: [],
          actions: [],
        });
        return this.count(status);
      }
      await this.execute(rule, context, claim, base);
    } finally {
      if (this.local.get(context.runId) === context) this.local.delete(context.runId);
      context.registered = false;
      await this.registry
        .release(rule.id, context.runId, context.token)
        .catch((error: unknown) => this.o.onError?.(error));
      // A waiting run of this replica need not wait for its next poll.
      for (const other of this.waitingByRule.get(rule.id) ?? []) other.wake?.();
    }
  }

  /** Waits in the rule's queue until it is this run's turn (true) or the run is stopped or dropped (false). */
  private async awaitTurn(context: RunContext): Promise<boolean> {
    context.waiting = true;
    const waiting = this.waitingByRule.get(context.ruleId) ?? new Set<RunContext>();
    this.waitingByRule.set(context.ruleId, waiting.add(context));
    try {
      for (;;) {
        if (context.aborted) return false;
        const turn = await this.registry.poll(
          context.ruleId,
          context.runId,
          context.token,
          this.clock.now(),
          this.o.leaseMs,
        );
        if (turn === 'run') return !context.aborted;
        if (turn === 'gone') {
          stop(context, 'dropped from the queue (its lease lapsed)');
          return false;
        }
        await this.sleep(this.o.pollIntervalMs, context);
      }
    } finally {
      context.waiting = false;
      waiting.delete(context);
      if (waiting.size === 0 && this.waitingByRule.get(context.ruleId) === waiting)
        this.waitingByRule.delete(context.ruleId);
    }
  }

  /** Renews the run's registry entry; when it is gone (a restart stopped it) the run is stopped. */
  private async checkEntry(context: RunContext, nowMs: number): Promise<boolean> {
    context.recheck = false;
    const held = await this.registry.renew(context.ruleId, context.runId, context.token, nowMs, this.o.leaseMs);
    if (!held && context.registered) {
      // A replica that took this firing over replaces the entry too: that is a fence, not a
      // restart, whichever of the two checks notices first after a pause.
      const firingHeld = await this.o.timers
        .renew(context.runId, context.token, this.o.leaseMs, nowMs)
        .catch(() => false);
      if (!firingHeld) context.fenced = true;
      stop(context, RESTARTED);
    }
    return held;
  }

  private async execute(
    rule: Rule,
    context: RunContext,
    claim: TimerClaim,
    base: Omit<RuleRun, 'runId' | 'status' | 'conditions' | 'actions' | 'finishedMs'>,
  ): Promise<void> {
    const conditions: ConditionOutcome[] = [];
    const conditionContext = { nowMs: this.clock.now(), deviceState: (id: string) => this.o.states.get(id) };
    let pass = true;
    for (const [index, condition] of rule.conditions.entries()) {
      const result: boolean = pass && (await evaluate(condition, conditionContext));
      conditions.push({ index, type: condition.type, result });
      pass &&= result;
    }
    if (!pass) {
      await this.record({ ...base, status: 'conditions_false', conditions, actions: [] });
      return this.count('conditions_false');
    }
    const actions: ActionOutcome[] = [];
    const status = await this.runActions(rule, rule.actions, `${claim.firingId}/`, context, claim, actions, 0);
    const reason = status === 'cancelled' ? context.reason : undefined;
    await this.record({ ...base, status, ...(reason === undefined ? {} : { reason }), conditions, actions });
    this.count(status);
  }

  private async runActions(
    rule: Rule,
    list: readonly Action[],
    keyPrefix: string,
    context: RunContext,
    claim: TimerClaim,
    outcomes: ActionOutcome[],
    depth: number,
  ): Promise<RuleRun['status']> {
    for (const [index, action] of list.entries()) {
      const started = this.clock.now();
      const outcome = (status: ActionOutcome['status'], error?: string): ActionOutcome => ({
        index: outcomes.length,
        type: action.type,
        status,
        durationMs: this.clock.now() - started,
        ...(error === undefined ? {} : { error }),
      });
      // Time passed since the last look at the registry: a restart elsewhere may have stopped this run.
      if (context.recheck && !context.aborted) await this.checkEntry(context, started);
      if (context.aborted && !context.fenced) {
        outcomes.push(outcome('cancelled'));
        return 'cancelled';
      }
      // A lease is not a lock: before an effect the token must have been proven current within
      // half a lease (the rest is margin for clock drift), else it is checked (and renewed) now.
      if (context.fenced || !(await this.stillHolds(claim, context))) {
        context.fenced = true;
        outcomes.push(outcome('fenced'));
        return 'fenced';
      }
      const key = `${keyPrefix}${index}`;
      try {
        if (action.type === 'delay') {
          await this.sleep(action.ms, context);
          if (context.aborted) {
            outcomes.push(outcome(context.fenced ? 'fenced' : 'cancelled'));
            return context.fenced ? 'fenced' : 'cancelled';
          }
        } else if (action.type === 'run_rule') {
          const scene = await this.o.rules.get(action.ruleId);
          if (scene === null || scene.homeId !== rule.homeId || depth >= 5)
            throw new Error(`rule ${action.ruleId} cannot run`);
          const inner: ActionOutcome[] = [];
          const status = await this.runActions(scene, scene.actions, `${key}/`, context, claim, inner, depth + 1);
          if (status !== 'completed') {
            outcomes.push(outcome(status === 'failed' ? 'failed' : status === 'fenced' ? 'fenced' : 'cancelled'));
            return status;
          }
        } else {
          await this.withRetries(() => this.effect(rule, action, key));
        }
        outcomes.push(outcome('ok'));
      } catch (error) {
        outcomes.push(outcome('failed', error instanceof Error ? error.message : String(error)));
        return 'failed';
      } finally {
        context.recheck = true;
      }
    }
    return 'completed';
  }

  private async stillHolds(claim: TimerClaim, context: RunContext): Promise<boolean> {
    const now = this.clock.now();
    if (now - context.provenMs < this.o.leaseMs / 2) return true;
    const ok = await this.o.timers.renew(claim.firingId, claim.token, this.o.leaseMs, now);
    if (ok) context.provenMs = Math.max(context.provenMs, now);
    return ok;
  }

  private effect(rule: Rule, action: Exclude<Action, { type: 'delay' | 'run_rule' }>, key: string): Promise<void> {
    switch (action.type) {
      case 'device_command':
        return this.o.devices.sendCommand({
          commandId: key,
          homeId: rule.homeId,
          deviceId: action.deviceId,
          method: action.method,
          params: action.params,
          timeoutMs: action.timeoutMs,
        });
      case 'set_desired':
        return this.o.devices.updateDesired({
          idempotencyKey: key,
          homeId: rule.homeId,
          deviceId: action.deviceId,
          desired: action.desired,
        });
      case 'push':
        return this.o.push.send({
          idempotencyKey: key,
          homeId: rule.homeId,
          title: action.title,
          body: action.body,
          ruleId: rule.id,
        });
      case 'webhook':
        return this.o.webhooks.call({
          idempotencyKey: key,
          url: action.url,
          method: action.method,
          body: { ...action.body, ruleId: rule.id, firingId: key },
          ...(action.secret === undefined ? {} : { secret: action.secret }),
        });
    }
  }

  private async withRetries(effect: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await effect();
      } catch (error) {
        const retryable = LatticeError.isLatticeError(error) && error.retryable;
        if (!retryable || attempt >= this.o.actionAttempts) throw error;
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, 50 * 2 ** attempt).unref());
      }
    }
  }

  private sleep(ms: number, context: RunContext): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(() => {
        context.wake = undefined;
        resolve();
      }, ms);
      context.wake = () => {
        this.clock.clearTimeout(timer);
        resolve();
      };
    });
  }

  private async record(run: Omit<RuleRun, 'runId' | 'finishedMs'>): Promise<void> {
    const full: RuleRun = { runId: newId(), finishedMs: this.clock.now(), ...run };
    await this.o.runs.append(full);
    this.o.onRun?.(full);
  }

  private count(outcome: string): void {
    this.firings?.inc({ outcome });
  }
}

const RESTARTED = 'stopped by a newer run (mode restart)';

/** Stops a run that is not fenced: it records `cancelled` with `reason`. */
function stop(context: RunContext, reason: string): void {
  if (context.aborted) return;
  context.reason = reason;
  abort(context);
}

function abort(context: RunContext): void {
  context.aborted = true;
  const wake = context.wake;
  context.wake = undefined;
  wake?.();
}

function scalarValues(data: Readonly<Record<string, unknown>>): Record<string, Scalar> {
  const source =
    typeof data['values'] === 'object' && data['values'] !== null ? (data['values'] as Record<string, unknown>) : data;
  const out: Record<string, Scalar> = {};
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') out[key] = value;
  }
  return out;
}
