import { invoke } from '../internal/invoke.js';
import { abortReason } from '../internal/sleep.js';
import { BulkheadFullError } from '../resilience.errors.js';
import { ResilienceMetrics } from '../internal/resilience-metrics.js';
import type { CallContext, Policy, PolicyWiring, ResilientCall } from './policy.interfaces.js';

/** Options of {@link BulkheadPolicy}. */
export interface BulkheadOptions {
  /** Calls running at once. */
  maxConcurrent: number;
  /** Calls waiting for a slot; more are rejected with {@link BulkheadFullError}. @default 0 */
  maxQueue?: number;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Isolates a dependency: at most `maxConcurrent` calls run, up to `maxQueue` wait in FIFO
 * order, and the rest are rejected at once with {@link BulkheadFullError}. A waiting call
 * whose signal aborts leaves the queue.
 *
 * @example
 * ```ts
 * const bulkhead = new BulkheadPolicy({ maxConcurrent: 10, maxQueue: 50 });
 * await bulkhead.execute(() => db.query(sql), { key: 'db' });
 * ```
 */
export class BulkheadPolicy implements Policy {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  private running = 0;
  private readonly queue: Waiter[] = [];
  private readonly release = (): void => this.next();

  private readonly name: string;
  private readonly metrics: ResilienceMetrics;

  constructor(options: BulkheadOptions, wiring: PolicyWiring = {}) {
    this.maxConcurrent = options.maxConcurrent;
    this.maxQueue = options.maxQueue ?? 0;
    this.name = wiring.name ?? 'default';
    this.metrics = new ResilienceMetrics(wiring.metrics);
  }

  /** Calls running now. */
  get active(): number {
    return this.running;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.queue.length;
  }

  execute<T>(call: ResilientCall<T>, context: CallContext): Promise<T> {
    if (this.running < this.maxConcurrent && this.queue.length === 0) {
      this.running++;
      const result = invoke(call, context);
      result.then(this.release, this.release);
      return result;
    }
    if (this.queue.length >= this.maxQueue) {
      this.metrics.rejected(this.name, 'bulkhead_full');
      return Promise.reject(new BulkheadFullError(context.key, this.maxConcurrent, this.maxQueue));
    }
    return this.wait(context.signal).then(() => {
      const result = invoke(call, context);
      result.then(this.release, this.release);
      return result;
    });
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
    });
  }

  private next(): void {
    const waiter = this.queue.shift();
    if (waiter === undefined) {
      this.running--;
      return;
    }
    // The slot passes straight to the next waiter, so `running` stays the same.
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve();
  }
}
