import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { systemClock, TurnBatch, type Clock } from '@lattice/core';
import type { DeliveryState, PushDevice, PushMessage } from '../push.interfaces.js';
import { isLive, type PushStoreOptions } from './memory-stores.js';
import {
  stateRank,
  type AcceptResult,
  type DeviceStatus,
  type DirectoryStore,
  type FallbackTask,
  type MessageStore,
  type RecipientInput,
  type StateUpdate,
  type StreamEntry,
  type StreamRead,
} from './push-store.interfaces.js';

/** Options of the Redis stores. */
export interface RedisPushStoreOptions extends PushStoreOptions {
  /** An ioredis client (yours; not closed) or a URL (opened and closed by the store). */
  redis: Redis | string;
  /** Prefix of every key. @default 'lattice:push:' */
  keyPrefix?: string;
}

// Stores each message once (SET NX), then appends it to every recipient's stream with the next
// offset, replaces an undelivered older message of the same collapse key, initialises the
// per-device states and schedules the fallback — all in one script, so a crash never leaves a
// message half-accepted (the same id sent again would otherwise be taken as a duplicate).
// ARGV: prefix, maxLen, then per message: id, json, keepMs, collapseKey, epochSeed, fallbackAt,
// acceptedAt, recipients, and per recipient: user, device count, device ids. Answers per message
// {1, user, epoch, offset, ...} when stored, {0, the stored JSON} for a known id.
const ACCEPT = `
local p, maxLen = ARGV[1], ARGV[2]
local results = {}
local i = 3
while i <= #ARGV do
  local id, json, keepMs, ck, epochSeed = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local fbAt, acceptedAt, n = tonumber(ARGV[i + 5]), ARGV[i + 6], tonumber(ARGV[i + 7])
  i = i + 8
  local key = p..'m:'..id
  if redis.call('SET', key, json, 'NX', 'PX', keepMs) == false then
    results[#results + 1] = {0, redis.call('GET', key)}
    for r = 1, n do i = i + 2 + tonumber(ARGV[i + 1]) end
  else
    local out = {1}
    local stKey = key..':st'
    for r = 1, n do
      local u = ARGV[i]
      local devices = tonumber(ARGV[i + 1])
      local base = p..'u:{'..u..'}:'
      local epoch = redis.call('GET', base..'epoch')
      if not epoch then
        epoch = epochSeed..'-'..r
        redis.call('SET', base..'epoch', epoch)
      end
      local off = redis.call('INCR', base..'seq')
      if ck ~= '' then
        local older = redis.call('HGET', base..'ck', ck)
        if older then
          local sep = string.find(older, '\\t', 1, true)
          local oldOff, oldId = string.sub(older, 1, sep - 1), string.sub(older, sep + 1)
          if redis.call('SISMEMBER', p..'m:'..oldId..':dlv', u) == 0 then
            redis.call('XDEL', base..'s', oldOff..'-1')
            local oldSt = p..'m:'..oldId..':st'
            local fields = redis.call('HKEYS', oldSt)
            for _, f in ipairs(fields) do
              if string.sub(f, 1, #u + 1) == u..'\\t' then redis.call('HSET', oldSt, f, 'replaced|'..acceptedAt) end
            end
          end
        end
        redis.call('HSET', base..'ck', ck, off..'\\t'..id)
      end
      redis.call('XADD', base..'s', 'MAXLEN', '~', maxLen, off..'-1', 'm', id)
      if devices == 0 then
        redis.call('HSET', stKey, u..'\\t', 'pending|'..acceptedAt)
      else
        for d = 1, devices do redis.call('HSET', stKey, u..'\\t'..ARGV[i + 1 + d], 'pending|'..acceptedAt) end
      end
      if fbAt > 0 then redis.call('ZADD', p..'fb', fbAt, id..'\\t'..u..'\\t1') end
      out[#out + 1] = u
      out[#out + 1] = epoch
      out[#out + 1] = off
      i = i + 2 + devices
    end
    redis.call('PEXPIRE', stKey, keepMs)
    results[#results + 1] = out
  end
end
return results
`;

