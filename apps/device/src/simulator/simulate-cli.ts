import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { GrpcClient } from '@lattice/rpc';
import type { DeviceServiceClient } from '../generated/lattice/device/v1/DeviceService.js';
import { deviceServiceContract } from '../grpc/device.contracts.js';
import { HubSimulator, type SimulatedHubCredentials } from './hub-simulator.js';

const USAGE = `usage: npm run simulate -- --hubs N --devices-per-hub M --telemetry-rate R [--target host:port[,host:port]]
  --hubs N               hubs to simulate (default 10)
  --devices-per-hub M    sub-devices per hub (default 4)
  --telemetry-rate R     telemetry frames per second per hub (default 1)
  --target HOSTS         hub link address(es) (default 127.0.0.1:50051)
  --provision HOST:PORT  DeviceService used to provision missing hubs (default 127.0.0.1:50052)
  --home ID              home of provisioned hubs (default home-sim)
  --credentials FILE     hub credentials, read and extended (default .lattice/simulator-hubs.json)
  --duration-s S         stop after S seconds (default: run until Ctrl-C)`;

/**
 * The hub simulator's command line: reads or provisions hub credentials, connects the hubs,
 * prints counters every 5 s, stops on SIGINT/SIGTERM or after `--duration-s`.
 *
 * @example
 * ```ts
 * await runSimulatorCli(['--hubs', '100', '--devices-per-hub', '4', '--telemetry-rate', '2']);
 * ```
 */
export async function runSimulatorCli(
  argv: readonly string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        hubs: { type: 'string', default: '10' },
        'devices-per-hub': { type: 'string', default: '4' },
        'telemetry-rate': { type: 'string', default: '1' },
        target: { type: 'string', default: '127.0.0.1:50051' },
        provision: { type: 'string', default: '127.0.0.1:50052' },
        home: { type: 'string', default: 'home-sim' },
        credentials: { type: 'string', default: '.lattice/simulator-hubs.json' },
        'duration-s': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    out(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const hubCount = Number(values.hubs);
  const perHub = Number(values['devices-per-hub']);
  const rate = Number(values['telemetry-rate']);
  if (![hubCount, perHub, rate].every((n) => Number.isFinite(n) && n >= 0)) {
    out(`--hubs, --devices-per-hub and --telemetry-rate must be non-negative numbers\n${USAGE}`);
    return 2;
  }
  const hubs = await credentialsFor(hubCount, values.credentials, values.provision, values.home, out);
  const sim = new HubSimulator({ target: values.target, hubs, devicesPerHub: perHub, telemetryRatePerHub: rate });
  sim.start(Math.min(10_000, hubCount * 2));
  out(`simulating ${hubCount} hubs × ${perHub} devices at ${rate} frames/s per hub against ${values.target}`);
  const report = setInterval(() => out(JSON.stringify(sim.stats)), 5000);
  await new Promise<void>((resolve) => {
    const durationS = values['duration-s'] === undefined ? undefined : Number(values['duration-s']);
    const timer = durationS === undefined ? undefined : setTimeout(resolve, durationS * 1000);
    const stop = (): void => {
      if (timer) clearTimeout(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(report);
  await sim.stop();
  out(JSON.stringify(sim.stats));
  return 0;
}

async function credentialsFor(
  count: number,
  file: string,
  provisionTarget: string,
  homeId: string,
  out: (line: string) => void,
): Promise<SimulatedHubCredentials[]> {
  const known: SimulatedHubCredentials[] = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as SimulatedHubCredentials[])
    : [];
  if (known.length >= count) return known.slice(0, count);
  const client = new GrpcClient({
    service: 'device',
    contract: deviceServiceContract(),
    address: provisionTarget,
    caller: 'hub-simulator',
  });
  try {
    const api = client.stub<DeviceServiceClient>();
    out(`provisioning ${count - known.length} hubs through ${provisionTarget} (home ${homeId})`);
    while (known.length < count) {
      const batch = Array.from({ length: Math.min(100, count - known.length) }, () => api.ProvisionHub({ homeId }));
      for (const res of await Promise.all(batch)) known.push({ hubId: res.hubId, secret: res.secret, homeId });
    }
  } finally {
    await client.close();
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(known, null, 2), { mode: 0o600 });
  return known;
}
