#!/usr/bin/env node
// Makes a fresh checkout runnable, doing only what is missing:
//   --deps   npm ci when node_modules is absent or older than package-lock.json
//   --build  tsc -b (incremental: a no-op when nothing changed)
//   --redis  redis-server from Debian's apt when it is not on PATH (as root), else a clear stop
// It uses Node built-ins only, because it runs before any dependency is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const say = (line) => process.stderr.write(`[setup] ${line}\n`);

function run(cmd, argv, options = {}) {
  const result = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    say(`${cmd} ${argv.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

function onPath(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

if (args.has('--deps')) {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
    say('installing dependencies (npm ci)');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
}

if (args.has('--build')) {
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json']);
  // npm links the libs' bins (lattice, lattice-config, ...) before they are built, so it
  // cannot mark them executable; the build does.
  for (const lib of readdirSync(join(root, 'libs'))) {
    const manifest = join(root, 'libs', lib, 'package.json');
    if (!existsSync(manifest)) continue;
    const bins = JSON.parse(readFileSync(manifest, 'utf8')).bin ?? {};
    for (const target of Object.values(bins)) {
      const file = join(root, 'libs', lib, target);
      if (existsSync(file)) chmodSync(file, 0o755);
    }
  }
}

if (args.has('--redis') && !onPath('redis-server')) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    say(
      'redis-server is required by the tests and is missing: install it (Debian/Ubuntu: sudo apt-get install -y redis-server) and run npm test again.',
    );
    process.exit(1);
  }
  say('installing redis-server (apt-get)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { env });
  // The Debian package starts a system-wide redis on 6379; the tests run their own on a free port.
  try {
    execFileSync('sh', ['-c', 'service redis-server stop >/dev/null 2>&1 || true']);
  } catch {
    // not fatal: the tests never use port 6379
  }
}
