import type { Redis } from 'ioredis';
import { defineScript, runScript, sendNow } from '../internal/lua-script.js';
import { TurnBatch } from '@lattice/core';
import type { Rule } from '../rules/rule.schema.js';
import type {
  AdvanceResult,
  ClaimedBatch,
  DeviceStateStore,
  RuleRun,
  RuleStore,
  RunStore,
  TimerClaim,
  TimerStore,
} from './stores.interfaces.js';

/** Options shared by the Redis adapters. */
export interface RedisStoreOptions {
  /** A connected ioredis client; the caller owns (and closes) it. */
  redis: Redis;
  /** Prefix of every key. @default 'lattice:scheduler:' */
  keyPrefix?: string;
}

// Keys: due zset (key -> due ms), lease zset (firingId -> lease expiry), firing hash
// (firingId -> "token" or "token:a" once advanced), fence counter. ARGV: now, limit, leaseMs,
// aheadMs. Answers the earliest due time or lease expiry left ('' for none), then a
// (firingId, token, takeover) triple per claim.
const CLAIM = defineScript(`
local now = tonumber(ARGV[1]); local limit = tonumber(ARGV[2]); local leaseMs = tonumber(ARGV[3])
local dueBy = now + tonumber(ARGV[4])
local out = {''}
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
for _, fid in ipairs(expired) do
  local v = redis.call('HGET', KEYS[3], fid)
  if v then
    local token = redis.call('INCR', KEYS[4])
    local suffix = string.match(v, ':a$') and ':a' or ''
    redis.call('HSET', KEYS[3], fid, token .. suffix)
    redis.call('ZADD', KEYS[2], now + leaseMs, fid)
    table.insert(out, fid); table.insert(out, token); table.insert(out, 1)
  else
    redis.call('ZREM', KEYS[2], fid)
  end
end
local left = limit - #expired
if left > 0 then
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', dueBy, 'WITHSCORES', 'LIMIT', 0, left)
  for i = 1, #due, 2 do
    local key = due[i]
    local fid = key .. '@' .. due[i + 1]
    redis.call('ZREM', KEYS[1], key)
    if redis.call('HEXISTS', KEYS[3], fid) == 0 then
      local token = redis.call('INCR', KEYS[4])
      redis.call('HSET', KEYS[3], fid, token)
      redis.call('ZADD', KEYS[2], now + leaseMs, fid)
      table.insert(out, fid); table.insert(out, token); table.insert(out, 0)
    end
  end
end
local due = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
local lease = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
if due and lease then out[1] = tonumber(due) < tonumber(lease) and due or lease else out[1] = due or lease or '' end
return out`);

// KEYS: due zset, firing hash. ARGV: (firingId, token, key, next due ('' for none)) per
// firing, so that one call advances every firing a replica started in one turn.
const ADVANCE = defineScript(`
local out = {}
for i = 1, #ARGV, 4 do
  local v = redis.call('HGET', KEYS[2], ARGV[i])
  if not v or string.match(v, '^(%d+)') ~= ARGV[i + 1] then out[#out + 1] = 'fenced'
  elseif string.match(v, ':a$') then out[#out + 1] = 'already'
  else
    redis.call('HSET', KEYS[2], ARGV[i], v .. ':a')
    if ARGV[i + 3] ~= '' then redis.call('ZADD', KEYS[1], ARGV[i + 3], ARGV[i + 2]) end
    out[#out + 1] = 'ok'
  end
end
return out`);

// KEYS: lease zset, firing hash. ARGV: firingId, token, lease expiry.
const RENEW = defineScript(`
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v or string.match(v, '^(%d+)') ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1`);

// KEYS: lease zset, firing hash. ARGV: (firingId, token) per firing; 1 when ended, 0 when fenced.
const FINISH = defineScript(`
local out = {}
for i = 1, #ARGV, 2 do
  local v = redis.call('HGET', KEYS[2], ARGV[i])
  if not v or string.match(v, '^(%d+)') ~= ARGV[i + 1] then out[#out + 1] = 0
  else
    redis.call('HDEL', KEYS[2], ARGV[i])
    redis.call('ZREM', KEYS[1], ARGV[i])
    out[#out + 1] = 1
  end
end
return out`);

// KEYS: due zset, once marker. ARGV: key, due, ttl ms.
const ONCE = defineScript(`
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  return 1
end
return 0`);

// KEYS: one run list per rule. ARGV: max runs kept, then per list the number of runs and
// the runs (oldest first), so that one call records every run of one turn.
const APPEND = defineScript(`
local max, a = tonumber(ARGV[1]), 2
for _, key in ipairs(KEYS) do
  local n = tonumber(ARGV[a])
  redis.call('LPUSH', key, unpack(ARGV, a + 1, a + n))
  redis.call('LTRIM', key, 0, max - 1)
  a = a + n + 1
end
return 1`);

