import type { DeliveryState, PushDevice, PushMessage } from '../push.interfaces.js';

/**
 * One message in a user's stream.
 *
 * @example
 * ```ts
 * const ids = (await store.read('alice', 0)).entries.map((e: StreamEntry) => e.message.id);
 * ```
 */
export interface StreamEntry {
  readonly offset: number;
  readonly message: PushMessage;
}

/**
 * What {@link MessageStore.accept} stored for one recipient.
 *
 * @example
 * ```ts
 * const [first]: readonly AcceptedRecipient[] = (await store.accept(message, recipients)).recipients;
 * ```
 */
export interface AcceptedRecipient {
  readonly userId: string;
  readonly epoch: string;
  readonly offset: number;
}

/**
 * Result of {@link MessageStore.accept}.
 *
 * @example
 * ```ts
 * const result: AcceptResult = await store.accept(message, recipients);
 * if (!result.created) console.log('duplicate id');
 * ```
 */
export interface AcceptResult {
  /** False when a message with this id already existed (nothing was stored again). */
  readonly created: boolean;
  readonly message: PushMessage;
  readonly recipients: readonly AcceptedRecipient[];
}

/**
 * Hears of recipients of {@link MessageStore.accept} once they are durable, with the stored
 * message (an earlier accept's, when the same id resumes an unfinished one).
 */
export type StoredListener = (stored: readonly AcceptedRecipient[], message: PushMessage) => void;

/**
 * One recipient of {@link MessageStore.accept}, with its devices, or without them to have the
 * store read them from the directory as it writes the recipient.
 *
 * @example
 * ```ts
 * const recipient: RecipientInput = { userId: 'alice', deviceIds: ['phone', 'tablet'] };
 * ```
 */
export interface RecipientInput {
  readonly userId: string;
  /**
   * Omitted: the devices the directory holds for the user when the store writes the recipient
   * (the Redis store reads `<keyPrefix>dev:<user>`, the {@link RedisDirectoryStore}'s hash under
   * the same prefix, inside its accept script; the memory store asks its `directory` option).
   */
  readonly deviceIds?: readonly string[];
}

/**
 * A read of a user's stream after an offset.
 *
 * @example
 * ```ts
 * const read: StreamRead = await store.read('alice', lastOffset);
 * if (read.epoch !== clientEpoch) reset();
 * ```
 */
export interface StreamRead {
  /** The stream's epoch; a different one than the client's means history was lost. */
  readonly epoch: string;
  /** The last offset assigned in this stream (0 when empty). */
  readonly headOffset: number;
  /** Entries after the offset that are still live (not expired, not TTL 0, not collapsed). */
  readonly entries: readonly StreamEntry[];
}

/**
 * Per-device state of one recipient.
 *
 * @example
 * ```ts
 * const acked = (await store.states('m-1')).filter((s: DeviceStatus) => s.state === 'acknowledged');
 * ```
 */
export interface DeviceStatus {
  readonly userId: string;
  /** The device, or `''` for a recipient with no device known when the message was accepted. */
  readonly deviceId: string;
  readonly state: DeliveryState;
  readonly atMs: number;
}

/**
 * One device's state change, for {@link MessageStore.setStates}.
 *
 * @example
 * ```ts
 * const update: StateUpdate = { messageId: 'm-1', userId: 'alice', deviceId: 'phone', state: 'delivered', atMs: Date.now() };
 * ```
 */
export interface StateUpdate {
  readonly messageId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly state: DeliveryState;
  readonly atMs: number;
}

/**
 * A (message, user) whose offline fallback is due.
 *
 * @example
 * ```ts
 * for (const task of await store.claimFallbacks(Date.now(), 100, 30_000)) await store.completeFallback(task);
 * ```
 */
export interface FallbackTask {
  readonly messageId: string;
  readonly userId: string;
  /** 1 the first time; more after provider back-offs. */
  readonly attempt: number;
}

/**
 * The durable message store: per-user streams with increasing offsets and an epoch, message
 * dedupe by id, collapse keys, per-device delivery states and the offline-fallback schedule.
 * Memory (one process) and Redis (Streams + Lua, survives restarts) adapters.
 *
 * @example
 * ```ts
 * const { recipients } = await store.accept(message, [{ userId: 'alice', deviceIds: ['phone'] }], Date.now() + 5_000);
 * const { entries } = await store.read('alice', 0);
 * ```
 */
