import type { Clock } from '@lattice/core';
import type { Logger, MetricsRegistry } from '@lattice/telemetry';
import type { Redis } from 'ioredis';
import type { ZodType } from 'zod';
import type { Properties } from './model/release.interfaces.js';
import type { ConfigStore } from './store/config-store.interfaces.js';

/**
 * A namespace a service reads. Public namespaces shared by several apps (`gateway.routes`,
 * `resilience.rules`) are published under one owning app id and read by every app that
 * names that `appId` here.
 *
 * @example
 * ```ts
 * namespaces: ['application', { name: 'gateway.routes', appId: 'shared', schema: routesSchema }]
 * ```
 */
export interface NamespaceDefinition {
  /** The namespace's name, e.g. `application` or `gateway.routes`. */
  name: string;
  /** The app id the namespace is published under. @default the service's `appId` */
  appId?: string;
  /**
   * Validates (and may transform) the namespace's merged properties. A release that fails it
   * is refused by this service, which keeps its last good values, logs why and counts it in
   * `lattice_config_refused_total`.
   * @default none (any properties)
   */
  schema?: ZodType;
}

/**
 * A YAML file for the file layer: either a mapping of namespace → properties, or one namespace's properties.
 *
 * @example
 * ```ts
 * files: ['config/shared.yaml', { path: 'config/device.yaml', namespace: 'application' }]
 * ```
 */
export type ConfigFile = string | { readonly path: string; readonly namespace: string };

/**
 * Where the config center's values of a namespace come from right now.
 *
 * @example
 * ```ts
 * if (config.health().source !== 'remote') log.warn('serving cached configuration');
 * ```
 */
export type ConfigSource = 'remote' | 'cache' | 'defaults';

/**
 * Options of {@link ConfigModule} and {@link ConfigService}.
 *
 * @example
 * ```ts
 * const options: ConfigModuleOptions = { appId: 'device', cluster: 'prod-sh', redis: { url: 'redis://redis:6379' } };
 * ```
 */
export interface ConfigModuleOptions {
  /** The service's app id (letters, digits, `.`, `_`, `-`). */
  appId: string;
  /** The cluster, e.g. `prod-sh`. @default 'default' */
  cluster?: string;
  /** The namespaces this service reads, in lookup order for {@link ConfigService.get}. @default ['application'] */
  namespaces?: ReadonlyArray<string | NamespaceDefinition>;
  /** The store to read releases from; the caller closes it. Wins over `redis`. */
  store?: ConfigStore;
  /**
   * Use Redis (when no `store` is given): with `url` the service opens and closes its own
   * connections; with `client` it uses that one (and a duplicate for notifications).
   * @default none: an embedded memory store
   */
  redis?: { url?: string; client?: Redis; keyPrefix?: string };
  /** This instance's id, for gray releases by instance. @default `<hostname>-<pid>-<random>` */
  instanceId?: string;
  /** This instance's labels, for gray releases by label. @default {} */
  labels?: Readonly<Record<string, string>>;
  /** Lowest layer: properties per namespace. @default {} */
  defaults?: Readonly<Record<string, Properties>>;
  /** YAML/JSON files above the defaults, later ones win. @default [] */
  files?: readonly ConfigFile[];
  /**
   * A mounted directory (Kubernetes ConfigMap volume) with `<namespace>.yaml|.yml|.json`
   * files, above the config center; watched and reloaded. @default none
   */
  mountedDir?: string;
  /** How often the mounted directory is re-read besides watching it. @default 5000 */
  mountedDirPollMs?: number;
  /** The environment, the highest layer (see README for the variable names). @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory of the local file cache of the last good release per namespace; `null` disables it. @default `<os tmpdir>/lattice/config-cache` */
  cacheDir?: string | null;
  /** Period of the version check that heals missed notifications. @default 30000 */
  versionCheckIntervalMs?: number;
  /** Deadline of each call to the store; past it the service serves its cache. @default 3000 */
  requestTimeoutMs?: number;
  /** @default systemClock */
  clock?: Clock;
  /** @default the application's logger (TelemetryModule), else a new pino logger */
  logger?: Logger;
  /** @default the application's MetricsRegistry (TelemetryModule), else a private one */
  metrics?: MetricsRegistry;
}

/**
 * What {@link ConfigService.health} reports for one namespace.
 *
 * @example
 * ```ts
 * const { version, gray } = config.health().namespaces['application']!;
 * ```
 */
export interface NamespaceHealth {
  readonly source: ConfigSource;
  /** Version of the applied release (0 when none). */
  readonly version: number;
  /** True when the applied release is a gray release targeting this instance. */
  readonly gray: boolean;
  /** The newest release version this service refused (0 when none). */
  readonly refusedVersion: number;
}

/**
 * What {@link ConfigService.health} reports.
 *
 * @example
 * ```ts
 * @ReadinessCheck('config') check() { return this.config.health(); } // in the app, with @lattice/boot
 * ```
 */
export interface ConfigHealth {
  /** The worst source of any namespace: `defaults` < `cache` < `remote`. */
  readonly source: ConfigSource;
  readonly instanceId: string;
  readonly namespaces: Readonly<Record<string, NamespaceHealth>>;
}
