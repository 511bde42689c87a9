import type { Counter, Gauge, MetricsRegistry } from '@lattice/telemetry';
import type { BreakerState } from '../breaker/circuit-breaker.interfaces.js';

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, 'half-open': 2 };

/** Outcome of one call through a breaker, as counted in `resilience_breaker_calls_total`. */
export type BreakerOutcome = 'success' | 'failure' | 'ignored' | 'rejected';

/** Per-breaker metric children, resolved once so the call path does not hash labels. */
export interface BreakerMetrics {
  state(state: BreakerState): void;
  outcome(outcome: BreakerOutcome, slow: boolean): void;
  remove(): void;
}

const NOOP_BREAKER: BreakerMetrics = { state() {}, outcome() {}, remove() {} };

/**
 * Flush functions of the call counters, kept on the metric object itself (one per app
 * registry, no module state): calls are counted in plain numbers on the hot path and handed
 * to prom-client when it collects, because a labelled `inc()` re-hashes its labels every time.
 */
const FLUSHERS = Symbol('lattice.resilience.flushers');
type Flushable = { [FLUSHERS]?: Set<() => void> };

function flushersOf(metric: object): Set<() => void> {
  const holder = metric as Flushable;
  return (holder[FLUSHERS] ??= new Set());
}

/**
 * The lib's Prometheus metrics. Without a registry every method is a no-op; with one, any
 * failure inside prom-client is swallowed (telemetry never throws into the request path).
 */
export class ResilienceMetrics {
  private readonly breakerState: Gauge<'policy' | 'key'> | undefined;
  private readonly breakerCalls: Counter<'policy' | 'key' | 'outcome'> | undefined;
  private readonly breakerSlow: Counter<'policy' | 'key'> | undefined;
  private readonly breakerTransitions: Counter<'policy' | 'key' | 'to'> | undefined;
  private readonly rejections: Counter<'policy' | 'reason'> | undefined;
  private readonly retries: Counter<'policy' | 'outcome'> | undefined;
  private readonly rules: Counter<'outcome'> | undefined;

  constructor(registry: MetricsRegistry | undefined) {
    if (registry === undefined) return;
    this.breakerState = registry.gauge({
      name: 'resilience_breaker_state',
      help: 'Circuit breaker state: 0 closed, 1 open, 2 half-open',
      labelNames: ['policy', 'key'],
    });
    this.breakerCalls = registry.counter({
      name: 'resilience_breaker_calls_total',
      help: 'Calls through circuit breakers by outcome (success, failure, ignored, rejected)',
      labelNames: ['policy', 'key', 'outcome'],
      collect() {
        for (const flush of flushersOf(this)) flush();
      },
    });
    this.breakerSlow = registry.counter({
      name: 'resilience_breaker_slow_calls_total',
      help: 'Calls through circuit breakers that were slower than slowCallDurationMs',
      labelNames: ['policy', 'key'],
      collect() {
        for (const flush of flushersOf(this)) flush();
      },
    });
    this.breakerTransitions = registry.counter({
      name: 'resilience_breaker_transitions_total',
      help: 'Circuit breaker state changes by target state',
      labelNames: ['policy', 'key', 'to'],
    });
    this.rejections = registry.counter({
      name: 'resilience_rejections_total',
      help: 'Calls refused by a policy (rate_limited, bulkhead_full, timeout)',
      labelNames: ['policy', 'reason'],
    });
    this.retries = registry.counter({
      name: 'resilience_retries_total',
      help: 'Retry decisions (retried, exhausted, budget_exhausted)',
      labelNames: ['policy', 'outcome'],
    });
    this.rules = registry.counter({
      name: 'resilience_rules_updates_total',
      help: 'Live rule sets applied or refused',
      labelNames: ['outcome'],
    });
  }

  breaker(policy: string, key: string): BreakerMetrics {
    const stateGauge = this.breakerState;
    const calls = this.breakerCalls;
    const slowCalls = this.breakerSlow;
    const transitions = this.breakerTransitions;
    if (stateGauge === undefined || calls === undefined || slowCalls === undefined || transitions === undefined)
      return NOOP_BREAKER;
    try {
      const labels = { policy, key };
      const outcomes: readonly BreakerOutcome[] = ['success', 'failure', 'ignored', 'rejected'];
      const counted: Record<BreakerOutcome, number> = { success: 0, failure: 0, ignored: 0, rejected: 0 };
      const reported: Record<BreakerOutcome, number> = { success: 0, failure: 0, ignored: 0, rejected: 0 };
      let slow = 0;
      let slowReported = 0;
      const flushCalls = (): void =>
        safe(() => {
          for (const outcome of outcomes) {
            const delta = counted[outcome] - reported[outcome];
            if (delta > 0) calls.inc({ ...labels, outcome }, delta);
            reported[outcome] = counted[outcome];
          }
        });
      const flushSlow = (): void =>
        safe(() => {
          if (slow > slowReported) slowCalls.inc(labels, slow - slowReported);
          slowReported = slow;
        });
      flushersOf(calls).add(flushCalls);
      flushersOf(slowCalls).add(flushSlow);
      const gauge = stateGauge.labels(labels);
      gauge.set(0);
      return {
        state: (state) =>
          safe(() => {
            gauge.set(STATE_VALUE[state]);
            transitions.inc({ ...labels, to: state });
          }),
        outcome: (outcome, isSlow) => {
          counted[outcome]++;
          if (isSlow) slow++;
        },
        remove: () =>
          safe(() => {
            flushersOf(calls).delete(flushCalls);
            flushersOf(slowCalls).delete(flushSlow);
            stateGauge.remove(labels);
            slowCalls.remove(labels);
            for (const outcome of outcomes) calls.remove({ ...labels, outcome });
            for (const to of Object.keys(STATE_VALUE)) transitions.remove({ ...labels, to });
          }),
      };
    } catch {
      return NOOP_BREAKER;
    }
  }

  rejected(policy: string, reason: 'rate_limited' | 'bulkhead_full' | 'timeout'): void {
    if (this.rejections !== undefined) safe(() => this.rejections!.inc({ policy, reason }));
  }

  retry(policy: string, outcome: 'retried' | 'exhausted' | 'budget_exhausted'): void {
    if (this.retries !== undefined) safe(() => this.retries!.inc({ policy, outcome }));
  }

  rulesUpdate(outcome: 'applied' | 'refused'): void {
    if (this.rules !== undefined) safe(() => this.rules!.inc({ outcome }));
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // Telemetry never throws into the request path.
  }
}
