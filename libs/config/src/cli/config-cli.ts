#!/usr/bin/env node
// The `lattice-config` executable (package.json `bin`).
import { runConfigCli } from './run-config-cli.js';

process.exitCode = await runConfigCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
});