// Messages per ACCEPT call when a turn stores many (a broadcast alone is one call, however large).
const MESSAGES_PER_CALL = 64;
// deviceIdsOf calls per DEVICE_IDS call when a turn makes many.
const LOOKUPS_PER_CALL = 256;

const LUA_RANKS = Object.entries(stateRank)
  .map(([state, rank]) => `${state}=${rank}`)
  .join(', ');

// Moves devices' states only forward (ranks from stateRank); delivered/acknowledged also mark
// the user as reached (collapse and fallback read that) and settle a device-less placeholder
// (the user had no device at accept; a device connected since then delivers it).
// ARGV: prefix, then groups applied in order: messageId, state, atMs, n, and n (userId, deviceId)
// pairs. A broadcast's deliveries of one turn share message, state and mostly the millisecond,
// so a group names them once: a third of the arguments Redis parses and push encodes per update.
const SET_STATES = `
local p = ARGV[1]
local ranks = {${LUA_RANKS}}
-- Whether a message's status hash exists and the expiry of its delivered set are settled once
-- per message and call, not once per update.
local live, dlvExpiring = {}, {}
local i = 2
while i <= #ARGV do
  local id, state, value, n = ARGV[i], ARGV[i + 1], ARGV[i + 1]..'|'..ARGV[i + 2], tonumber(ARGV[i + 3])
  local first, last = i + 4, i + 3 + 2 * n
  i = last + 1
  local st = p..'m:'..id..':st'
  if live[id] == nil then live[id] = redis.call('EXISTS', st) == 1 end
  if live[id] then
    local rank = ranks[state]
    local reached = state == 'delivered' or state == 'acknowledged'
    local dlv = p..'m:'..id..':dlv'
    for j = first, last, 2 do
      local u, d = ARGV[j], ARGV[j + 1]
      local field = u..'\t'..d
      local current = redis.call('HGET', st, field)
      if not current or ranks[string.sub(current, 1, string.find(current, '|', 1, true) - 1)] < rank then
        redis.call('HSET', st, field, value)
        if reached then
          redis.call('SADD', dlv, u)
          if not dlvExpiring[id] then
            redis.call('PEXPIRE', dlv, redis.call('PTTL', st))
            dlvExpiring[id] = true
          end
          -- Only a user without devices at accept has a placeholder, and then none of its
          -- devices had a field: a device that had one needs no look.
          if d ~= '' and not current then
            local ph = redis.call('HGET', st, u..'\t')
            if ph and string.sub(ph, 1, 8) == 'pending|' then redis.call('HDEL', st, u..'\t') end
          end
        end
      end
    end
  end
end
return 1
`;

// Updates per SET_STATES call: a broadcast's deliveries are written in steps that keep each
// script short, so Redis keeps answering other clients in between.
const STATES_PER_CALL = 200;

// The device ids of many users: HKEYS of every key, in order.
const DEVICE_IDS = `
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HKEYS', key) end
return out
`;

