import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InvalidOptionsError, systemClock, toValidationProblems, type Clock } from '@lattice/core';
import { z, type ZodType } from 'zod';
import type { ConfigFile, ConfigModuleOptions } from '../config.interfaces.js';
import type { Properties } from '../model/release.interfaces.js';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_" or "-"');

const optionsSchema = z.object({
  appId: name,
  cluster: name.optional(),
  namespaces: z
    .array(z.union([name, z.object({ name, appId: name.optional(), schema: z.any().optional() })]))
    .min(1)
    .optional(),
  instanceId: z.string().min(1).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  defaults: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  files: z.array(z.union([z.string().min(1), z.object({ path: z.string().min(1), namespace: name })])).optional(),
  mountedDir: z.string().min(1).optional(),
  mountedDirPollMs: z.number().int().min(10).optional(),
  cacheDir: z.string().min(1).nullable().optional(),
  versionCheckIntervalMs: z.number().int().min(10).optional(),
  requestTimeoutMs: z.number().int().min(1).optional(),
  redis: z
    .object({
      url: z
        .string()
        .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
        .optional(),
    })
    .loose()
    .optional(),
});

export interface ResolvedNamespace {
  readonly name: string;
  readonly appId: string;
  readonly schema: ZodType | undefined;
}

export interface ResolvedOptions {
  readonly appId: string;
  readonly cluster: string;
  readonly namespaces: readonly ResolvedNamespace[];
  readonly instanceId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly defaults: Readonly<Record<string, Properties>>;
  readonly files: readonly ConfigFile[];
  readonly mountedDir: string | undefined;
  readonly mountedDirPollMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cacheDir: string | null;
  readonly versionCheckIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly clock: Clock;
}

/** The defaults of {@link ConfigModuleOptions}, in one place. */
export const CONFIG_DEFAULTS = {
  cluster: 'default',
  namespaces: ['application'],
  mountedDirPollMs: 5_000,
  cacheDir: join(tmpdir(), 'lattice', 'config-cache'),
  versionCheckIntervalMs: 30_000,
  requestTimeoutMs: 3_000,
} as const;

/** Validates the options (every problem listed) and merges the defaults. */
export function resolveOptions(options: ConfigModuleOptions): ResolvedOptions {
  const parsed = optionsSchema.safeParse(options);
  const problems = parsed.success ? [] : toValidationProblems(parsed.error.issues);
  if (options.redis && options.redis.url === undefined && options.redis.client === undefined) {
    problems.push({ path: 'redis', message: 'give `url` or `client`' });
  }
  const namespaces = (options.namespaces ?? CONFIG_DEFAULTS.namespaces).map((entry) =>
    typeof entry === 'string'
      ? { name: entry, appId: options.appId, schema: undefined }
      : { name: entry.name, appId: entry.appId ?? options.appId, schema: entry.schema },
  );
  const seen = new Set<string>();
  namespaces.forEach((ns, i) => {
    if (seen.has(ns.name)) problems.push({ path: `namespaces.${i}`, message: `"${ns.name}" is listed twice` });
    seen.add(ns.name);
    if (ns.schema !== undefined && typeof (ns.schema as { safeParse?: unknown }).safeParse !== 'function') {
      problems.push({ path: `namespaces.${i}.schema`, message: 'must be a zod schema' });
    }
  });
  if (problems.length > 0) throw new InvalidOptionsError('ConfigModule', problems);
  return {
    appId: options.appId,
    cluster: options.cluster ?? CONFIG_DEFAULTS.cluster,
    namespaces,
    instanceId: options.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    labels: options.labels ?? {},
    defaults: options.defaults ?? {},
    files: options.files ?? [],
    mountedDir: options.mountedDir,
    mountedDirPollMs: options.mountedDirPollMs ?? CONFIG_DEFAULTS.mountedDirPollMs,
    env: options.env ?? process.env,
    cacheDir: options.cacheDir === undefined ? CONFIG_DEFAULTS.cacheDir : options.cacheDir,
    versionCheckIntervalMs: options.versionCheckIntervalMs ?? CONFIG_DEFAULTS.versionCheckIntervalMs,
    requestTimeoutMs: options.requestTimeoutMs ?? CONFIG_DEFAULTS.requestTimeoutMs,
    clock: options.clock ?? systemClock,
  };
}
