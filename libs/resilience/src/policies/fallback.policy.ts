import { invoke } from '../internal/invoke.js';
import type { CallContext, Policy, ResilientCall } from './policy.interfaces.js';

/** Options of {@link FallbackPolicy}: a value, or a function of the error. */
export interface FallbackOptions {
  /** Answer given instead of the error (used when `handler` is not set). */
  value?: unknown;
  /** Computes the answer from the error; may be async; may rethrow. */
  handler?: (error: unknown, context: CallContext) => unknown;
  /** Which errors fall back. @default every error */
  when?: (error: unknown) => boolean;
}

/**
 * Turns a failure into a degraded answer: a fixed value or a function of the error.
 *
 * @example
 * ```ts
 * const fallback = new FallbackPolicy({ handler: (err) => ({ devices: [], degraded: true }) });
 * const list = await fallback.execute(() => api.listDevices(homeId), { key: 'listDevices' });
 * ```
 */
export class FallbackPolicy implements Policy {
  constructor(private readonly options: FallbackOptions) {}

  execute<T>(call: ResilientCall<T>, context: CallContext): Promise<T> {
    return invoke(call, context).catch((error: unknown) => {
      if (this.options.when !== undefined && !this.options.when(error)) throw error;
      if (this.options.handler !== undefined) return this.options.handler(error, context) as T | Promise<T>;
      return this.options.value as T;
    });
  }
}
