import { EventEmitter } from 'node:events';
import { LatticeError, type Clock } from '@lattice/core';
import CircuitBreaker from 'opossum';
import { invoke } from '../internal/invoke.js';
import type { BreakerMetrics } from '../internal/resilience-metrics.js';
import type { CallContext, ResilientCall } from '../policies/policy.interfaces.js';
import { BreakerOpenError } from '../resilience.errors.js';
import { CountWindow, Counted, RollingCounts, TimeWindow, type BreakerWindow } from './breaker-window.js';
import type { BreakerSnapshot, BreakerState } from './circuit-breaker.interfaces.js';

/** Resolved breaker settings (every option filled in). */
export interface BreakerSettings {
  slidingWindow: 'count' | 'time';
  windowSizeCalls: number;
  windowDurationMs: number;
  minimumCalls: number;
  failureRateThresholdPercent: number;
  slowCallDurationMs: number;
  slowCallRateThresholdPercent: number;
  openDurationMs: number;
  halfOpenPermittedCalls: number;
  recordError: (error: unknown) => boolean;
  clock: Clock;
}

/** Largest delay Node's setTimeout accepts; opossum's own reset timer is parked there. */
const PARKED_TIMER_MS = 2 ** 31 - 1;
const STATS_BUCKETS = 10;

type Action = (call: ResilientCall<unknown>, context: CallContext) => Promise<unknown>;

/**
 * One key's breaker. opossum is the gate (an opened opossum breaker refuses calls and emits
 * `reject`); its own trip logic, timeout and timers are switched off, and this class decides
 * every transition from a clock-driven window and keeps the rolling counters of the snapshot.
 */
export class Breaker {
  private current: BreakerState = 'closed';
  private openedAt = 0;
  private readonly window: BreakerWindow;
  private readonly gate: CircuitBreaker<Parameters<Action>, unknown>;
  private readonly rotate = new EventEmitter();
  private readonly counts = new RollingCounts(STATS_BUCKETS);
  private nextRotateAt: number;
  private readonly rotateMs: number;
  private trialAdmitted = 0;
  private trialDone = 0;
  private trialFailures = 0;
  private trialSlow = 0;

  constructor(
    readonly key: string,
    private readonly settings: BreakerSettings,
    private readonly metrics: BreakerMetrics,
    private readonly onTransition: (key: string, from: BreakerState, to: BreakerState) => void,
  ) {
    this.window =
      settings.slidingWindow === 'count'
        ? new CountWindow(settings.windowSizeCalls)
        : new TimeWindow(settings.windowDurationMs, STATS_BUCKETS, settings.clock);
    this.rotateMs = settings.windowDurationMs / STATS_BUCKETS;
    this.nextRotateAt = settings.clock.now() + this.rotateMs;
    const action: Action = (call, context) => invoke(call, context);
    this.gate = new CircuitBreaker(action, {
      name: key,
      timeout: false,
      resetTimeout: PARKED_TIMER_MS,
      volumeThreshold: Number.MAX_SAFE_INTEGER,
      errorThresholdPercentage: 100,
      rollingCountTimeout: settings.windowDurationMs,
      rollingCountBuckets: STATS_BUCKETS,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      rotateBucketController: this.rotate,
      errorFilter: (error: unknown) => !settings.recordError(error),
    });
  }

  /** The state at the clock's current time (an open breaker past its open duration is half-open). */
  get state(): BreakerState {
    this.advance(this.settings.clock.now());
    return this.current;
  }

  execute<T>(call: ResilientCall<T>, context: CallContext): Promise<T> {
    const clock = this.settings.clock;
    const start = clock.now();
    this.advance(start);
    if (this.current === 'half-open') {
      if (this.trialAdmitted >= this.settings.halfOpenPermittedCalls) {
        this.counts.add(Counted.Fires);
        this.counts.add(Counted.Rejects);
        this.metrics.outcome('rejected', false);
        return Promise.reject(new BreakerOpenError(this.key, 0));
      }
      this.trialAdmitted++;
    }
    this.counts.add(Counted.Fires);
    // Closed, opossum's gate would only pass the call through: skip fire()'s promise,
    // semaphore and argument copies (~0.7 µs per call).
    const phase = this.current;
    const pending = phase === 'closed' ? invoke(call, context) : (this.gate.fire(call, context) as Promise<T>);
    return pending.then(
      (value) => {
        this.counts.add(Counted.Successes);
        this.record(phase, false, clock.now() - start);
        return value;
      },
      (error: unknown) => {
        if (phase !== 'closed' && CircuitBreaker.isOurError(error as Error)) {
          this.counts.add(Counted.Rejects);
          this.metrics.outcome('rejected', false);
          throw new BreakerOpenError(this.key, this.openedAt + this.settings.openDurationMs - clock.now());
        }
        // As opossum counts: an error the filter lets through is a success in the counters.
        if (this.settings.recordError(error)) {
          this.counts.add(Counted.Failures);
          this.record(phase, true, clock.now() - start);
        } else {
          this.counts.add(Counted.Successes);
          this.ignored(phase);
        }
        throw error;
      },
    );
  }

