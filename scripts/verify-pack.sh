#!/usr/bin/env bash
# Proves the libs are real packages: `npm pack` every libs/<name>, then a scratch Nest
# project outside the repo installs the @lattice/boot and @lattice/telemetry tarballs (with
# the @lattice packages they depend on, also as tarballs: no workspace links), compiles a
# TypeScript service against their published types, boots it, and checks health, metrics
# and a route.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/lattice-pack-XXXXXX)"
trap 'rm -rf "$work"' EXIT

node "$repo/node_modules/typescript/bin/tsc" -b "$repo/libs/boot/tsconfig.build.json"
for lib in "$repo"/libs/*/; do
  (cd "$lib" && npm pack --silent --pack-destination "$work" >/dev/null)
done
ls "$work"/*.tgz

mkdir -p "$work/scratch/src" && cd "$work/scratch"
cat > package.json <<'JSON'
{ "name": "scratch-service", "private": true, "type": "module" }
JSON
cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "es2023", "module": "nodenext", "moduleResolution": "nodenext", "strict": true,
    "experimentalDecorators": true, "emitDecoratorMetadata": true, "outDir": "dist", "rootDir": "src",
    "skipLibCheck": false, "types": ["node"]
  },
  "include": ["src"]
}
JSON
cat > src/main.ts <<'TS'
import 'reflect-metadata';
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { LatticeApplication, ReadinessCheck } from '@lattice/boot';
import { InjectLogger, MetricsRegistry, type Logger } from '@lattice/telemetry';

@Injectable()
class Greeter {
  private readonly greetings;
  constructor(metrics: MetricsRegistry, @InjectLogger() private readonly log: Logger) {
    this.greetings = metrics.counter({ name: 'greetings_total', help: 'Greetings said' });
  }
  greet(): { hello: string } {
    this.greetings.inc();
    this.log.info('greeted');
    return { hello: 'world' };
  }
  @ReadinessCheck('greeter')
  check(): void {}
}

@Controller('hello')
class HelloController {
  constructor(private readonly greeter: Greeter) {}
  @Get()
  hello(): { hello: string } {
    return this.greeter.greet();
  }
}

@Module({ controllers: [HelloController], providers: [Greeter] })
class AppModule {}

const app = await LatticeApplication.create(AppModule, {
  name: 'scratch',
  defaults: { server: { host: '127.0.0.1', port: 0 } },
  env: { LATTICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0', LOG_LEVEL: 'warn' },
});
await app.start();
const hello = await (await fetch(`${app.url}/hello`)).json();
const ready = await fetch(`${app.url}/health/ready`);
const metrics = await (await fetch(`${app.url}/metrics`)).text();
await app.shutdown();
const ok = JSON.stringify(hello) === '{"hello":"world"}' && ready.status === 200 && metrics.includes('greetings_total 1');
console.log(JSON.stringify({ hello, ready: ready.status, greetingsCounted: metrics.includes('greetings_total 1') }));
process.exit(ok ? 0 : 1);
TS
# boot brings config, discovery and events (live config, self-registration, event bus).
npm install --no-audit --no-fund --silent "$work"/lattice-core-*.tgz "$work"/lattice-telemetry-*.tgz "$work"/lattice-boot-*.tgz \
  "$work"/lattice-config-*.tgz "$work"/lattice-discovery-*.tgz "$work"/lattice-events-*.tgz \
  @nestjs/common@^12 @nestjs/core@^12 reflect-metadata rxjs
# @types/ws: @kubernetes/client-node's typings import 'ws' without declaring its types, and
# this project checks every .d.ts (skipLibCheck off) to prove ours are complete.
npm install --no-audit --no-fund --silent -D typescript@~6.0.3 @types/node@^20 @types/ws@^8
npx tsc -p .
node dist/main.js
echo "verify-pack: OK (tarballs installed outside the repo, compiled against their types, booted)"
