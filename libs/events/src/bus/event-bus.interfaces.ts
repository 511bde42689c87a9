/** One event on the platform bus (device telemetry and events, hub presence, rule outcomes). */
export interface PlatformEvent {
  /** Dotted type, e.g. `device.telemetry`, `device.event`, `hub.online`, `hub.offline`, `rule.push`. */
  readonly type: string;
  /** When it happened at the source (epoch ms). */
  readonly tsMs: number;
  readonly homeId?: string;
  readonly hubId?: string;
  readonly deviceId?: string;
  /** The payload; JSON-serialisable. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** An event as a consumer receives it. */
export interface DeliveredEvent extends PlatformEvent {
  /** The bus's id for it (a Redis Stream id, or a sequence in memory); increasing. */
  readonly id: string;
  /** How many times it was delivered to this group (1 the first time; more after a consumer died). */
  readonly deliveries: number;
}

/** Options of {@link EventBus.subscribe}. */
export interface SubscribeOptions {
  /** Only these types (exact, or a prefix ending in `.*`). @default every type */
  types?: readonly string[];
  /** Events fetched per read. @default 64 */
  batchSize?: number;
  /** An event pending this long at a consumer (it died or hangs) is claimed by another. @default 30000 */
  claimIdleMs?: number;
  /** Deliveries after which an event is dropped (logged and counted) instead of retried. @default 5 */
  maxDeliveries?: number;
}

/** A running subscription; `close()` stops reading and waits for handlers in progress. */
export interface Subscription {
  close(): Promise<void>;
}

/**
 * The platform event bus: Redis Streams (`lattice:events`) in redis mode, in-process in
 * memory mode. Consumers read through named groups: each group sees every event, the
 * consumers of one group share them, and an event is acknowledged only after its handler
 * resolved, so a consumer that dies loses nothing (another claims its pending events).
 */
export interface EventBus {
  /** Appends an event; resolves with its id once it is stored. */
  publish(event: PlatformEvent): Promise<string>;
  /** Starts consuming as `consumer` in `group` (created on first use, from new events on). */
  subscribe(
    group: string,
    consumer: string,
    handler: (event: DeliveredEvent) => Promise<void> | void,
    options?: SubscribeOptions,
  ): Subscription;
  /** Stops every subscription and releases connections the bus opened itself. */
  close(): Promise<void>;
}

/** Injection token of the {@link EventBus} (same name, as for every Lattice port). */
export const EventBus = Symbol('LATTICE:EVENTS:BUS');
