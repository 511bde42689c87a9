import { LatticeApplication, type LatticeApplicationOptions } from '@lattice/boot';
import { GatewayModule } from './gateway.module.js';

/** The gateway's configuration defaults (ports from ARCHITECTURE.md). */
export const GATEWAY_DEFAULTS = {
  server: { port: 8080 },
};

/** Builds the gateway app on boot; `start()` it, or hand it to `runApplications`. */
export function createGatewayApplication(
  options: Omit<LatticeApplicationOptions, 'name'> = {},
): Promise<LatticeApplication> {
  return LatticeApplication.create(GatewayModule, {
    ...options,
    name: 'gateway',
    defaults: { ...GATEWAY_DEFAULTS, ...options.defaults },
  });
}
