import { systemClock, newId, type Clock } from '@lattice/core';
import type { DeliveryState, PushDevice, PushMessage } from '../push.interfaces.js';
import {
  stateRank,
  type AcceptResult,
  type DeviceStatus,
  type DirectoryStore,
  type FallbackTask,
  type MessageStore,
  type RecipientInput,
  type StateUpdate,
  type StoredListener,
  type StreamRead,
} from './push-store.interfaces.js';

/** Options of the stores. */
export interface PushStoreOptions {
  /** Time source for expiry. @default systemClock */
  clock?: Clock;
  /** Entries kept per user stream (older ones are trimmed). @default 1000 */
  maxStreamLength?: number;
  /** How long a message's record and states outlive its TTL (for the status API). @default 86400 */
  retentionSeconds?: number;
}

/** Options of the {@link MemoryMessageStore}. */
export interface MemoryMessageStoreOptions extends PushStoreOptions {
  /** Where the devices of recipients given without `deviceIds` are read (none: no devices). */
  directory?: MemoryDirectoryStore;
}

interface UserStream {
  epoch: string;
  seq: number;
  entries: Map<number, string>;
  collapse: Map<string, { offset: number; messageId: string }>;
}

interface StoredRecord {
  message: PushMessage;
  states: Map<string, { state: DeliveryState; atMs: number }>;
  deliveredUsers: Set<string>;
  dropAtMs: number;
}

const fallbackKey = (t: { messageId: string; userId: string }): string => `${t.messageId}\t${t.userId}`;

/** Whether a stream entry is still worth delivering on a read. */
export function isLive(message: PushMessage, nowMs: number): boolean {
  return message.ttlSeconds > 0 && message.expiresAtMs > nowMs;
}

/**
 * The in-process {@link MessageStore} (`LATTICE_BACKEND=memory`): a real store for one process.
 *
 * @example
 * ```ts
 * const store = new MemoryMessageStore({ clock: new ManualClock() });
 * ```
 */
export class MemoryMessageStore implements MessageStore {
  private readonly clock: Clock;
  private readonly maxLength: number;
  private readonly retentionMs: number;
  private readonly streams = new Map<string, UserStream>();
  private readonly records = new Map<string, StoredRecord>();
  private readonly fallbacks = new Map<string, { task: FallbackTask; atMs: number }>();
  private readonly directory: MemoryDirectoryStore | undefined;
  /** Where the sweep of past-retention records goes on (see {@link MemoryMessageStore.sweep}). */
  private sweepCursor: Iterator<[string, StoredRecord]> | undefined;

  constructor(options: MemoryMessageStoreOptions = {}) {
    this.directory = options.directory;
    this.clock = options.clock ?? systemClock;
    this.maxLength = options.maxStreamLength ?? 1000;
    this.retentionMs = (options.retentionSeconds ?? 86_400) * 1000;
  }

  accept(
    message: PushMessage,
    recipients: readonly RecipientInput[],
    fallbackAtMs?: number,
    onStored?: StoredListener,
  ): Promise<AcceptResult> {
    const existing = this.record(message.id);
    if (existing !== undefined) return Promise.resolve({ created: false, message: existing.message, recipients: [] });
    this.sweep();
    const record: StoredRecord = {
      message,
      states: new Map(),
      deliveredUsers: new Set(),
      dropAtMs: message.expiresAtMs + this.retentionMs,
    };
    this.records.set(message.id, record);
    const out = recipients.map(({ userId, deviceIds = this.directory?.deviceIdsNow(userId) ?? [] }) => {
      const stream = this.stream(userId);
      const offset = ++stream.seq;
      if (message.collapseKey !== undefined) {
        const older = stream.collapse.get(message.collapseKey);
        if (older !== undefined && !this.record(older.messageId)?.deliveredUsers.has(userId)) {
          stream.entries.delete(older.offset);
          this.markUser(older.messageId, userId, 'replaced', message.acceptedAtMs);
        }
        stream.collapse.set(message.collapseKey, { offset, messageId: message.id });
      }
      stream.entries.set(offset, message.id);
      if (stream.entries.size > this.maxLength)
        for (const old of stream.entries.keys()) {
          if (stream.entries.size <= this.maxLength) break;
          stream.entries.delete(old);
        }
      for (const deviceId of deviceIds.length === 0 ? [''] : deviceIds)
        record.states.set(`${userId}\t${deviceId}`, { state: 'pending', atMs: message.acceptedAtMs });
      if (fallbackAtMs !== undefined) {
        const task = { messageId: message.id, userId, attempt: 1 };
        this.fallbacks.set(fallbackKey(task), { task, atMs: fallbackAtMs });
      }
      return { userId, epoch: stream.epoch, offset };
    });
    if (out.length > 0) onStored?.(out, message);
    return Promise.resolve({ created: true, message, recipients: out });
  }