const CLAIM = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[3], m) end
return due
`;

/** A Lua script run by its SHA (EVALSHA), loaded on first use or after a SCRIPT FLUSH. */
class Script {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

const acceptScript = new Script(ACCEPT);
const setStatesScript = new Script(SET_STATES);
const claimScript = new Script(CLAIM);
const deviceIdsScript = new Script(DEVICE_IDS);

interface PendingAccept {
  readonly message: PushMessage;
  readonly recipients: readonly RecipientInput[];
  readonly fallbackAtMs: number;
}

function openRedis(redis: Redis | string): { client: Redis; owned: boolean } {
  return typeof redis === 'string'
    ? { client: new Redis(redis, { maxRetriesPerRequest: 2, lazyConnect: false }), owned: true }
    : { client: redis, owned: false };
}

/**
 * The Redis {@link MessageStore}: a Redis Stream per user (`<prefix>u:{user}:s`, entry id =
 * offset), the message record with its TTL plus retention, per-device states in a hash and
 * the fallback schedule in a sorted set. Everything accepted survives a restart of push.
 *
 * @example
 * ```ts
 * const store = new RedisMessageStore({ redis: 'redis://127.0.0.1:6379' });
 * ```
 */
export class RedisMessageStore implements MessageStore {
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly p: string;
  private readonly clock: Clock;
  private readonly maxLength: number;
  private readonly retentionMs: number;
  private readonly accepts = new TurnBatch<PendingAccept, AcceptResult>(
    (inputs) => this.acceptMany(inputs),
    MESSAGES_PER_CALL,
  );

  constructor(options: RedisPushStoreOptions) {
    ({ client: this.client, owned: this.owned } = openRedis(options.redis));
    this.p = options.keyPrefix ?? 'lattice:push:';
    this.clock = options.clock ?? systemClock;
    this.maxLength = options.maxStreamLength ?? 1000;
    this.retentionMs = (options.retentionSeconds ?? 86_400) * 1000;
  }

  /**
   * The messages accepted in one event-loop turn (concurrent requests, a batch's messages) are
   * stored by one script call, in call order; each call resolves once its message is stored.
   */
  accept(message: PushMessage, recipients: readonly RecipientInput[], fallbackAtMs?: number): Promise<AcceptResult> {
    return this.accepts.add({ message, recipients, fallbackAtMs: fallbackAtMs ?? 0 });
  }

  private async acceptMany(inputs: readonly PendingAccept[]): Promise<AcceptResult[]> {
    const args: (string | number)[] = [this.p, this.maxLength];
    const now = this.clock.now();
    for (const { message, recipients, fallbackAtMs } of inputs) {
      const keepMs = Math.max(1, message.expiresAtMs + this.retentionMs - now);
      args.push(message.id, JSON.stringify(message), keepMs, message.collapseKey ?? '', randomUUID());
      args.push(fallbackAtMs, message.acceptedAtMs, recipients.length);
      for (const r of recipients) args.push(r.userId, r.deviceIds.length, ...r.deviceIds);
    }
    const results = (await acceptScript.run(this.client, [], args)) as (string | number | null)[][];
    return inputs.map(({ message }, n) => {
      const out = results[n] ?? [];
      if (out[0] === 0) {
        const stored = out[1];
        return {
          created: false,
          message: typeof stored === 'string' ? (JSON.parse(stored) as PushMessage) : message,
          recipients: [],
        };
      }
      const recipients = [];
      for (let i = 1; i < out.length; i += 3)
        recipients.push({ userId: String(out[i]), epoch: String(out[i + 1]), offset: Number(out[i + 2]) });
      return { created: true, message, recipients };
    });
  }

  async read(userId: string, afterOffset: number, limit = 1000): Promise<StreamRead> {
    const base = `${this.p}u:{${userId}}:`;
    const [[, storedEpoch], [, seq], [, raw]] = (await this.client
      .multi()
      .get(`${base}epoch`)
      .get(`${base}seq`)
      .xrange(`${base}s`, `(${afterOffset}-1`, '+', 'COUNT', limit)
      .exec()) as [[unknown, string | null], [unknown, string | null], [unknown, [string, string[]][]]];
    let epoch = storedEpoch;
    if (epoch === null) {
      // A stream nobody wrote to yet still gets its epoch now, so a reconnect can compare it.
      await this.client.set(`${base}epoch`, randomUUID(), 'NX');
      epoch = await this.client.get(`${base}epoch`);
    }
    const ids = raw.map(([, fields]) => fields[1] ?? '');
    const records = ids.length === 0 ? [] : await this.client.mget(ids.map((id) => `${this.p}m:${id}`));
    const now = this.clock.now();
    const entries: StreamEntry[] = [];
    raw.forEach(([streamId], i) => {
      const json = records[i];
      if (json === null || json === undefined) return;
      const message = JSON.parse(json) as PushMessage;
      if (isLive(message, now)) entries.push({ offset: Number(streamId.split('-')[0]), message });
    });
    return { epoch: epoch ?? '', headOffset: Number(seq ?? 0), entries };
  }

  async get(messageId: string): Promise<PushMessage | undefined> {
    const json = await this.client.get(`${this.p}m:${messageId}`);
    return json === null ? undefined : (JSON.parse(json) as PushMessage);
  }

  setState(messageId: string, userId: string, deviceId: string, state: DeliveryState, atMs: number): Promise<void> {
    return this.setStates([{ messageId, userId, deviceId, state, atMs }]);
  }

  async setStates(updates: readonly StateUpdate[]): Promise<void> {
    const calls = [];
    for (let from = 0; from < updates.length; from += STATES_PER_CALL) {
      const args: (string | number)[] = [this.p];
      let group: StateUpdate | undefined;
      let countAt = 0;
      for (let k = from; k < Math.min(updates.length, from + STATES_PER_CALL); k++) {
        const u = updates[k]!;
        if (group?.messageId !== u.messageId || group.state !== u.state || group.atMs !== u.atMs) {
          group = u;
          countAt = args.push(u.messageId, u.state, u.atMs, 0) - 1;
        }
        (args[countAt] as number)++;
        args.push(u.userId, u.deviceId);
      }
      // Issued without waiting in between: one connection runs them in this order.
      calls.push(setStatesScript.run(this.client, [], args));
    }
    await Promise.all(calls);
  }

  async states(messageId: string): Promise<readonly DeviceStatus[]> {
    const all = await this.client.hgetall(`${this.p}m:${messageId}:st`);
    return Object.entries(all).map(([field, value]) => {
      const [userId = '', deviceId = ''] = field.split('\t');
      const [state = 'pending', at = '0'] = value.split('|');
      return { userId, deviceId, state: state as DeliveryState, atMs: Number(at) };
    });
  }

  async deliveredToUser(messageId: string, userId: string): Promise<boolean> {
    return (await this.client.sismember(`${this.p}m:${messageId}:dlv`, userId)) === 1;
  }

  async claimFallbacks(nowMs: number, limit: number, leaseMs: number): Promise<readonly FallbackTask[]> {
    const due = (await claimScript.run(this.client, [`${this.p}fb`], [nowMs, limit, nowMs + leaseMs])) as string[];
    return due.map((member) => {
      const [messageId = '', userId = '', attempt = '1'] = member.split('\t');
      return { messageId, userId, attempt: Number(attempt) };
    });
  }

  async rescheduleFallback(task: FallbackTask, atMs: number): Promise<void> {
    await this.client
      .multi()
      .zrem(`${this.p}fb`, `${task.messageId}\t${task.userId}\t${task.attempt}`)
      .zadd(`${this.p}fb`, atMs, `${task.messageId}\t${task.userId}\t${task.attempt + 1}`)
      .exec();
  }

  async completeFallback(task: FallbackTask): Promise<void> {
    await this.client.zrem(`${this.p}fb`, `${task.messageId}\t${task.userId}\t${task.attempt}`);
  }

  async close(): Promise<void> {
    if (this.owned) await this.client.quit().catch(() => undefined);
  }
}

/**
 * The Redis {@link DirectoryStore}: hashes of devices per user, sets of home members, tags
 * and known users, a hash of aliases.
 *
 * @example
 * ```ts
 * const directory = new RedisDirectoryStore({ redis: client });
 * ```
 */
export class RedisDirectoryStore implements DirectoryStore {
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly p: string;
  private readonly deviceLookups = new TurnBatch<readonly string[], string[][]>(
    (lookups) => this.deviceIdsOfMany(lookups),
    LOOKUPS_PER_CALL,
  );

  constructor(options: RedisPushStoreOptions) {
    ({ client: this.client, owned: this.owned } = openRedis(options.redis));
    this.p = options.keyPrefix ?? 'lattice:push:';
  }

  async putDevice(userId: string, device: PushDevice): Promise<void> {
    await this.client
      .multi()
      .hset(`${this.p}dev:${userId}`, device.deviceId, JSON.stringify(device))
      .sadd(`${this.p}users`, userId)
      .exec();
  }

  async devices(userId: string): Promise<readonly PushDevice[]> {
    const all = await this.client.hgetall(`${this.p}dev:${userId}`);
    return Object.values(all).map((json) => JSON.parse(json) as PushDevice);
  }

  /** The lookups of one event-loop turn (a batch's messages, concurrent requests) are one script call. */
  deviceIdsOf(userIds: readonly string[]): Promise<readonly (readonly string[])[]> {
    return userIds.length === 0 ? Promise.resolve([]) : this.deviceLookups.add(userIds);
  }

  private async deviceIdsOfMany(lookups: readonly (readonly string[])[]): Promise<string[][][]> {
    const keys = lookups.flatMap((users) => users.map((userId) => `${this.p}dev:${userId}`));
    const ids = (await deviceIdsScript.run(this.client, keys, [])) as string[][];
    let at = 0;
    return lookups.map((users) => ids.slice(at, (at += users.length)));
  }

  async removeDevice(userId: string, deviceId: string): Promise<void> {
    await this.client.hdel(`${this.p}dev:${userId}`, deviceId);
  }

  async setHomeMembers(homeId: string, userIds: readonly string[]): Promise<void> {
    const tx = this.client.multi().del(`${this.p}home:${homeId}`);
    if (userIds.length > 0) tx.sadd(`${this.p}home:${homeId}`, ...userIds).sadd(`${this.p}users`, ...userIds);
    await tx.exec();
  }

  async homeMembers(homeId: string): Promise<readonly string[]> {
    return (await this.client.smembers(`${this.p}home:${homeId}`)).sort();
  }

  async setTags(userId: string, tags: readonly string[]): Promise<void> {
    const previous = await this.client.smembers(`${this.p}utags:${userId}`);
    const tx = this.client.multi();
    for (const tag of previous) tx.srem(`${this.p}tag:${tag}`, userId);
    tx.del(`${this.p}utags:${userId}`);
    for (const tag of tags) tx.sadd(`${this.p}tag:${tag}`, userId);
    if (tags.length > 0) tx.sadd(`${this.p}utags:${userId}`, ...tags);
    tx.sadd(`${this.p}users`, userId);
    await tx.exec();
  }

  async usersWithTags(tags: readonly string[], mode: 'or' | 'and'): Promise<readonly string[]> {
    if (tags.length === 0) return [];
    const keys = tags.map((tag) => `${this.p}tag:${tag}`);
    const users = mode === 'or' ? await this.client.sunion(...keys) : await this.client.sinter(...keys);
    return users.sort();
  }

  async setAlias(userId: string, alias: string): Promise<void> {
    await this.client.multi().hset(`${this.p}alias`, alias, userId).sadd(`${this.p}users`, userId).exec();
  }

  async usersWithAliases(aliases: readonly string[]): Promise<readonly string[]> {
    if (aliases.length === 0) return [];
    const users = await this.client.hmget(`${this.p}alias`, ...aliases);
    return [...new Set(users.filter((u): u is string => u !== null))];
  }

  async knownUsers(): Promise<readonly string[]> {
    return (await this.client.smembers(`${this.p}users`)).sort();
  }

  async close(): Promise<void> {
    if (this.owned) await this.client.quit().catch(() => undefined);
  }
}
