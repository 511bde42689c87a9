import { Writable } from 'node:stream';
import type { DynamicModule, Type } from '@nestjs/common';
import { mergeConfigTrees } from '@lattice/core';
import { LatticeApplication, type LatticeApplicationOptions } from '@lattice/boot';

/** A log destination that drops every line (tests that do not read logs). */
export const quietLog = new Writable({ write: (_chunk, _encoding, callback) => callback() });

const running: LatticeApplication[] = [];

/**
 * Creates and starts an app for a test: on 127.0.0.1 and a free port, no deregistration
 * delay, quiet logs; `options` override any of it. {@link stopTestApps} shuts them all down.
 */
export async function startTestApp(
  module: Type<unknown> | DynamicModule,
  options: Partial<LatticeApplicationOptions> & { name: string },
): Promise<LatticeApplication> {
  const app = await LatticeApplication.create(module, {
    ...options,
    defaults: mergeConfigTrees({ server: { host: '127.0.0.1', port: 0 } }, options.defaults ?? {}),
    env: { LATTICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0', ...options.env },
    logDestination: options.logDestination ?? quietLog,
  });
  running.push(app);
  await app.start();
  return app;
}

/** Shuts down every app {@link startTestApp} started (call it in `afterEach`). */
export async function stopTestApps(): Promise<void> {
  await Promise.all(running.splice(0).map((app) => app.shutdown()));
}