  read(userId: string, afterOffset: number, limit = 1000): Promise<StreamRead> {
    const stream = this.stream(userId);
    const now = this.clock.now();
    const entries = [];
    for (const [offset, id] of stream.entries) {
      if (offset <= afterOffset) continue;
      const message = this.record(id)?.message;
      if (message === undefined || !isLive(message, now)) continue;
      entries.push({ offset, message });
      if (entries.length >= limit) break;
    }
    return Promise.resolve({ epoch: stream.epoch, headOffset: stream.seq, entries });
  }

  get(messageId: string): Promise<PushMessage | undefined> {
    return Promise.resolve(this.record(messageId)?.message);
  }

  setState(messageId: string, userId: string, deviceId: string, state: DeliveryState, atMs: number): Promise<void> {
    this.apply({ messageId, userId, deviceId, state, atMs });
    return Promise.resolve();
  }

  setStates(updates: readonly StateUpdate[]): Promise<void> {
    for (const update of updates) this.apply(update);
    return Promise.resolve();
  }

  states(messageId: string): Promise<readonly DeviceStatus[]> {
    const record = this.record(messageId);
    if (record === undefined) return Promise.resolve([]);
    return Promise.resolve(
      [...record.states].map(([key, value]) => {
        const [userId = '', deviceId = ''] = key.split('\t');
        return { userId, deviceId, state: value.state, atMs: value.atMs };
      }),
    );
  }

  deliveredToUser(messageId: string, userId: string): Promise<boolean> {
    return Promise.resolve(this.record(messageId)?.deliveredUsers.has(userId) ?? false);
  }

  claimFallbacks(nowMs: number, limit: number, leaseMs: number): Promise<readonly FallbackTask[]> {
    const due: FallbackTask[] = [];
    for (const entry of this.fallbacks.values()) {
      if (due.length >= limit) break;
      if (entry.atMs > nowMs) continue;
      entry.atMs = nowMs + leaseMs;
      due.push(entry.task);
    }
    return Promise.resolve(due);
  }

  rescheduleFallback(task: FallbackTask, atMs: number): Promise<void> {
    this.fallbacks.set(fallbackKey(task), { task: { ...task, attempt: task.attempt + 1 }, atMs });
    return Promise.resolve();
  }

