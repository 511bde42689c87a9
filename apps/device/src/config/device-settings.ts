import { z } from 'zod';
import { InvalidOptionsError, toValidationProblems } from '@lattice/core';

/**
 * The device app's own configuration keys (under `device.` in YAML, `LATTICE_DEVICE__DEVICE__*`
 * in the environment). Validated once at start, every problem listed.
 *
 * @example
 * ```yaml
 * # config/device.yaml
 * device:
 *   heartbeatIntervalMs: 20000
 *   maxQueuedFrames: 512
 * ```
 */
export interface DeviceSettings {
  /** Port of the public hub link (HubLink.Connect). @default 50051 */
  hubLinkPort: number;
  /** Port of the internal DeviceService (other apps, other device replicas). @default 50052 */
  internalGrpcPort: number;
  /** Interface both gRPC servers bind. @default '0.0.0.0' */
  grpcHost: string;
  /** Host other replicas reach this one at (registered in discovery). @default os.hostname() */
  advertiseHost?: string;
  /** Instance id in discovery and in hub routes. @default `device-<hostname>-<pid>-<random>` */
  instanceId?: string;
  /** Told to hubs in `welcome`; a hub silent for three intervals is offline. @default 30000 */
  heartbeatIntervalMs: number;
  /** How often presence, routes and silent hubs are checked. @default 5000 */
  sweepIntervalMs: number;
  /** Largest hub frame accepted; bigger ones are dropped and counted. @default 65536 */
  maxFrameBytes: number;
  /** Frames waiting to be sent on one hub stream before it is closed with RESOURCE_EXHAUSTED. @default 256 */
  maxQueuedFrames: number;
  /** Frames read from all hubs in one event-loop turn past which the hubs still sending are held for a few turns. @default 1000 */
  readFramesPerTurn: number;
  /** Default command deadline when the caller gives none. @default 10000 */
  commandTimeoutMs: number;
  /** Longest command deadline accepted. @default 60000 */
  maxCommandTimeoutMs: number;
  /** Longest queue TTL accepted for commands to offline hubs. @default 86400000 (1 day) */
  maxQueueTtlMs: number;
  /** How long command records (statuses) are kept. @default 86400000 (1 day) */
  commandRetentionMs: number;
  /** Pepper mixed into hub secret hashes; set it in production (`LATTICE_DEVICE__DEVICE__HUB_SECRET_PEPPER`). @default a development pepper (memory backend only) */
  hubSecretPepper: string;
  /** scrypt cost (N) of hub secret hashes; secrets are 256-bit random, so a low cost is enough. @default 1024 */
  secretHashCost: number;
  /**
   * How long a hub's verified secret is remembered (keyed by an HMAC, never the secret), so a
   * reconnect skips the scrypt check; 0 turns the cache off. @default 600000 (10 minutes)
   */
  authCacheTtlMs: number;
  /** Most hubs whose verified secret is remembered (least recently used dropped first). @default 100000 */
  authCacheMaxEntries: number;
  /** Prefix of every Redis key of the device app. @default 'lattice:device:' */
  redisKeyPrefix: string;
}

/** The development pepper; the app warns when it is used on the redis backend. */
export const DEVELOPMENT_PEPPER = 'lattice-development-pepper';

/**
 * Defaults of {@link DeviceSettings} (one constant).
 *
 * @example
 * ```ts
 * const heartbeat = DEVICE_SETTINGS_DEFAULTS.heartbeatIntervalMs; // 30000
 * ```
 */
export const DEVICE_SETTINGS_DEFAULTS: DeviceSettings = {
  hubLinkPort: 50051,
  internalGrpcPort: 50052,
  grpcHost: '0.0.0.0',
  heartbeatIntervalMs: 30_000,
  sweepIntervalMs: 5_000,
  maxFrameBytes: 65_536,
  maxQueuedFrames: 256,
  readFramesPerTurn: 1000,
  commandTimeoutMs: 10_000,
  maxCommandTimeoutMs: 60_000,
  maxQueueTtlMs: 86_400_000,
  commandRetentionMs: 86_400_000,
  hubSecretPepper: DEVELOPMENT_PEPPER,
  secretHashCost: 1024,
  authCacheTtlMs: 600_000,
  authCacheMaxEntries: 100_000,
  redisKeyPrefix: 'lattice:device:',
};

const port = z.number().int().min(0).max(65535);
const positive = z.number().int().positive();
const schema = z.object({
  hubLinkPort: port,
  internalGrpcPort: port,
  grpcHost: z.string().min(1),
  advertiseHost: z.string().min(1).optional(),
  instanceId: z.string().min(1).optional(),
  heartbeatIntervalMs: positive,
  sweepIntervalMs: positive,
  maxFrameBytes: z.number().int().min(256),
  maxQueuedFrames: positive,
  readFramesPerTurn: positive,
  commandTimeoutMs: positive,
  maxCommandTimeoutMs: positive,
  maxQueueTtlMs: positive,
  commandRetentionMs: positive,
  hubSecretPepper: z.string().min(16),
  secretHashCost: z
    .number()
    .int()
    .min(2)
    .refine((n) => (n & (n - 1)) === 0, 'must be a power of two'),
  authCacheTtlMs: z.number().int().min(0),
  authCacheMaxEntries: z.number().int().min(0),
  redisKeyPrefix: z.string().min(1),
});

/**
 * Merges `device.*` over the defaults and validates; throws `CORE_INVALID_OPTIONS` listing
 * every problem.
 *
 * @example
 * ```ts
 * const settings = resolveDeviceSettings(config.get('device', {}));
 * ```
 */
export function resolveDeviceSettings(raw: unknown): DeviceSettings {
  const merged = { ...DEVICE_SETTINGS_DEFAULTS, ...(typeof raw === 'object' && raw !== null ? raw : {}) };
  const parsed = schema.safeParse(merged);
  const problems = parsed.success ? [] : toValidationProblems(parsed.error.issues);
  if (parsed.success && parsed.data.commandTimeoutMs > parsed.data.maxCommandTimeoutMs) {
    problems.push({ path: 'commandTimeoutMs', message: 'must not exceed maxCommandTimeoutMs' });
  }
  if (!parsed.success || problems.length > 0) throw new InvalidOptionsError('device', problems);
  return parsed.data;
}
