import { createHash, randomUUID } from 'node:crypto';
import { Command, Redis } from 'ioredis';
import { systemClock, TurnBatch, type Clock } from '@lattice/core';
import type { DeliveryState, PushDevice, PushMessage } from '../push.interfaces.js';
import { isLive, type PushStoreOptions } from './memory-stores.js';
import {
  stateRank,
  type AcceptedRecipient,
  type AcceptResult,
  type DeviceStatus,
  type DirectoryStore,
  type FallbackTask,
  type MessageStore,
  type RecipientInput,
  type StateUpdate,
  type StoredListener,
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
// per-device states and schedules the fallback. A message of many recipients (a broadcast) is
// stored in parts, one script call each, so its first recipients are durable — and delivered —
// while Redis still stores the rest. Its record carries an "open" marker (the accept's token)
// from the first part until the last: a crash in between leaves the marker, and the same id
// sent again resumes the accept, skipping the recipients already stored, instead of being taken
// for a complete duplicate. A small message is one part ('all') and needs no marker.
// ARGV: prefix, maxLen, then per part: id, json (first/all part only), keepMs, collapseKey, token,
// fallbackAt, acceptedAt, part (all|first|more|last), index of its first recipient, recipients,
// and per recipient: user, device count, device ids (count -1: the devices of the directory's
// hash <prefix>dev:<user>, read here). Answers per part {mode, stored JSON or '',
// then epoch, offset per recipient ('' and 0 for one skipped)}: mode 1 stored by this accept,
// 2 resumed an unfinished accept of the id, 0 a complete duplicate (nothing stored).
const ACCEPT = `
local p, maxLen = ARGV[1], ARGV[2]
local results = {}
local i = 3
while i <= #ARGV do
  local id, json, keepMs, ck, token = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local fbAt, acceptedAt, part = tonumber(ARGV[i + 5]), ARGV[i + 6], ARGV[i + 7]
  local start, n = tonumber(ARGV[i + 8]), tonumber(ARGV[i + 9])
  i = i + 10
  local key = p..'m:'..id
  local openKey = key..':open'
  local mode, out
  if part == 'all' or part == 'first' then
    if redis.call('SET', key, json, 'NX', 'PX', keepMs) then
      mode = 1
      if part == 'first' then redis.call('SET', openKey, token, 'PX', keepMs) end
      out = {1, ''}
    else
      mode = redis.call('EXISTS', openKey) == 1 and 2 or 0
      out = {mode, redis.call('GET', key)}
    end
  else
    local open = redis.call('GET', openKey)
    mode = (open == token and 1) or (open and 2) or 0
    if mode == 1 and part == 'last' then redis.call('DEL', openKey) end
    out = {mode, ''}
  end
  if mode == 0 then
    for r = 1, n do i = i + 2 + math.max(0, tonumber(ARGV[i + 1])) end
  else
    local stKey = key..':st'
    local pending = 'pending|'..acceptedAt
    for r = 1, n do
      local u = ARGV[i]
      local devices = tonumber(ARGV[i + 1])
      local ids
      if devices < 0 then
        ids = redis.call('HKEYS', p..'dev:'..u)
        i = i + 2
      else
        ids = {}
        for d = 1, devices do ids[d] = ARGV[i + 1 + d] end
        i = i + 2 + devices
      end
      local stored = false
      if mode == 2 then
        stored = redis.call('HEXISTS', stKey, u..'\\t') == 1
        for _, d in ipairs(ids) do
          if not stored then stored = redis.call('HEXISTS', stKey, u..'\\t'..d) == 1 end
        end
      end
      if stored then
        out[#out + 1] = ''
        out[#out + 1] = 0
      else
        local base = p..'u:{'..u..'}:'
        local epoch = redis.call('GET', base..'epoch')
        if not epoch then
          epoch = token..'-'..(start + r)
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
        if #ids == 0 then
          redis.call('HSET', stKey, u..'\\t', pending)
        else
          for _, d in ipairs(ids) do redis.call('HSET', stKey, u..'\\t'..d, pending) end
        end
        if fbAt > 0 then redis.call('ZADD', p..'fb', fbAt, id..'\\t'..u..'\\t1') end
        out[#out + 1] = epoch
        out[#out + 1] = off
      end
    end
    redis.call('PEXPIRE', stKey, keepMs)
  end
  results[#results + 1] = out
end
return results
`;

// Messages per ACCEPT call when a turn stores many small ones.
const MESSAGES_PER_CALL = 64;
// Recipients per part of a message stored in parts: large enough that a part's script call
// costs far more than its round trip, small enough that delivery starts a few ms after the accept.
const RECIPIENTS_PER_PART = 1000;

const LUA_RANKS = Object.entries(stateRank)
  .map(([state, rank]) => `${state}=${rank}`)
  .join(', ');

// Moves devices' states only forward (ranks from stateRank); delivered/acknowledged also mark
// the user as reached (collapse and fallback read that), drop its first fallback, and settle a device-less placeholder
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
      local field = u..'\\t'..d
      local current = redis.call('HGET', st, field)
      if not current or ranks[string.sub(current, 1, string.find(current, '|', 1, true) - 1)] < rank then
        redis.call('HSET', st, field, value)
        if reached then
          -- The first time the user is reached its first fallback is no longer due: dropped here,
          -- the worker is not left to claim and discard one task per message delivered live.
          if redis.call('SADD', dlv, u) == 1 then redis.call('ZREM', p..'fb', id..'\\t'..u..'\\t1') end
          if not dlvExpiring[id] then
            redis.call('PEXPIRE', dlv, redis.call('PTTL', st))
            dlvExpiring[id] = true
          end
          -- Only a user without devices at accept has a placeholder, and then none of its
          -- devices had a field: a device that had one needs no look.
          if d ~= '' and not current then
            local ph = redis.call('HGET', st, u..'\\t')
            if ph and string.sub(ph, 1, 8) == 'pending|' then redis.call('HDEL', st, u..'\\t') end
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

  /**
   * Runs the script. `ownReply`: the call is written at once and answered as soon as Redis has
   * run it. The shared connection auto-pipelines a turn's commands, and an auto-pipeline answers
   * all its commands only when the last one is done: the first part of a broadcast would wait
   * for the last. Calls that share `ownReply` keep their order; they may overtake commands still
   * waiting in an auto-pipeline.
   */
  async run(
    client: Redis,
    keys: readonly string[],
    args: readonly (string | number)[],
    ownReply = false,
  ): Promise<unknown> {
    try {
      return await this.send(client, 'evalsha', this.sha, keys, args, ownReply);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.send(client, 'eval', this.lua, keys, args, ownReply);
    }
  }

  private send(
    client: Redis,
    command: 'evalsha' | 'eval',
    script: string,
    keys: readonly string[],
    args: readonly (string | number)[],
    ownReply: boolean,
  ): Promise<unknown> {
    if (!ownReply) return client[command](script, keys.length, ...keys, ...args);
    return client.sendCommand(
      new Command(command, [script, keys.length, ...keys, ...args], { replyEncoding: 'utf8' }),
    ) as Promise<unknown>;
  }
}

