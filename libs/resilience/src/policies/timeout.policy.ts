import { systemClock, type Clock, type ClockTimer } from '@lattice/core';
import { TimeoutError } from '../resilience.errors.js';
import { ResilienceMetrics } from '../internal/resilience-metrics.js';
import type { CallContext, Policy, PolicyWiring, ResilientCall } from './policy.interfaces.js';

/** Options of {@link TimeoutPolicy}. */
export interface TimeoutOptions {
  /** Time the call may take before it is aborted and {@link TimeoutError} is thrown. */
  timeoutMs: number;
  /** Time source. @default systemClock */
  clock?: Clock;
}

/**
 * The context the callee sees under a timeout. The AbortController is created only when the
 * callee reads `signal`, so calls that cannot be cancelled pay nothing for it.
 */
class TimeoutContext implements CallContext {
  controller: AbortController | undefined;
  reason: unknown;
  private unlink: (() => void) | undefined;

  constructor(private readonly outer: CallContext) {}

  get key(): string {
    return this.outer.key;
  }
  get param(): string | undefined {
    return this.outer.param;
  }
  get attempt(): number | undefined {
    return this.outer.attempt;
  }
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = (this.controller = new AbortController());
      if (this.reason !== undefined) controller.abort(this.reason);
      const outer = this.outer.signal;
      if (outer !== undefined) {
        if (outer.aborted) controller.abort(outer.reason);
        else {
          const onAbort = (): void => controller.abort(outer.reason);
          outer.addEventListener('abort', onAbort, { once: true });
          this.unlink = () => outer.removeEventListener('abort', onAbort);
        }
      }
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    this.reason = reason;
    this.controller?.abort(reason);
    this.done();
  }

  done(): void {
    this.unlink?.();
    this.unlink = undefined;
  }
}

interface Deadline {
  readonly dueAt: number;
  settled: boolean;
  /** Dropped once the call settles: it holds the call's context and promise. */
  expire: (() => void) | undefined;
}

/** Takes a settled deadline's slot in the queue, so the queue keeps nothing of a finished call. */
const PASSED: Deadline = Object.freeze({ dueAt: 0, settled: true, expire: undefined });

/**
 * Bounds a call's duration: after `timeoutMs` the call's `signal` is aborted and the caller
 * gets {@link TimeoutError} at once, whether or not the callee honours the signal.
 *
 * Every call of one policy has the same timeout, so deadlines arrive in call order: they wait
 * in a FIFO queue watched by a single clock timer, instead of one timer per call (arming and
 * clearing a Node timer per call would cost more than the rest of the pipeline together).
 *
 * @example
 * ```ts
 * const timeout = new TimeoutPolicy({ timeoutMs: 2_000 });
 * const res = await timeout.execute(({ signal }) => fetch('http://device/health', { signal }), { key: 'device' });
 * ```
 */
export class TimeoutPolicy implements Policy {
  readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly name: string;
  private readonly metrics: ResilienceMetrics;
  private readonly queue: Deadline[] = [];
  private head = 0;
  private timer: ClockTimer | undefined;
  private readonly onTimer = (): void => this.expireDue();

  constructor(options: TimeoutOptions, wiring: PolicyWiring = {}) {
    this.timeoutMs = options.timeoutMs;
    this.clock = options.clock ?? systemClock;
    this.name = wiring.name ?? 'default';
    this.metrics = new ResilienceMetrics(wiring.metrics);
  }

  /** Calls waiting for their result or their deadline. */
  get pending(): number {
    let count = 0;
    for (let i = this.head; i < this.queue.length; i++) if (!this.queue[i]!.settled) count++;
    return count;
  }

  execute<T>(call: ResilientCall<T>, context: CallContext): Promise<T> {
    const inner = new TimeoutContext(context);
    return new Promise<T>((resolve, reject) => {
      const deadline: Deadline = {
        dueAt: this.clock.now() + this.timeoutMs,
        settled: false,
        expire: () => {
          const error = new TimeoutError(context.key, this.timeoutMs);
          inner.abort(error);
          this.metrics.rejected(this.name, 'timeout');
          reject(error);
        },
      };
      this.enqueue(deadline);
      let result: Promise<T> | T;
      try {
        result = call(inner);
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the callee's own rejection value, passed on unchanged
        result = Promise.reject(error);
      }
      Promise.resolve(result).then(
        (value) => {
          if (deadline.settled) return;
          this.settle(deadline);
          inner.done();
          resolve(value);
        },
        (error: unknown) => {
          if (deadline.settled) return;
          this.settle(deadline);
          inner.done();
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the callee's own rejection value, passed on unchanged
          reject(error);
        },
      );
    });
  }

  /** Stops the deadline timer (pending calls then get no timeout). */
  close(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private enqueue(deadline: Deadline): void {
    this.queue.push(deadline);
    if (this.timer === undefined) this.arm(deadline.dueAt);
  }

  private settle(deadline: Deadline): void {
    deadline.settled = true;
    // Under steady load the queue is never empty and is compacted only now and then: a settled
    // deadline that kept its closure kept the whole finished call alive until then (long
    // enough to be promoted out of the young generation, which made every later GC slower).
    deadline.expire = undefined;
    // Drop settled deadlines from the front so the queue holds only calls still running.
    while (this.head < this.queue.length && this.queue[this.head]!.settled) this.queue[this.head++] = PASSED;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1_024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private arm(dueAt: number): void {
    this.timer = this.clock.setTimeout(this.onTimer, Math.max(0, dueAt - this.clock.now())).unref();
  }

  private expireDue(): void {
    this.timer = undefined;
    const now = this.clock.now();
    while (this.head < this.queue.length) {
      const deadline = this.queue[this.head]!;
      if (!deadline.settled) {
        if (deadline.dueAt > now) break;
        deadline.settled = true;
        const expire = deadline.expire;
        deadline.expire = undefined;
        expire?.();
      }
      this.queue[this.head++] = PASSED;
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.timer === undefined) {
      // (an abort listener may have started a call, and armed the timer, meanwhile)
      this.arm(this.queue[this.head]!.dueAt);
    }
  }
}