function splitFiringId(firingId: string): { key: string; dueMs: number } {
  const at = firingId.lastIndexOf('@');
  return { key: firingId.slice(0, at), dueMs: Number(firingId.slice(at + 1)) };
}

/**
 * {@link TimerStore} on Redis: a sorted set of next due times (one member per timer), a
 * sorted set of lease expiries and a hash of firings in progress with their fencing
 * tokens. Claim, advance, renew and finish are single Lua scripts, atomic across replicas;
 * the advances (and the finishes) of one turn of the event loop go in one script call.
 *
 * @example
 * ```ts
 * const timers = new RedisTimerStore({ redis: new Redis(url) });
 * ```
 */
export class RedisTimerStore implements TimerStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly keys: { due: string; lease: string; firing: string; fence: string };
  /** The connection and prefix this store was made with (other stores of the same replica share them). */
  readonly storeOptions: Readonly<RedisStoreOptions>;
  private readonly advances = new TurnBatch<[string, number, string, string], AdvanceResult>(
    async (items) =>
      (await runScript(this.redis, ADVANCE, [this.keys.due, this.keys.firing], items.flat())) as AdvanceResult[],
  );
  private readonly finishes = new TurnBatch<[string, number], boolean>(async (items) =>
    ((await runScript(this.redis, FINISH, [this.keys.lease, this.keys.firing], items.flat())) as number[]).map(
      (ended) => ended === 1,
    ),
  );

  constructor(options: RedisStoreOptions) {
    this.storeOptions = { ...options };
    this.redis = options.redis;
    const p = (this.prefix = options.keyPrefix ?? 'lattice:scheduler:');
    this.keys = {
      due: `${p}timers:due`,
      lease: `${p}timers:lease`,
      firing: `${p}timers:firing`,
      fence: `${p}timers:fence`,
    };
  }

  async schedule(key: string, dueMs: number): Promise<void> {
    await this.redis.zadd(this.keys.due, dueMs, key);
  }
  async scheduleOnce(key: string, dueMs: number, dedupeTtlMs: number): Promise<boolean> {
    const once = `${this.prefix}timers:once:${key}`;
    return (await runScript(this.redis, ONCE, [this.keys.due, once], [key, dueMs, Math.max(1, dedupeTtlMs)])) === 1;
  }
  async cancel(key: string): Promise<void> {
    await this.redis.zrem(this.keys.due, key);
  }
  async claimDue(nowMs: number, limit: number, leaseMs: number, aheadMs = 0): Promise<TimerClaim[]> {
    return (await this.claimBatch(nowMs, limit, leaseMs, aheadMs)).claims;
  }
  async claimBatch(nowMs: number, limit: number, leaseMs: number, aheadMs = 0): Promise<ClaimedBatch> {
    const { due, lease, firing, fence } = this.keys;
    const [wake, ...raw] = (await runScript(
      this.redis,
      CLAIM,
      [due, lease, firing, fence],
      [nowMs, limit, leaseMs, aheadMs],
    )) as (string | number)[];
    const claims: TimerClaim[] = [];
    for (let i = 0; i + 2 < raw.length; i += 3) {
      const firingId = String(raw[i]);
      claims.push({ ...splitFiringId(firingId), firingId, token: Number(raw[i + 1]), takeover: raw[i + 2] === 1 });
    }
    return { claims, nextWakeMs: wake === '' || wake === undefined ? null : Number(wake) };
  }
  advance(firingId: string, token: number, nextDueMs: number | null): Promise<AdvanceResult> {
    const next = nextDueMs === null ? '' : String(nextDueMs);
    return this.advances.add([firingId, token, splitFiringId(firingId).key, next]);
  }
  async renew(firingId: string, token: number, leaseMs: number, nowMs: number): Promise<boolean> {
    return (
      (await runScript(this.redis, RENEW, [this.keys.lease, this.keys.firing], [firingId, token, nowMs + leaseMs])) ===
      1
    );
  }
  finish(firingId: string, token: number): Promise<boolean> {
    return this.finishes.add([firingId, token]);
  }

  async nextWakeMs(): Promise<number | null> {
    const [due, lease] = await Promise.all([this.firstScore(this.keys.due), this.firstScore(this.keys.lease)]);
    const times = [due, lease].filter((v): v is number => v !== null);
    return times.length === 0 ? null : Math.min(...times);
  }
  private async firstScore(key: string): Promise<number | null> {
    // RESP2 answers [member, score]; RESP3 answers [[member, score]].
    const reply = (await this.redis.call('ZRANGE', key, '0', '0', 'WITHSCORES')) as unknown[];
    const first = Array.isArray(reply[0]) ? (reply[0] as unknown[])[1] : reply[1];
    return first === undefined || first === null ? null : Number(first);
  }
  async size(): Promise<number> {
    return this.redis.zcard(this.keys.due);
  }
  async dueOf(key: string): Promise<number | null> {
    const score = await this.redis.zscore(this.keys.due, key);
    return score === null ? null : Number(score);
  }
}

