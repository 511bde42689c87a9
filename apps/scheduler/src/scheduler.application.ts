import { LatticeApplication, type LatticeApplicationOptions } from '@lattice/boot';
import { SchedulerModule } from './scheduler.module.js';

/**
 * The scheduler's configuration defaults (ports from ARCHITECTURE.md).
 *
 * @example
 * ```ts
 * const port = SCHEDULER_DEFAULTS.server.port; // 3004
 * ```
 */
export const SCHEDULER_DEFAULTS = {
  server: { port: 3004 },
};

/**
 * Options of {@link createSchedulerApplication}: boot's options without `name`.
 *
 * @example
 * ```ts
 * const options: SchedulerApplicationOptions = { env: { LATTICE_BACKEND: 'memory' }, eventBus };
 * ```
 */
export type SchedulerApplicationOptions = Omit<LatticeApplicationOptions, 'name'>;

/**
 * Builds the scheduler app on boot; `start()` it, or hand it to `runApplications`.
 *
 * @example
 * ```ts
 * const app = await createSchedulerApplication({ env: process.env });
 * await app.start();
 * ```
 */
export function createSchedulerApplication(options: SchedulerApplicationOptions = {}): Promise<LatticeApplication> {
  return LatticeApplication.create(SchedulerModule.forRoot({}), {
    ...options,
    name: 'scheduler',
    defaults: { ...SCHEDULER_DEFAULTS, ...options.defaults },
  });
}
