import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ScalarMap } from '../internal/values.js';
import type {
  CommandPatch,
  CommandRecord,
  CommandStatus,
  CommandStore,
  DeviceRecord,
  DeviceStore,
  HubPresence,
  HubRecord,
  HubRoute,
  HubStore,
  ShadowDocument,
  ShadowReport,
  ShadowStore,
} from './device-stores.interfaces.js';

// Keys of one hub share a hash tag ({hubId}) so the scripts stay in one cluster slot.
const CLAIM = luaScript(`
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
local prev = redis.call('HMGET', KEYS[2], 'instanceId', 'epoch', 'connectedAtMs')
redis.call('HSET', KEYS[2], 'instanceId', ARGV[1], 'epoch', epoch, 'connectedAtMs', ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[1], 'lastSeenMs', ARGV[2])
return {epoch, prev[1] or '', prev[2] or '', prev[3] or ''}`);

const REFRESH = luaScript(`
if redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[1], 'lastSeenMs', ARGV[2])
return 1`);

const RELEASE = luaScript(`
if redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'lastSeenMs', ARGV[2])
return 1`);

/**
 * {@link HubStore} on Redis: `hub:{id}` hashes (credentials, epoch counter, last-seen) and
 * `route:{id}` hashes with a TTL, changed by Lua scripts so epochs are compared atomically.
 *
 * @example
 * ```ts
 * const hubs = new RedisHubStore(redis, 'lattice:device:');
 * ```
 */
export class RedisHubStore implements HubStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'lattice:device:',
  ) {}

  async create(hub: HubRecord): Promise<void> {
    await this.redis.hset(this.hubKey(hub.hubId), {
      homeId: hub.homeId,
      secretHash: hub.secretHash,
      createdAtMs: String(hub.createdAtMs),
    });
  }

  async get(hubId: string): Promise<HubRecord | undefined> {
    const [homeId, secretHash, createdAtMs] = await this.redis.hmget(
      this.hubKey(hubId),
      'homeId',
      'secretHash',
      'createdAtMs',
    );
    if (!homeId || !secretHash) return undefined;
    return { hubId, homeId, secretHash, createdAtMs: Number(createdAtMs ?? 0) };
  }

  async claimRoute(
    hubId: string,
    instanceId: string,
    nowMs: number,
    ttlMs: number,
  ): Promise<{ route: HubRoute; previous: HubRoute | undefined }> {
    const reply = (await evalScript(
      this.redis,
      CLAIM,
      2,
      this.hubKey(hubId),
      this.routeKey(hubId),
      instanceId,
      String(nowMs),
      String(ttlMs),
    )) as [number, string, string, string];
    const [epoch, prevInstance, prevEpoch, prevAt] = reply;
    return {
      route: { hubId, instanceId, epoch: Number(epoch), connectedAtMs: nowMs },
      previous: prevInstance
        ? { hubId, instanceId: prevInstance, epoch: Number(prevEpoch), connectedAtMs: Number(prevAt) }
        : undefined,
    };
  }

  async getRoute(hubId: string): Promise<HubRoute | undefined> {
    const [instanceId, epoch, connectedAtMs] = await this.redis.hmget(
      this.routeKey(hubId),
      'instanceId',
      'epoch',
      'connectedAtMs',
    );
    if (!instanceId) return undefined;
    return { hubId, instanceId, epoch: Number(epoch), connectedAtMs: Number(connectedAtMs) };
  }

  async refreshRoutes(
    routes: readonly { hubId: string; epoch: number; lastSeenMs: number }[],
    ttlMs: number,
  ): Promise<boolean[]> {
    if (routes.length === 0) return [];
    // Every held hub, every sweep: by hash, so a sweep of 20k hubs does not send the script 20k times.
    const results = await evalScriptBatch(
      this.redis,
      REFRESH,
      routes.map((r) => [
        2,
        this.hubKey(r.hubId),
        this.routeKey(r.hubId),
        String(r.epoch),
        String(r.lastSeenMs),
        String(ttlMs),
      ]),
    );
    return results.map(([error, value]) => error === null && Number(value) === 1);
  }

  async releaseRoute(hubId: string, epoch: number, lastSeenMs: number): Promise<boolean> {
    const released = await evalScript(
      this.redis,
      RELEASE,
      2,
      this.hubKey(hubId),
      this.routeKey(hubId),
      String(epoch),
      String(lastSeenMs),
    );
    return Number(released) === 1;
  }

  async presence(hubIds: readonly string[]): Promise<HubPresence[]> {
    if (hubIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of hubIds) {
      pipeline.exists(this.routeKey(id));
      pipeline.hget(this.hubKey(id), 'lastSeenMs');
    }
    const results = (await pipeline.exec()) ?? [];
    return hubIds.map((_, i) => ({
      online: Number(results[2 * i]?.[1] ?? 0) === 1,
      lastSeenMs: Number(results[2 * i + 1]?.[1] ?? 0),
    }));
  }

  private hubKey(hubId: string): string {
    return `${this.prefix}hub:{${hubId}}`;
  }

  private routeKey(hubId: string): string {
    return `${this.prefix}route:{${hubId}}`;
  }
}

