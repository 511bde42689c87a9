import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { Clock } from '@lattice/core';
import type { ServiceRegistry } from '@lattice/discovery';

/** Options of `GatewayModule.forRoot`. */
export interface GatewayModuleOptions {
  /**
   * The registry `lb://` targets are resolved in; the caller closes it. Apps of one process
   * (the all-in-one) pass one shared `MemoryRegistry`.
   * @default by `LATTICE_DISCOVERY`: redis → RedisRegistry on boot's connection; kubernetes → KubernetesRegistry; memory/static → StaticRegistry from `gateway.services`
   */
  serviceRegistry?: ServiceRegistry;
  /** Time source of routes (After/Before), timeouts, back-off and limits. @default systemClock */
  clock?: Clock;
}

export const { ConfigurableModuleClass: ConfigurableGatewayModule, MODULE_OPTIONS_TOKEN: GATEWAY_OPTIONS } =
  new ConfigurableModuleBuilder<GatewayModuleOptions>({ moduleName: 'Gateway' }).setClassMethodName('forRoot').build();
