import type { BootConfig } from './boot-config.schema.js';
import type { ConfigTree } from '@lattice/core';

/**
 * The application's merged configuration (defaults < YAML files < environment).
 * Inject it anywhere; `boot` holds boot's own validated keys.
 *
 * @example
 * ```ts
 * constructor(private readonly config: ApplicationConfig) {}
 * const interval = this.config.get<number>('device.heartbeatIntervalMs', 30_000);
 * ```
 */
export class ApplicationConfig {
  constructor(
    /** The app's name. */
    readonly app: string,
    readonly boot: BootConfig,
    private readonly tree: ConfigTree,
    /** The YAML files that were read, in precedence order. */
    readonly files: readonly string[],
  ) {}

  /** The value at a dotted path, or `fallback` when absent. */
  get<T>(path: string, fallback?: T): T {
    let node: unknown = this.tree;
    for (const key of path.split('.')) {
      if (typeof node !== 'object' || node === null || !(key in node)) return fallback as T;
      node = (node as Record<string, unknown>)[key];
    }
    return (node === undefined ? fallback : node) as T;
  }

  /** The backend every stateful part uses (`LATTICE_BACKEND`). */
  get backend(): BootConfig['lattice']['backend'] {
    return this.boot.lattice.backend;
  }
}
