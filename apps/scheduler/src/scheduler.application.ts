import { LatticeApplication, type LatticeApplicationOptions } from '@lattice/boot';
import { SchedulerModule } from './scheduler.module.js';

/** The scheduler's configuration defaults (ports from ARCHITECTURE.md). */
export const SCHEDULER_DEFAULTS = {
  server: { port: 3004 },
};

/** Builds the scheduler app on boot; `start()` it, or hand it to `runApplications`. */
export function createSchedulerApplication(
  options: Omit<LatticeApplicationOptions, 'name'> = {},
): Promise<LatticeApplication> {
  return LatticeApplication.create(SchedulerModule, {
    ...options,
    name: 'scheduler',
    defaults: { ...SCHEDULER_DEFAULTS, ...options.defaults },
  });
}
