#!/usr/bin/env node
// `lattice <area> ...`: one entry for the operators' commands of every lib.
import { runConfigCli } from '@lattice/config';
import { runRegistryCli } from '@lattice/discovery';

const io = { out: (s: string) => void process.stdout.write(s), err: (s: string) => void process.stderr.write(s) };
const [area, ...rest] = process.argv.slice(2);

const USAGE = `usage: lattice <area> <command> [options]

areas:
  config     releases of the config center: publish, get, history, diff, rollback, gray, promote, abandon
  registry   the service registry: ls [service], status <service> <instance> OUT_OF_SERVICE|UP

Run "lattice <area> help" for an area's commands and options.
`;

switch (area) {
  case 'config':
    process.exitCode = await runConfigCli(rest, io);
    break;
  case 'registry':
    process.exitCode = await runRegistryCli(rest, io);
    break;
  case undefined:
  case 'help':
  case '--help':
  case '-h':
    io.out(USAGE);
    process.exitCode = area === undefined ? 2 : 0;
    break;
  default:
    io.err(`lattice: unknown area "${area}"\n\n${USAGE}`);
    process.exitCode = 2;
}
