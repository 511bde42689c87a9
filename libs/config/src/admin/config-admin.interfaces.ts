import type { ConfigStore } from '../store/config-store.interfaces.js';

/**
 * Options of {@link ConfigAdminModule}.
 *
 * @example
 * ```ts
 * ConfigAdminModule.forRoot({ redis: { url: 'redis://redis:6379' }, requestTimeoutMs: 2_000 })
 * ```
 */
export interface ConfigAdminModuleOptions {
  /** The store to administer. @default the application's ConfigModule store, else `redis` */
  store?: ConfigStore;
  /** Redis to administer when no store is given or present (the module opens and closes its connections). */
  redis?: { url: string; keyPrefix?: string };
  /** Deadline of each store call; past it the request fails with 503 CONFIG_BACKEND_UNAVAILABLE. @default 5000 */
  requestTimeoutMs?: number;
}
