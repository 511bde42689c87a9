import { runApplications } from '@lattice/boot';
import { createDeviceApplication } from '@lattice-platform/device';
import { createGatewayApplication } from '@lattice-platform/gateway';
import { createPushApplication } from '@lattice-platform/push';
import { createSchedulerApplication } from '@lattice-platform/scheduler';

// The all-in-one runs every app in this one process on the memory backends, like a
// docker-compose stack with nothing to install. Each app keeps its own container, config,
// registry and port; only the process (and OpenTelemetry's global provider) is shared.
process.env['LATTICE_BACKEND'] ??= 'memory';

const apps = await Promise.all([
  createGatewayApplication(),
  createDeviceApplication(),
  createPushApplication(),
  createSchedulerApplication(),
]);

await runApplications(apps, {
  onReady(ready) {
    const lines = ready.map(
      (app) => `  ${app.name.padEnd(10)} ${app.url}  (health: ${app.url}/health/ready, metrics: ${app.url}/metrics)`,
    );
    process.stdout.write(`\nLattice all-in-one is up (backend: memory). Ctrl-C stops it.\n${lines.join('\n')}\n\n`);
  },
});