/**
 * {@link RuleStore} on Redis: one hash of rule JSON by id and a set of rule ids per home.
 * The gets of one turn of the event loop are one HMGET.
 *
 * @example
 * ```ts
 * const rules = new RedisRuleStore({ redis });
 * ```
 */
export class RedisRuleStore implements RuleStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly gets = new TurnBatch<string, string | null>(
    (ids) => sendNow(this.redis, 'hmget', [`${this.prefix}rules`, ...ids]) as Promise<(string | null)[]>,
  );
  constructor(options: RedisStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.keyPrefix ?? 'lattice:scheduler:';
  }
  async get(id: string): Promise<Rule | null> {
    const json = await this.gets.add(id);
    return json === null ? null : (JSON.parse(json) as Rule);
  }
  async put(rule: Rule): Promise<void> {
    const before = await this.get(rule.id);
    const tx = this.redis.multi().hset(`${this.prefix}rules`, rule.id, JSON.stringify(rule));
    if (before !== null && before.homeId !== rule.homeId) tx.srem(`${this.prefix}home:${before.homeId}`, rule.id);
    await tx.sadd(`${this.prefix}home:${rule.homeId}`, rule.id).exec();
  }
  async delete(id: string): Promise<boolean> {
    const before = await this.get(id);
    if (before === null) return false;
    await this.redis.multi().hdel(`${this.prefix}rules`, id).srem(`${this.prefix}home:${before.homeId}`, id).exec();
    return true;
  }
  async listByHomes(homeIds: readonly string[]): Promise<Rule[]> {
    if (homeIds.length === 0) return [];
    const ids = await this.redis.sunion(...homeIds.map((home) => `${this.prefix}home:${home}`));
    if (ids.length === 0) return [];
    const jsons = await this.redis.hmget(`${this.prefix}rules`, ...ids);
    return jsons
      .filter((json): json is string => json !== null)
      .map((json) => JSON.parse(json) as Rule)
      .sort((a, b) => a.createdMs - b.createdMs);
  }
}

/**
 * {@link RunStore} on Redis: a capped list per rule, newest first. The runs recorded in one
 * turn of the event loop are written by one script call (LPUSH and LTRIM per rule).
 *
 * @example
 * ```ts
 * const runs = new RedisRunStore({ redis }, 100);
 * ```
 */
export class RedisRunStore implements RunStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  constructor(
    options: RedisStoreOptions,
    private readonly maxRunsPerRule = 100,
  ) {
    this.redis = options.redis;
    this.prefix = options.keyPrefix ?? 'lattice:scheduler:';
  }
  private readonly appends = new TurnBatch<RuleRun, void>(async (runs) => {
    const byRule = new Map<string, string[]>();
    for (const run of runs) {
      const key = `${this.prefix}runs:${run.ruleId}`;
      const list = byRule.get(key);
      if (list === undefined) byRule.set(key, [JSON.stringify(run)]);
      else list.push(JSON.stringify(run));
    }
    const args: (string | number)[] = [this.maxRunsPerRule];
    for (const list of byRule.values()) args.push(list.length, ...list);
    await runScript(this.redis, APPEND, [...byRule.keys()], args);
    return runs.map(() => undefined);
  });
  append(run: RuleRun): Promise<void> {
    return this.appends.add(run);
  }
  async list(ruleId: string, limit: number): Promise<RuleRun[]> {
    const items = await this.redis.lrange(`${this.prefix}runs:${ruleId}`, 0, limit - 1);
    return items.map((item) => JSON.parse(item) as RuleRun);
  }
  async deleteRule(ruleId: string): Promise<void> {
    await this.redis.del(`${this.prefix}runs:${ruleId}`);
  }
}

/**
 * {@link DeviceStateStore} on Redis: one hash per device, values JSON-encoded.
 *
 * @example
 * ```ts
 * const states = new RedisDeviceStateStore({ redis });
 * ```
 */
export class RedisDeviceStateStore implements DeviceStateStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  constructor(options: RedisStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.keyPrefix ?? 'lattice:scheduler:';
  }
  async get(deviceId: string): Promise<Record<string, string | number | boolean>> {
    return decode(await this.redis.hgetall(`${this.prefix}state:${deviceId}`));
  }
  async merge(
    deviceId: string,
    values: Record<string, string | number | boolean>,
  ): Promise<Record<string, string | number | boolean>> {
    const key = `${this.prefix}state:${deviceId}`;
    const encoded = Object.entries(values).flatMap(([k, v]) => [k, JSON.stringify(v)]);
    const tx = this.redis.multi().hgetall(key);
    if (encoded.length > 0) tx.hset(key, ...encoded);
    const result = await tx.exec();
    const before = result?.[0]?.[1] as Record<string, string> | undefined;
    return decode(before ?? {});
  }
}

function decode(raw: Record<string, string>): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, JSON.parse(v) as string | number | boolean]));
}
