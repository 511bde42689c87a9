import { systemClock, type Clock } from '@lattice/core';
import { Redis } from 'ioredis';
import {
  ConfigNoGrayReleaseError,
  ConfigReleaseNotFoundError,
  ConfigRevisionConflictError,
  ConfigRollbackTargetError,
} from '../config.errors.js';
import { deepFreeze, validateProperties } from '../model/properties.js';
import type {
  ConfigCoordinates,
  GrayPublishInput,
  NamespaceState,
  PublishInput,
  Release,
  ReleaseMeta,
} from '../model/release.interfaces.js';
import type { ConfigStore, ConfigStoreEvent } from './config-store.interfaces.js';
import { checkChange, checkCoordinates, checkTargets, coordinatesOf } from './store-support.js';

/**
 * Options of {@link RedisConfigStore}: a URL (the store opens and closes its connections) or a client (yours to close).
 *
 * @example
 * ```ts
 * new RedisConfigStore({ client: redis, keyPrefix: 'myapp:config:' })
 * ```
 */
export interface RedisConfigStoreOptions {
  /** `redis://` or `rediss://` URL; the store opens a command and a subscriber connection. */
  url?: string;
  /** An ioredis client to use for commands; the subscriber is its `duplicate()`. The store does not close it. */
  client?: Redis;
  /** Prefix of every key and of the notification channel. @default 'lattice:config:' */
  keyPrefix?: string;
  /** Stamps `createdAtMs`. @default systemClock */
  clock?: Clock;
  /** Name shown by `CLIENT LIST`. @default 'lattice:config' */
  connectionName?: string;
  /** States up to this size travel inside the change notification; larger ones are read by each watcher. @default 65536 */
  inlineStateBytes?: number;
}

// One script for every change so that check, version, pointer moves and the notification
// are a single atomic step. The release body arrives as JSON without its version, which is
// spliced in as text: decoding and re-encoding with cjson would lose number precision and
// turn empty arrays into objects.
const CHANGE_SCRIPT = `
local state, releases = KEYS[1], KEYS[2]
local kind, expectedRev, expectedGray, body, channel, note = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local rev = tonumber(redis.call('HGET', state, 'rev') or '0')
if expectedRev ~= '' and tonumber(expectedRev) ~= rev then return {-1, rev} end
local gray = tonumber(redis.call('HGET', state, 'gray') or '0')
if (kind == 'promote' or kind == 'abandon') and gray == 0 then return {-2, 0} end
if expectedGray ~= '' and tonumber(expectedGray) ~= gray then return {-3, gray} end
rev = rev + 1
redis.call('HSET', state, 'rev', rev)
if kind ~= 'abandon' then
  redis.call('HSET', releases, rev, '{"version":' .. rev .. ',' .. string.sub(body, 2))
end
if kind == 'main' or kind == 'promote' then redis.call('HSET', state, 'main', rev) end
if kind == 'promote' or kind == 'abandon' then redis.call('HSET', state, 'gray', 0) end
if kind == 'gray' then redis.call('HSET', state, 'gray', rev) end
local mainVersion = redis.call('HGET', state, 'main') or '0'
local grayVersion = redis.call('HGET', state, 'gray') or '0'
local mainJson = (mainVersion ~= '0' and redis.call('HGET', releases, mainVersion)) or 'null'
local grayJson = (grayVersion ~= '0' and redis.call('HGET', releases, grayVersion)) or 'null'
local message = '{"revision":' .. rev .. ',' .. string.sub(note, 2, -2)
-- Small states travel with the notification, saving every watcher a read.
if string.len(mainJson) + string.len(grayJson) <= tonumber(ARGV[7]) then
  message = message .. ',"state":{"revision":' .. rev .. ',"main":' .. mainJson .. ',"gray":' .. grayJson .. '}'
end
redis.call('PUBLISH', channel, message .. '}')
return {rev, 0}
`;

const STATE_SCRIPT = `
local s = redis.call('HMGET', KEYS[1], 'rev', 'main', 'gray')
local main, gray = false, false
if s[2] and s[2] ~= '0' then main = redis.call('HGET', KEYS[2], s[2]) end
if s[3] and s[3] ~= '0' then gray = redis.call('HGET', KEYS[2], s[3]) end
return {s[1] or '0', main, gray}
`;

type ChangeKind = 'main' | 'gray' | 'promote' | 'abandon';

