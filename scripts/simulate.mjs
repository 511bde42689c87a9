// The hub simulator (`npm run simulate -- --hubs N --devices-per-hub M --telemetry-rate R [--target host:port]`).
// Its code lives in apps/device/src/simulator; this only launches the built CLI.
import { runSimulatorCli } from '@lattice-platform/device';

process.exitCode = await runSimulatorCli(process.argv.slice(2));
