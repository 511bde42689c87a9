import { LatticeApplication, type LatticeApplicationOptions } from '@lattice/boot';
import { mergeConfigTrees } from '@lattice/core';
import { GatewayModule } from './gateway.module.js';
import type { GatewayModuleOptions } from './gateway.module-definition.js';
import { GATEWAY_SETTINGS_DEFAULTS } from './gateway.settings.js';
import { ROUTES_NAMESPACE } from './gateway.runtime.js';

/**
 * The gateway's configuration defaults (ports from ARCHITECTURE.md, `gateway.*`, `auth.jwt.*`).
 *
 * @example
 * ```ts
 * GATEWAY_DEFAULTS.server.port; // 8080
 * ```
 */
export const GATEWAY_DEFAULTS = {
  server: { port: 8080 },
  ...GATEWAY_SETTINGS_DEFAULTS,
};

/**
 * Builds the gateway app on boot; `start()` it, or hand it to `runApplications`.
 *
 * @example
 * ```ts
 * const registry = new MemoryRegistry(); // shared with the other apps of the process
 * await runApplications([await createGatewayApplication({ configStore, serviceRegistry: registry })]);
 * ```
 */
export function createGatewayApplication(
  options: Omit<LatticeApplicationOptions, 'name'> & GatewayModuleOptions = {},
): Promise<LatticeApplication> {
  const { serviceRegistry, clock, ...rest } = options;
  return LatticeApplication.create(
    GatewayModule.forRoot({
      ...(serviceRegistry === undefined ? {} : { serviceRegistry }),
      ...(clock === undefined ? {} : { clock }),
    }),
    {
      ...rest,
      // The same registry for boot's self-registration and the gateway's own upstream lookups.
      ...(serviceRegistry === undefined ? {} : { serviceRegistry }),
      name: 'gateway',
      defaults: mergeConfigTrees(structuredClone(GATEWAY_DEFAULTS), rest.defaults ?? {}),
      // Boot's option replaces the namespace list, so 'application' is named first again.
      configNamespaces: ['application', ...(rest.configNamespaces ?? []), { name: ROUTES_NAMESPACE }],
    },
  );
}