/**
 * The config store in Redis, for many processes: each namespace is a state hash (revision,
 * main and gray version) and a hash of release JSON by version. Changes run as one Lua
 * script that also publishes `{revision, appId, cluster, namespace}` on `<prefix>changes`;
 * watchers get those through a dedicated subscriber connection, plus `disconnected` /
 * `connected` events when it drops and returns (ioredis reconnects and resubscribes).
 *
 * @example
 * ```ts
 * const store = new RedisConfigStore({ url: 'redis://127.0.0.1:6379' });
 * await store.publish({ appId: 'device', cluster: 'default', namespace: 'application', properties: { rps: 100 }, author: 'ops' });
 * await store.close();
 * ```
 */
export class RedisConfigStore implements ConfigStore {
  private readonly redis: Redis;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly clock: Clock;
  private readonly inlineStateBytes: number;
  private readonly listeners = new Set<(event: ConfigStoreEvent) => void>();
  private subscriber: Redis | undefined;
  private subscribed: Promise<void> | undefined;
  private connected = true;
  private closed = false;

  constructor(options: RedisConfigStoreOptions) {
    if (options.client === undefined && options.url === undefined) {
      throw new TypeError('RedisConfigStore needs `url` or `client`');
    }
    this.prefix = options.keyPrefix ?? 'lattice:config:';
    this.channel = `${this.prefix}changes`;
    this.clock = options.clock ?? systemClock;
    this.inlineStateBytes = options.inlineStateBytes ?? 65_536;
    this.ownsClient = options.client === undefined;
    this.redis =
      options.client ??
      new Redis(options.url!, {
        connectionName: options.connectionName ?? 'lattice:config',
        maxRetriesPerRequest: 1,
        retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1_000),
      });
    // Errors surface on the commands; an unhandled 'error' event would crash the process.
    if (this.ownsClient) this.redis.on('error', () => undefined);
  }

  publish(input: PublishInput): Promise<Release> {
    return this.run('main', input, input.expectedRevision, undefined, {
      kind: 'publish',
      properties: input.properties,
    });
  }

  async publishGray(input: GrayPublishInput): Promise<Release> {
    checkTargets(input.targets);
    return this.run('gray', input, input.expectedRevision, undefined, {
      kind: 'gray',
      properties: input.properties,
      targets: { instanceIds: [...(input.targets.instanceIds ?? [])], labels: { ...(input.targets.labels ?? {}) } },
    });
  }

  async promoteGray(at: ConfigCoordinates, meta: ReleaseMeta): Promise<Release> {
    checkCoordinates(at);
    const { gray } = await this.state(at);
    if (gray === null) throw new ConfigNoGrayReleaseError(at);
    return this.run('promote', { ...at, ...meta }, undefined, gray.version, {
      kind: 'promote',
      properties: gray.properties,
      promotedFrom: gray.version,
    });
  }

  async abandonGray(at: ConfigCoordinates, meta: ReleaseMeta): Promise<Release> {
    checkCoordinates(at);
    const { gray } = await this.state(at);
    if (gray === null) throw new ConfigNoGrayReleaseError(at);
    await this.run('abandon', { ...at, ...meta }, undefined, gray.version, undefined);
    return gray;
  }

  async rollback(at: ConfigCoordinates, toVersion: number, meta: ReleaseMeta): Promise<Release> {
    checkCoordinates(at);
    const [target, state] = await Promise.all([this.release(at, toVersion), this.state(at)]);
    if (target === null) throw new ConfigReleaseNotFoundError(at, toVersion);
    if (target.kind === 'gray') throw new ConfigRollbackTargetError(at, toVersion, 'it is a gray release');
    const main = state.main?.version ?? 0;
    if (toVersion >= main) {
      throw new ConfigRollbackTargetError(at, toVersion, `it is not older than the current main release ${main}`);
    }
    // Releases are immutable, so the target's properties cannot change under us; the
    // expected revision makes a concurrent change fail loudly instead of interleaving.
    return this.run('main', { ...at, ...meta }, state.revision, undefined, {
      kind: 'rollback',
      properties: target.properties,
      rollbackOf: toVersion,
    });
  }

  async state(at: ConfigCoordinates): Promise<NamespaceState> {
    checkCoordinates(at);
    const [revision, main, gray] = (await this.redis.eval(
      STATE_SCRIPT,
      2,
      this.key(at, 'state'),
      this.key(at, 'releases'),
    )) as [string, string | null, string | null];
    return { revision: Number(revision), main: parseRelease(main), gray: parseRelease(gray) };
  }

  async revision(at: ConfigCoordinates): Promise<number> {
    checkCoordinates(at);
    return Number((await this.redis.hget(this.key(at, 'state'), 'rev')) ?? 0);
  }

  async release(at: ConfigCoordinates, version: number): Promise<Release | null> {
    checkCoordinates(at);
    return parseRelease(await this.redis.hget(this.key(at, 'releases'), String(version)));
  }

  async history(at: ConfigCoordinates, limit?: number): Promise<Release[]> {
    checkCoordinates(at);
    const all = await this.redis.hvals(this.key(at, 'releases'));
    const releases = all.map((text) => parseRelease(text)!).sort((a, b) => b.version - a.version);
    return limit === undefined ? releases : releases.slice(0, limit);
  }

  async watch(listener: (event: ConfigStoreEvent) => void): Promise<() => void> {
    this.listeners.add(listener);
    this.subscribed ??= this.subscribe();
    await this.subscribed;
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    await Promise.all([
      subscriber ? quit(subscriber) : Promise.resolve(),
      this.ownsClient ? quit(this.redis) : Promise.resolve(),
    ]);
  }

  private async subscribe(): Promise<void> {
    const subscriber = this.redis.duplicate({
      connectionName: `${this.redis.options.connectionName ?? 'lattice:config'}:sub`,
      maxRetriesPerRequest: null,
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 1_000),
    });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const event = parseNotification(message);
      if (event !== undefined) this.emit(event);
    });
    subscriber.on('close', () => {
      if (this.closed || !this.connected) return;
      this.connected = false;
      this.emit({ type: 'disconnected' });
    });
    subscriber.on('ready', () => {
      // ioredis resubscribes on reconnect before 'ready'; anything published meanwhile was missed.
      if (this.connected) return;
      this.connected = true;
      this.emit({ type: 'connected' });
    });
    await subscriber.subscribe(this.channel);
  }

  private emit(event: ConfigStoreEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  private key(at: ConfigCoordinates, part: 'state' | 'releases'): string {
    return `${this.prefix}${at.appId}:${at.cluster}:${at.namespace}:${part}`;
  }

  private async run(
    kind: ChangeKind,
    input: ConfigCoordinates & ReleaseMeta,
    expectedRevision: number | undefined,
    expectedGray: number | undefined,
    body: (Pick<Release, 'kind' | 'properties'> & Partial<Release>) | undefined,
  ): Promise<Release> {
    checkCoordinates(input);
    checkChange(input);
    const at = coordinatesOf(input);
    const release =
      body === undefined
        ? undefined
        : {
            ...at,
            ...body,
            properties: validateProperties(body.properties),
            author: input.author,
            comment: input.comment ?? '',
            createdAtMs: this.clock.now(),
          };
    const [code, value] = (await this.redis.eval(
      CHANGE_SCRIPT,
      2,
      this.key(at, 'state'),
      this.key(at, 'releases'),
      kind,
      expectedRevision === undefined ? '' : String(expectedRevision),
      expectedGray === undefined ? '' : String(expectedGray),
      release === undefined ? '{}' : JSON.stringify(release),
      this.channel,
      JSON.stringify(at),
      String(this.inlineStateBytes),
    )) as [number, number];
    if (code === -1) throw new ConfigRevisionConflictError(at, expectedRevision ?? 0, value);
    if (code === -2) throw new ConfigNoGrayReleaseError(at);
    // The gray release changed between our read and the script: report it as a conflict.
    if (code === -3) throw new ConfigRevisionConflictError(at, expectedGray ?? 0, value);
    return deepFreeze({ version: code, ...(release ?? {}) } as Release);
  }
}

function parseRelease(text: string | null | undefined): Release | null {
  if (text === null || text === undefined) return null;
  return deepFreeze(JSON.parse(text) as Release);
}

function parseNotification(message: string): ConfigStoreEvent | undefined {
  try {
    const note = JSON.parse(message) as { revision: number; state?: NamespaceState } & ConfigCoordinates;
    const state = note.state === undefined ? undefined : deepFreeze(note.state);
    return { type: 'change', coordinates: coordinatesOf(note), revision: note.revision, ...(state ? { state } : {}) };
  } catch {
    return undefined;
  }
}

async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  // QUIT waits for a reply that never comes while disconnected; disconnect() ends retries at once.
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await redis.quit().catch(() => redis.disconnect());
}
