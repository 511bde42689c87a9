import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SchedulerSettings } from './scheduler.settings.js';

/**
 * Options of `SchedulerModule.forRoot()` / `forRootAsync()`.
 *
 * @example
 * ```ts
 * const options: SchedulerModuleOptions = { settings: { leaseMs: 5000, pollIntervalMs: 50 } };
 * ```
 */
export interface SchedulerModuleOptions {
  /**
   * `scheduler.*` settings given in code, beneath the app's configuration (files, config
   * center and environment override them); validated with it at start-up. @default {}
   */
  settings?: Partial<SchedulerSettings>;
}

export const { ConfigurableModuleClass: ConfigurableSchedulerModule, MODULE_OPTIONS_TOKEN: SCHEDULER_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<SchedulerModuleOptions>({ moduleName: 'Scheduler' })
    .setClassMethodName('forRoot')
    .build();