export interface MessageStore {
  /**
   * Stores the message and appends it to every recipient's stream; resolves once all of it is
   * stored. A known id returns `created: false` with the stored message. `fallbackAtMs`
   * schedules the offline fallback per recipient (omit for none). `onStored` hears of the
   * recipients as they become durable (with the stored message), before the call resolves: the Redis store stores a
   * message of many recipients in parts and calls it once per part, so delivery can start
   * before the last part is stored. A crash between parts leaves the message unfinished, not
   * lost: the same id accepted again stores the recipients still missing (`created: false`,
   * `recipients` and `onStored` name them) instead of being a complete duplicate.
   */
  accept(
    message: PushMessage,
    recipients: readonly RecipientInput[],
    fallbackAtMs?: number,
    onStored?: StoredListener,
  ): Promise<AcceptResult>;
  /** Live entries of a user's stream after `afterOffset` (at most `limit`). */
  read(userId: string, afterOffset: number, limit?: number): Promise<StreamRead>;
  /** The message, or undefined after its retention. */
  get(messageId: string): Promise<PushMessage | undefined>;
  /**
   * Moves a device's state forward (pending → delivered → acknowledged; failed; expired). Never
   * backwards. The first delivered or acknowledged device of a user also drops the user's first
   * fallback: a message delivered live leaves the fallback worker nothing to claim.
   */
  setState(messageId: string, userId: string, deviceId: string, state: DeliveryState, atMs: number): Promise<void>;
  /**
   * {@link setState} for many devices at once, applied in order (one round trip on Redis for a
   * turn's worth of deliveries).
   */
  setStates(updates: readonly StateUpdate[]): Promise<void>;
  /** Every device state of the message. */
  states(messageId: string): Promise<readonly DeviceStatus[]>;
  /** Whether any device of the user got the message (delivered or acknowledged). */
  deliveredToUser(messageId: string, userId: string): Promise<boolean>;
  /** Leases up to `limit` fallbacks due at `nowMs` for `leaseMs` (at-least-once: complete them). */
  claimFallbacks(nowMs: number, limit: number, leaseMs: number): Promise<readonly FallbackTask[]>;
  /** Schedules the fallback again at `atMs` with `attempt + 1` (after a provider back-off). */
  rescheduleFallback(task: FallbackTask, atMs: number): Promise<void>;
  /** Removes a fallback that is done. */
  completeFallback(task: FallbackTask): Promise<void>;
  /** Releases connections the store opened itself. */
  close(): Promise<void>;
}

/**
 * Injection token of the {@link MessageStore}.
 *
 * @example
 * ```ts
 * constructor(@Inject(MessageStore) private readonly store: MessageStore) {}
 * ```
 */
export const MessageStore = Symbol('LATTICE:PUSH:MESSAGE_STORE');

/**
 * Push's directory: devices and tokens per user, home members (push's own, until a user
 * service exists), tags and aliases, and the set of known users (broadcast).
 *
 * @example
 * ```ts
 * await directory.setHomeMembers('home-1', ['alice', 'bob']);
 * const users = await directory.homeMembers('home-1');
 * ```
 */
export interface DirectoryStore {
  putDevice(userId: string, device: PushDevice): Promise<void>;
  devices(userId: string): Promise<readonly PushDevice[]>;
  removeDevice(userId: string, deviceId: string): Promise<void>;
  setHomeMembers(homeId: string, userIds: readonly string[]): Promise<void>;
  homeMembers(homeId: string): Promise<readonly string[]>;
  setTags(userId: string, tags: readonly string[]): Promise<void>;
  /** Users with any (`or`) or all (`and`) of the tags. */
  usersWithTags(tags: readonly string[], mode: 'or' | 'and'): Promise<readonly string[]>;
  setAlias(userId: string, alias: string): Promise<void>;
  usersWithAliases(aliases: readonly string[]): Promise<readonly string[]>;
  /** Every user push knows (devices, members, tags, aliases). */
  knownUsers(): Promise<readonly string[]>;
  close(): Promise<void>;
}

/**
 * Injection token of the {@link DirectoryStore}.
 *
 * @example
 * ```ts
 * constructor(@Inject(DirectoryStore) private readonly directory: DirectoryStore) {}
 * ```
 */
export const DirectoryStore = Symbol('LATTICE:PUSH:DIRECTORY_STORE');

/** Rank of states: a state only moves to a higher rank. */
export const stateRank: Readonly<Record<DeliveryState, number>> = {
  pending: 0,
  expired: 1,
  replaced: 1,
  failed: 2,
  delivered: 3,
  acknowledged: 4,
};