/**
 * {@link DeviceStore} on Redis: `dev:<id>` JSON strings plus `hub-devs:<hub>` and
 * `home-devs:<home>` sets.
 *
 * @example
 * ```ts
 * const devices = new RedisDeviceStore(redis, 'lattice:device:');
 * ```
 */
export class RedisDeviceStore implements DeviceStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'lattice:device:',
  ) {}

  async upsert(devices: readonly DeviceRecord[]): Promise<void> {
    if (devices.length === 0) return;
    const olds = await this.getMany(devices.map((d) => d.deviceId));
    const multi = this.redis.multi();
    devices.forEach((device, i) => {
      const old = olds[i];
      if (old) {
        multi.srem(this.hubSet(old.hubId), old.deviceId);
        multi.srem(this.homeSet(old.homeId), old.deviceId);
      }
      const record: DeviceRecord = {
        deviceId: device.deviceId,
        hubId: device.hubId,
        homeId: device.homeId,
        model: device.model,
        capabilities: [...device.capabilities],
      };
      multi.set(this.deviceKey(device.deviceId), JSON.stringify(record));
      multi.sadd(this.hubSet(device.hubId), device.deviceId);
      multi.sadd(this.homeSet(device.homeId), device.deviceId);
    });
    await multi.exec();
  }

  async remove(hubId: string, deviceIds: readonly string[]): Promise<string[]> {
    const current = await this.getMany(deviceIds);
    const gone = current.filter((d): d is DeviceRecord => d?.hubId === hubId);
    if (gone.length === 0) return [];
    const multi = this.redis.multi();
    for (const d of gone) {
      multi.del(this.deviceKey(d.deviceId));
      multi.srem(this.hubSet(hubId), d.deviceId);
      multi.srem(this.homeSet(d.homeId), d.deviceId);
    }
    await multi.exec();
    return gone.map((d) => d.deviceId);
  }

  async get(deviceId: string): Promise<DeviceRecord | undefined> {
    const raw = await this.redis.get(this.deviceKey(deviceId));
    return raw ? (JSON.parse(raw) as DeviceRecord) : undefined;
  }

  async listByHub(hubId: string): Promise<DeviceRecord[]> {
    return this.list(await this.redis.smembers(this.hubSet(hubId)));
  }

  async listByHome(homeId: string): Promise<DeviceRecord[]> {
    return this.list(await this.redis.smembers(this.homeSet(homeId)));
  }

  private async list(ids: string[]): Promise<DeviceRecord[]> {
    const devices = (await this.getMany(ids)).filter((d): d is DeviceRecord => d !== undefined);
    return devices.sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }

  private async getMany(ids: readonly string[]): Promise<(DeviceRecord | undefined)[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.deviceKey(id)));
    return raws.map((raw) => (raw ? (JSON.parse(raw) as DeviceRecord) : undefined));
  }

  private deviceKey(id: string): string {
    return `${this.prefix}dev:${id}`;
  }
  private hubSet(id: string): string {
    return `${this.prefix}hub-devs:${id}`;
  }
  private homeSet(id: string): string {
    return `${this.prefix}home-devs:${id}`;
  }
}

