import type { MetricsRegistry } from '@lattice/telemetry';

/**
 * What a policy knows about one call. `key` names the protected thing (service + method +
 * instance for breakers); `param` is the hot parameter (user id, hub id) for per-key limits.
 */
export interface CallContext {
  /** Name of the protected dependency or operation; breakers and metrics are per key. */
  readonly key: string;
  /** Hot-parameter value for per-parameter rate limits (user id, hub id). */
  readonly param?: string | undefined;
  /** Aborts the call: the caller's signal, joined with the timeout's when a timeout applies. */
  readonly signal?: AbortSignal | undefined;
  /** 1 for the first attempt, 2 for the first retry, ... (set by the retry policy). */
  readonly attempt?: number | undefined;
}

/** The protected call. It receives the context, and should pass `signal` on to I/O that accepts one. */
export type ResilientCall<T> = (context: CallContext) => Promise<T> | T;

/**
 * A resilience policy: something that wraps a call. Each policy is usable alone; a
 * {@link ResiliencePipeline} composes them in the documented order.
 *
 * @example
 * ```ts
 * const policy: Policy = new TimeoutPolicy({ timeoutMs: 500 });
 * const body = await policy.execute(({ signal }) => fetch(url, { signal }).then((r) => r.text()), { key: 'weather' });
 * ```
 */
export interface Policy {
  /** Runs `call` under this policy. */
  execute<T>(call: ResilientCall<T>, context: CallContext): Promise<T>;
}

/**
 * What a policy needs besides its options: its name (the `policy` metric label) and the
 * registry its metrics go to. Pipelines and the Nest module fill it in.
 *
 * @example
 * ```ts
 * new BulkheadPolicy({ maxConcurrent: 4 }, { name: 'db', metrics });
 * ```
 */
export interface PolicyWiring {
  /** Policy name used as the `policy` label. @default 'default' */
  name?: string;
  /** Where the policy's metrics go. @default none */
  metrics?: MetricsRegistry;
}
