import { LatticeApplication, type LatticeApplicationOptions } from '@lattice/boot';
import { PushModule } from './push.module.js';

/**
 * The push's configuration defaults (ports from ARCHITECTURE.md).
 *
 * @example
 * ```ts
 * const port = PUSH_DEFAULTS.server.port; // 3003
 * ```
 */
export const PUSH_DEFAULTS = {
  // A full batch (push.maxBatch messages) must fit.
  server: { port: 3003, maxBodyBytes: 4_194_304 },
};

/**
 * Builds the push app on boot; `start()` it, or hand it to `runApplications`.
 *
 * @example
 * ```ts
 * const push = await createPushApplication({ defaults: { push: { fallback: { delayMs: 5_000 } } } });
 * await runApplications([push]);
 * ```
 */
export function createPushApplication(
  options: Omit<LatticeApplicationOptions, 'name'> = {},
): Promise<LatticeApplication> {
  return LatticeApplication.create(PushModule, {
    ...options,
    name: 'push',
    defaults: { ...PUSH_DEFAULTS, ...options.defaults },
  });
}
