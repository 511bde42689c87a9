import type { PushMessage } from '../push.interfaces.js';
import type { AcceptedRecipient } from '../stores/push-store.interfaces.js';

/** "These users' streams got this message at these offsets" — sent to every push replica. */
export interface FanoutNotice {
  readonly message: PushMessage;
  readonly recipients: readonly AcceptedRecipient[];
}

/**
 * Delivery fan-out across push replicas: each replica hands a notice to the live sessions it
 * holds. Memory (one process) and Redis pub/sub adapters. Notices are a wake-up, not the
 * record: a replica that misses one catches up from the store on the next notice or reconnect.
 *
 * @example
 * ```ts
 * const off = fanout.subscribe((notice) => channel.deliver(notice));
 * await fanout.publish({ message, recipients });
 * ```
 */
export interface PushFanout {
  publish(notice: FanoutNotice): Promise<void>;
  /** Returns a function that stops the handler. */
  subscribe(handler: (notice: FanoutNotice) => void): Promise<() => void>;
  close(): Promise<void>;
}

/** Injection token of the {@link PushFanout}. */
export const PushFanout = Symbol('LATTICE:PUSH:FANOUT');
