import type { BootConfig } from './boot-config.schema.js';
import type { ConfigTree } from '@lattice/core';

/** What {@link ApplicationConfig} reads live values from (the config center's client). */
interface LiveConfigReader {
  get<T>(key: string, fallback?: T): T;
}

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
  private live: LiveConfigReader | undefined;

  constructor(
    /** The app's name. */
    readonly app: string,
    readonly boot: BootConfig,
    private readonly tree: ConfigTree,
    /** The YAML files that were read, in precedence order. */
    readonly files: readonly string[],
  ) {}

  /**
   * The value at a dotted path, or `fallback` when absent. Once the app runs, values come
   * from the config center (live: a new release is seen without a restart); boot's own keys
   * in {@link boot} are read once at start.
   */
  get<T>(path: string, fallback?: T): T {
    if (this.live !== undefined) return this.live.get<T>(path, fallback);
    let node: unknown = this.tree;
    for (const key of path.split('.')) {
      if (typeof node !== 'object' || node === null || !(key in node)) return fallback as T;
      node = (node as Record<string, unknown>)[key];
    }
    return (node === undefined ? fallback : node) as T;
  }

  /** @internal boot connects the config center's client once the module graph exists. */
  attachLive(reader: LiveConfigReader): void {
    this.live = reader;
  }

  /** The backend every stateful part uses (`LATTICE_BACKEND`). */
  get backend(): BootConfig['lattice']['backend'] {
    return this.boot.lattice.backend;
  }
}