  snapshot(): BreakerSnapshot {
    const now = this.settings.clock.now();
    this.advance(now);
    const totals =
      this.current === 'half-open'
        ? { calls: this.trialDone, failures: this.trialFailures, slow: this.trialSlow }
        : this.window.totals();
    return {
      key: this.key,
      state: this.current,
      calls: totals.calls,
      failureRatePercent: totals.calls === 0 ? 0 : (100 * totals.failures) / totals.calls,
      slowCallRatePercent: totals.calls === 0 ? 0 : (100 * totals.slow) / totals.calls,
      retryAfterMs: this.current === 'open' ? Math.max(0, this.openedAt + this.settings.openDurationMs - now) : 0,
      stats: {
        fires: this.counts.total(Counted.Fires),
        successes: this.counts.total(Counted.Successes),
        failures: this.counts.total(Counted.Failures),
        rejects: this.counts.total(Counted.Rejects),
      },
    };
  }

  /** Releases opossum's listeners and its parked timer. */
  shutdown(): void {
    this.gate.shutdown();
    this.metrics.remove();
  }

  private advance(now: number): void {
    if (now >= this.nextRotateAt) {
      const steps = Math.min(STATS_BUCKETS, Math.floor((now - this.nextRotateAt) / this.rotateMs) + 1);
      for (let i = 0; i < steps; i++) {
        this.rotate.emit('rotate');
        this.counts.rotate();
      }
      this.nextRotateAt += Math.ceil((now - this.nextRotateAt + 1) / this.rotateMs) * this.rotateMs;
    }
    if (this.current === 'open' && now - this.openedAt >= this.settings.openDurationMs) {
      this.transition('half-open', now);
    }
  }

  private record(phase: BreakerState, failure: boolean, durationMs: number): void {
    const slow = durationMs >= this.settings.slowCallDurationMs;
    this.metrics.outcome(failure ? 'failure' : 'success', slow);
    const now = this.settings.clock.now();
    if (phase === 'half-open') {
      if (this.current !== 'half-open') return;
      this.trialDone++;
      if (failure) this.trialFailures++;
      if (slow) this.trialSlow++;
      if (this.trialDone >= this.settings.halfOpenPermittedCalls) {
        const tripped = this.exceeds(this.trialDone, this.trialFailures, this.trialSlow);
        this.transition(tripped ? 'open' : 'closed', now);
      }
      return;
    }
    if (this.current !== 'closed') return;
    this.window.record(failure, slow);
    const totals = this.window.totals();
    if (totals.calls >= this.settings.minimumCalls && this.exceeds(totals.calls, totals.failures, totals.slow)) {
      this.transition('open', now);
    }
  }

  private ignored(phase: BreakerState): void {
    this.metrics.outcome('ignored', false);
    // An ignored trial call gives its permit back, so half-open still judges the full number.
    if (phase === 'half-open' && this.current === 'half-open') this.trialAdmitted--;
  }

  private exceeds(calls: number, failures: number, slow: number): boolean {
    return (
      (100 * failures) / calls >= this.settings.failureRateThresholdPercent ||
      (100 * slow) / calls >= this.settings.slowCallRateThresholdPercent
    );
  }

  private transition(to: BreakerState, now: number): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.trialAdmitted = this.trialDone = this.trialFailures = this.trialSlow = 0;
    if (to === 'open') {
      this.openedAt = now;
      this.gate.open();
    } else {
      // Half-open trials and closed calls both pass opossum's gate; half-open permits are counted here.
      this.gate.close();
      if (to === 'closed') this.window.reset();
    }
    this.metrics.state(to);
    this.onTransition(this.key, from, to);
  }
}

/**
 * The default error filter of breakers: 4xx-class client errors (a LatticeError's or an
 * error's `status`/`statusCode` in 400–499) and local rejections (rate limit, bulkhead) do not
 * count; everything else does. Timeouts count (504).
 *
 * @example
 * ```ts
 * new CircuitBreakerPolicy({ recordError: (err) => defaultRecordError(err) && !(err instanceof NotFoundError) });
 * ```
 */
export function defaultRecordError(error: unknown): boolean {
  if (LatticeError.isLatticeError(error)) {
    if (error.code === 'RESILIENCE_RATE_LIMITED' || error.code === 'RESILIENCE_BULKHEAD_FULL') return false;
    return error.status < 400 || error.status >= 500;
  }
  const candidate = error as { status?: unknown; statusCode?: unknown } | null;
  const status = typeof candidate?.status === 'number' ? candidate.status : candidate?.statusCode;
  return !(typeof status === 'number' && status >= 400 && status < 500);
}
