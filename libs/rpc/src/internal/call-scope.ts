import { AsyncLocalStorage } from 'node:async_hooks';

/** What an outgoing call inherits from the call being handled. */
export interface InboundCall {
  /** Epoch ms deadline of the inbound call (`Infinity` when none). */
  readonly deadlineMs: number;
  /** Aborted when the inbound call is cancelled. */
  readonly signal: AbortSignal;
}

// Holds only per-async-flow data (never shared between apps): the deadline of the call
// being handled, so outgoing calls made inside a handler carry the remaining time.
const scope = new AsyncLocalStorage<InboundCall>();

export function runInCall<T>(call: InboundCall, fn: () => T): T {
  return scope.run(call, fn);
}

export function currentInbound(): InboundCall | undefined {
  return scope.getStore();
}
