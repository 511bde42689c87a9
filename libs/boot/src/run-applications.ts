import type { LatticeApplication } from './lattice-application.js';

/** Options of {@link runApplications}. */
export interface RunOptions {
  /** Signals that start the graceful shutdown. @default ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[];
  /** Called once every app is ready (the all-in-one prints its URLs here). */
  onReady?: (apps: readonly LatticeApplication[]) => void;
}

/**
 * The process side of boot, for `main.ts`: starts the applications, and on the first
 * SIGTERM/SIGINT shuts them all down in boot's order and exits 0 (1 if a shutdown failed);
 * a second signal exits at once with 130. A failed start exits 1 after closing what started.
 * This is the one place Lattice ends the process.
 *
 * @example
 * ```ts
 * await runApplications([await createGatewayApplication(), await createDeviceApplication()]);
 * ```
 */
export async function runApplications(apps: readonly LatticeApplication[], options: RunOptions = {}): Promise<void> {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      for (const app of apps) app.logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(130);
    }
    shuttingDown = true;
    void Promise.allSettled(apps.map((app) => app.shutdown(signal))).then((results) => {
      process.exit(results.some((r) => r.status === 'rejected') ? 1 : 0);
    });
  };
  for (const signal of signals) process.on(signal, onSignal);

  const started = await Promise.allSettled(apps.map((app) => app.start()));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure !== undefined) {
    const log = apps[0]?.logger;
    log?.fatal({ err: failure.reason as unknown }, 'start-up failed');
    shuttingDown = true;
    await Promise.allSettled(apps.map((app) => app.shutdown('startup-failure')));
    process.exit(1);
  }
  if (!shuttingDown) options.onReady?.(apps);
}