const REPORT = luaScript(`
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], 'r.' .. ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'updatedAtMs', ARGV[1])
return redis.call('HINCRBY', KEYS[1], 'version', 1)`);

function reportArgs(values: Readonly<ScalarMap>, nowMs: number): string[] {
  const args: string[] = [String(nowMs)];
  for (const key of Object.keys(values)) args.push(key, JSON.stringify(values[key]));
  return args;
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** A Lua script with its SHA-1, so calls can send the hash instead of the text. */
interface LuaScript {
  readonly text: string;
  readonly sha: string;
}

function luaScript(text: string): LuaScript {
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

/**
 * Runs a Lua script by its hash (EVALSHA), sending its text only when Redis does not have it
 * yet (a restarted or failed-over server): a few bytes per call instead of the whole script.
 */
async function evalScript(redis: Redis, script: LuaScript, numKeys: number, ...args: string[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, numKeys, ...args);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return redis.eval(script.text, numKeys, ...args);
  }
}

/**
 * Runs one script many times in one pipeline, by hash; calls Redis answers NOSCRIPT for (a
 * restarted or failed-over server) go again with the text. Resolves with each call's
 * `[error, result]`, in order.
 */
async function evalScriptBatch(
  redis: Redis,
  script: LuaScript,
  calls: readonly (readonly (string | number)[])[],
): Promise<[Error | null, unknown][]> {
  const pipeline = redis.pipeline();
  for (const args of calls) pipeline.evalsha(script.sha, ...(args as [number, ...string[]]));
  const results = ((await pipeline.exec()) ?? []) as [Error | null, unknown][];
  const missing = results.flatMap(([error], i) => (isNoScript(error) ? [i] : []));
  if (missing.length === 0) return results;
  const retry = redis.pipeline();
  for (const i of missing) retry.eval(script.text, ...(calls[i] as [number, ...string[]]));
  const retried = ((await retry.exec()) ?? []) as [Error | null, unknown][];
  missing.forEach((i, j) => (results[i] = retried[j] ?? [new Error('no reply'), null]));
  return results;
}

const DESIRE = luaScript(`
local sets = tonumber(ARGV[2])
for i = 0, sets - 1 do redis.call('HSET', KEYS[1], 'd.' .. ARGV[3 + 2 * i], ARGV[4 + 2 * i]) end
for i = 3 + 2 * sets, #ARGV do redis.call('HDEL', KEYS[1], 'd.' .. ARGV[i]) end
redis.call('HSET', KEYS[1], 'updatedAtMs', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'version', 1)
return redis.call('HGETALL', KEYS[1])`);

/**
 * {@link ShadowStore} on Redis: one hash per device (`shadow:<id>`, fields `r.<key>` and
 * `d.<key>` holding JSON values, `version`, `updatedAtMs`), changed by Lua scripts.
 *
 * @example
 * ```ts
 * const shadows = new RedisShadowStore(redis, 'lattice:device:');
 * ```
 */
export class RedisShadowStore implements ShadowStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'lattice:device:',
  ) {}

  async get(deviceId: string): Promise<ShadowDocument | undefined> {
    const hash = await this.redis.hgetall(this.key(deviceId));
    if (Object.keys(hash).length === 0) return undefined;
    return parseShadow(deviceId, hash);
  }

  async report(deviceId: string, values: Readonly<ScalarMap>, nowMs: number): Promise<number> {
    return Number(await evalScript(this.redis, REPORT, 1, this.key(deviceId), ...reportArgs(values, nowMs)));
  }

  async reportMany(reports: readonly ShadowReport[], nowMs: number): Promise<void> {
    if (reports.length === 0) return;
    // One round trip for the batch.
    const results = await evalScriptBatch(
      this.redis,
      REPORT,
      reports.map((r) => [1, this.key(r.deviceId), ...reportArgs(r.values, nowMs)]),
    );
    for (const [error] of results) if (error) throw error;
  }

  async updateDesired(
    deviceId: string,
    set: Readonly<ScalarMap>,
    remove: readonly string[],
    nowMs: number,
  ): Promise<ShadowDocument> {
    const entries = Object.entries(set);
    const args: string[] = [String(nowMs), String(entries.length)];
    for (const [k, v] of entries) args.push(k, JSON.stringify(v));
    args.push(...remove);
    const flat = (await evalScript(this.redis, DESIRE, 1, this.key(deviceId), ...args)) as string[];
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string;
    return parseShadow(deviceId, hash);
  }

  private key(deviceId: string): string {
    return `${this.prefix}shadow:${deviceId}`;
  }
}

