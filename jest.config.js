// Jest runs our TypeScript as native ESM (Nest 12 ships ESM only and loads its platform
// adapter with a dynamic import(), which CommonJS-transformed code cannot follow inside
// jest's module registry). @swc/jest strips types and keeps legacy decorators with
// metadata, which Nest's dependency injection reads; type checking is `npm run build`'s job.
import { readFileSync } from 'node:fs';

const swc = JSON.parse(readFileSync(new URL('./.swcrc', import.meta.url), 'utf8'));

/** Workspace package names resolve to their sources, so tests never need a build. */
const moduleNameMapper = {
  '^@lattice/(core|telemetry|boot|config|discovery|resilience|rpc|events)$': '<rootDir>/../../libs/$1/src/index.ts',
  '^@lattice-platform/(gateway|device|push|scheduler)/testing$': '<rootDir>/../../apps/$1/src/testing.ts',
  '^@lattice-platform/(gateway|device|push|scheduler)$': '<rootDir>/../../apps/$1/src/index.ts',
  '^#test/(.*)\\.js$': '<rootDir>/../../test/support/$1.ts',
  '^(\\.{1,2}/.*)\\.js$': '$1',
};

function project(dir, name) {
  const depth = dir.split('/').length;
  const up = '../'.repeat(depth).slice(0, -1);
  return {
    displayName: name,
    rootDir: `<rootDir>/${dir}`.replace('<rootDir>/', ''),
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts', '<rootDir>/**/*.e2e-spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: Object.fromEntries(
      Object.entries(moduleNameMapper).map(([k, v]) => [k, v.replace('<rootDir>/../..', `<rootDir>/${up}`)]),
    ),
    transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  };
}

export default {
  globalSetup: '<rootDir>/scripts/jest/global-setup.mjs',
  globalTeardown: '<rootDir>/scripts/jest/global-teardown.mjs',
  testTimeout: 30_000,
  projects: [
    project('libs/core', 'core'),
    project('libs/telemetry', 'telemetry'),
    project('libs/boot', 'boot'),
    project('libs/config', 'config'),
    project('libs/discovery', 'discovery'),
    project('libs/resilience', 'resilience'),
    project('libs/rpc', 'rpc'),
    project('libs/events', 'events'),
    project('apps/gateway', 'gateway'),
    project('apps/device', 'device'),
    project('apps/push', 'push'),
    project('apps/scheduler', 'scheduler'),
    project('test', 'e2e'),
    project('deploy', 'deploy'),
  ],
};
