import { spawnSync } from 'node:child_process';
import { startRedis } from './redis-server.mjs';

// One private redis-server for the whole run; its URL reaches the test workers through the
// environment (they are forked after this runs). Redis tests are never skipped: a missing
// redis-server stops the run with the command that fixes it.
export default async function globalSetup() {
  if (spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      'redis-server is not installed; run `npm test` (it installs it as root) or `apt-get install -y redis-server`.',
    );
  }
  const redis = await startRedis();
  process.env.LATTICE_TEST_REDIS_URL = redis.url;
  globalThis.__latticeTestRedis = redis;
}