function parseShadow(deviceId: string, hash: Record<string, string>): ShadowDocument {
  const reported: ScalarMap = {};
  const desired: ScalarMap = {};
  for (const [field, raw] of Object.entries(hash)) {
    if (field.startsWith('r.')) reported[field.slice(2)] = JSON.parse(raw) as ScalarMap[string];
    else if (field.startsWith('d.')) desired[field.slice(2)] = JSON.parse(raw) as ScalarMap[string];
  }
  return {
    deviceId,
    reported,
    desired,
    version: Number(hash['version'] ?? 0),
    updatedAtMs: Number(hash['updatedAtMs'] ?? 0),
  };
}

const CREATE = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`);

const TRANSITION = luaScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == status then allowed = true end end
if not allowed then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return redis.call('HGETALL', KEYS[1])`);

/**
 * {@link CommandStore} on Redis: `cmd:<id>` hashes (expiring after the retention) with the
 * status changed by a compare-and-set script, and `queue:<hub>` lists.
 *
 * @example
 * ```ts
 * const commands = new RedisCommandStore(redis, 'lattice:device:');
 * ```
 */
export class RedisCommandStore implements CommandStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'lattice:device:',
  ) {}

  async create(record: CommandRecord, retentionMs: number): Promise<boolean> {
    const { status, result, error, updatedAtMs, ...fixed } = record;
    const created = await evalScript(
      this.redis,
      CREATE,
      1,
      this.key(record.commandId),
      String(retentionMs),
      'status',
      status,
      'doc',
      JSON.stringify(fixed),
      'result',
      JSON.stringify(result),
      'error',
      error,
      'updatedAtMs',
      String(updatedAtMs),
    );
    return Number(created) === 1;
  }

  async get(commandId: string): Promise<CommandRecord | undefined> {
    return parseCommand(await this.redis.hgetall(this.key(commandId)));
  }

  async transition(
    commandId: string,
    from: readonly CommandStatus[],
    patch: CommandPatch,
  ): Promise<CommandRecord | undefined> {
    const args: string[] = [from.join(',')];
    if (patch.status !== undefined) args.push('status', patch.status);
    if (patch.result !== undefined) args.push('result', JSON.stringify(patch.result));
    if (patch.error !== undefined) args.push('error', patch.error);
    if (patch.updatedAtMs !== undefined) args.push('updatedAtMs', String(patch.updatedAtMs));
    const flat = (await evalScript(this.redis, TRANSITION, 1, this.key(commandId), ...args)) as string[] | number;
    if (!Array.isArray(flat)) return undefined;
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string;
    return parseCommand(hash);
  }

  async enqueue(hubId: string, commandId: string): Promise<void> {
    await this.redis.rpush(this.queueKey(hubId), commandId);
  }

  async takeQueued(hubId: string): Promise<string[]> {
    const key = this.queueKey(hubId);
    const results = await this.redis.multi().lrange(key, 0, -1).del(key).exec();
    return (results?.[0]?.[1] as string[] | undefined) ?? [];
  }

  private key(id: string): string {
    return `${this.prefix}cmd:${id}`;
  }
  private queueKey(id: string): string {
    return `${this.prefix}queue:${id}`;
  }
}

function parseCommand(hash: Record<string, string>): CommandRecord | undefined {
  if (!hash['status'] || !hash['doc']) return undefined;
  const fixed = JSON.parse(hash['doc']) as Omit<CommandRecord, 'status' | 'result' | 'error' | 'updatedAtMs'>;
  return {
    ...fixed,
    status: hash['status'] as CommandStatus,
    result: JSON.parse(hash['result'] ?? '{}') as ScalarMap,
    error: hash['error'] ?? '',
    updatedAtMs: Number(hash['updatedAtMs'] ?? 0),
  };
}