  completeFallback(task: FallbackTask): Promise<void> {
    this.fallbacks.delete(fallbackKey(task));
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private apply({ messageId, userId, deviceId, state, atMs }: StateUpdate): void {
    const record = this.record(messageId);
    if (record === undefined) return;
    const key = `${userId}\t${deviceId}`;
    const current = record.states.get(key);
    if (current === undefined) record.states.set(key, { state, atMs });
    else if (stateRank[state] > stateRank[current.state]) {
      current.state = state;
      current.atMs = atMs;
    }
    if (state === 'delivered' || state === 'acknowledged') {
      if (!record.deliveredUsers.has(userId)) {
        record.deliveredUsers.add(userId);
        // Reached: its fallback is no longer due (a retry under way finds the user reached anyway).
        this.fallbacks.delete(fallbackKey({ messageId, userId }));
      }
      // The placeholder of a recipient without known devices is settled by its first device.
      if (deviceId !== '' && record.states.get(`${userId}\t`)?.state === 'pending') record.states.delete(`${userId}\t`);
    }
  }

  private markUser(messageId: string, userId: string, state: DeliveryState, atMs: number): void {
    const record = this.record(messageId);
    if (record === undefined) return;
    for (const [key, value] of record.states)
      if (key.startsWith(`${userId}\t`) && stateRank[state] > stateRank[value.state])
        record.states.set(key, { state, atMs });
  }

  /** Messages held (accepted and not yet past their TTL and retention). */
  get size(): number {
    return this.records.size;
  }

  /**
   * Drops records past their retention that nobody asked for again (a read or lookup drops the
   * ones it meets): a few per accept, going round the records in insertion order, so the
   * records of a long-running process stay bounded by what the retention keeps without a timer
   * or a full scan. Each accept adds one record and looks at two, so every record is looked at
   * within a round of about half as many accepts as there are records.
   */
  private sweep(): void {
    const now = this.clock.now();
    for (let looked = 0; looked < 2; looked++) {
      this.sweepCursor ??= this.records.entries();
      const next = this.sweepCursor.next();
      if (next.done === true) {
        this.sweepCursor = undefined;
        return;
      }
      const [id, record] = next.value;
      if (record.dropAtMs <= now) this.records.delete(id);
    }
  }

  private record(id: string): StoredRecord | undefined {
    const record = this.records.get(id);
    if (record !== undefined && record.dropAtMs <= this.clock.now()) {
      this.records.delete(id);
      return undefined;
    }
    return record;
  }

  private stream(userId: string): UserStream {
    let stream = this.streams.get(userId);
    if (stream === undefined) {
      stream = { epoch: newId(), seq: 0, entries: new Map(), collapse: new Map() };
      this.streams.set(userId, stream);
    }
    return stream;
  }
}

/**
 * The in-process {@link DirectoryStore} (`LATTICE_BACKEND=memory`).
 *
 * @example
 * ```ts
 * const directory = new MemoryDirectoryStore();
 * await directory.setTags('alice', ['beta']);
 * ```
 */
export class MemoryDirectoryStore implements DirectoryStore {
  private readonly userDevices = new Map<string, Map<string, PushDevice>>();
  private readonly members = new Map<string, string[]>();
  private readonly tags = new Map<string, Set<string>>();
  private readonly aliases = new Map<string, string>();
  private readonly users = new Set<string>();

  putDevice(userId: string, device: PushDevice): Promise<void> {
    this.users.add(userId);
    const devices = this.userDevices.get(userId) ?? new Map<string, PushDevice>();
    devices.set(device.deviceId, device);
    this.userDevices.set(userId, devices);
    return Promise.resolve();
  }

  devices(userId: string): Promise<readonly PushDevice[]> {
    return Promise.resolve([...(this.userDevices.get(userId)?.values() ?? [])]);
  }

  /** The user's device ids at this moment (the memory message store reads them while it accepts). */
  deviceIdsNow(userId: string): string[] {
    return [...(this.userDevices.get(userId)?.keys() ?? [])];
  }

  removeDevice(userId: string, deviceId: string): Promise<void> {
    this.userDevices.get(userId)?.delete(deviceId);
    return Promise.resolve();
  }

  setHomeMembers(homeId: string, userIds: readonly string[]): Promise<void> {
    for (const user of userIds) this.users.add(user);
    this.members.set(homeId, [...new Set(userIds)]);
    return Promise.resolve();
  }

  homeMembers(homeId: string): Promise<readonly string[]> {
    return Promise.resolve([...(this.members.get(homeId) ?? [])]);
  }

  setTags(userId: string, tags: readonly string[]): Promise<void> {
    this.users.add(userId);
    for (const members of this.tags.values()) members.delete(userId);
    for (const tag of tags) {
      const members = this.tags.get(tag) ?? new Set<string>();
      members.add(userId);
      this.tags.set(tag, members);
    }
    return Promise.resolve();
  }

  usersWithTags(tags: readonly string[], mode: 'or' | 'and'): Promise<readonly string[]> {
    const sets = tags.map((tag) => this.tags.get(tag) ?? new Set<string>());
    if (sets.length === 0) return Promise.resolve([]);
    const result =
      mode === 'or'
        ? new Set(sets.flatMap((set) => [...set]))
        : new Set([...(sets[0] ?? [])].filter((user) => sets.every((set) => set.has(user))));
    return Promise.resolve([...result].sort());
  }

  setAlias(userId: string, alias: string): Promise<void> {
    this.users.add(userId);
    this.aliases.set(alias, userId);
    return Promise.resolve();
  }

  usersWithAliases(aliases: readonly string[]): Promise<readonly string[]> {
    return Promise.resolve([
      ...new Set(aliases.map((alias) => this.aliases.get(alias)).filter((u): u is string => u !== undefined)),
    ]);
  }

  knownUsers(): Promise<readonly string[]> {
    return Promise.resolve([...this.users].sort());
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