const acceptScript = new Script(ACCEPT);
const setStatesScript = new Script(SET_STATES);
const claimScript = new Script(CLAIM);

interface PendingAccept {
  readonly message: PushMessage;
  readonly recipients: readonly RecipientInput[];
  readonly fallbackAtMs: number;
  readonly onStored: StoredListener | undefined;
}

/** A run of one message's recipients in one ACCEPT call. */
interface AcceptPart {
  readonly input: number;
  readonly from: number;
  readonly to: number;
}

/** What the parts of one message stored so far. */
interface AcceptProgress {
  mode: number;
  /** The stored record: the accept's own message, or the one an earlier accept of the id stored. */
  message: PushMessage;
  readonly recipients: AcceptedRecipient[];
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
   * stored by one script call, in call order; a message of more than {@link RECIPIENTS_PER_PART}
   * recipients by several, pipelined, and `onStored` hears of each part once it is durable.
   * Each call resolves once its whole message is stored.
   */
  accept(
    message: PushMessage,
    recipients: readonly RecipientInput[],
    fallbackAtMs?: number,
    onStored?: StoredListener,
  ): Promise<AcceptResult> {
    return this.accepts.add({ message, recipients, fallbackAtMs: fallbackAtMs ?? 0, onStored });
  }

  private async acceptMany(inputs: readonly PendingAccept[]): Promise<AcceptResult[]> {
    const now = this.clock.now();
    const calls: { args: (string | number)[]; parts: AcceptPart[] }[] = [];
    let shared: (typeof calls)[number] | undefined;
    inputs.forEach(({ message, recipients, fallbackAtMs }, input) => {
      const keepMs = Math.max(1, message.expiresAtMs + this.retentionMs - now);
      const token = randomUUID();
      const whole = recipients.length <= RECIPIENTS_PER_PART;
      for (let from = 0; from === 0 || from < recipients.length; from += RECIPIENTS_PER_PART) {
        const to = Math.min(recipients.length, from + RECIPIENTS_PER_PART);
        const part = whole ? 'all' : from === 0 ? 'first' : to === recipients.length ? 'last' : 'more';
        // Small messages share a call; each part of a large one is a call of its own.
        const call = whole && shared !== undefined ? shared : { args: [this.p, this.maxLength], parts: [] };
        if (call !== shared) calls.push(call);
        shared = whole ? call : undefined;
        const json = part === 'all' || part === 'first' ? JSON.stringify(message) : '';
        call.args.push(message.id, json, keepMs, message.collapseKey ?? '', token, fallbackAtMs);
        call.args.push(message.acceptedAtMs, part, from, to - from);
        for (let r = from; r < to; r++) {
          const { userId, deviceIds } = recipients[r]!;
          if (deviceIds === undefined) call.args.push(userId, -1);
          else {
            call.args.push(userId, deviceIds.length);
            for (const deviceId of deviceIds) call.args.push(deviceId);
          }
        }
        call.parts.push({ input, from, to });
        if (call.parts.length >= MESSAGES_PER_CALL) shared = undefined;
      }
    });
    // Issued without waiting in between: one connection runs them in this order, and the first
    // parts are answered (and delivered) while Redis stores the next.
    const replies = calls.map((call) => acceptScript.run(this.client, [], call.args, true));
    for (const reply of replies) reply.catch(() => undefined); // awaited below, in order
    const progress: AcceptProgress[] = inputs.map(({ message }) => ({ mode: -1, message, recipients: [] }));
    for (const [c, call] of calls.entries()) {
      const results = (await replies[c]) as (string | number)[][];
      call.parts.forEach(({ input, from, to }, k) => {
        const out = results[k] ?? [];
        const done = progress[input]!;
        const mode = Number(out[0]);
        if (from === 0) {
          done.mode = mode;
          if (mode !== 1 && typeof out[1] === 'string' && out[1] !== '')
            done.message = JSON.parse(out[1]) as PushMessage;
        } else if (done.mode === 1 && mode !== 1) {
          // A later part ran before the first (a script reloaded between them): not all of the
          // message is stored. Failing the accept makes the sender retry, and the retry resumes it.
          throw new Error(`accepting message ${done.message.id} was interrupted; send it again`);
        }
        const { recipients, onStored } = inputs[input]!;
        const stored: AcceptedRecipient[] = [];
        for (let r = from, at = 2; r < to; r++, at += 2)
          if (out[at] !== '' && out[at] !== undefined)
            stored.push({ userId: recipients[r]!.userId, epoch: String(out[at]), offset: Number(out[at + 1]) });
        if (stored.length === 0) return;
        for (const one of stored) done.recipients.push(one);
        onStored?.(stored, done.message);
      });
    }
    return progress.map(({ mode, message, recipients }) => ({ created: mode === 1, message, recipients }));
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
