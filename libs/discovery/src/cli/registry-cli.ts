#!/usr/bin/env node
// The `lattice-registry` executable: `lattice-registry ls [service]`, `lattice-registry status ...`.
import { runRegistryCli } from './registry-commands.js';

process.exitCode = await runRegistryCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
