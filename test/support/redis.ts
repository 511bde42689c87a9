/**
 * Redis for tests. Most tests use the suite's shared server (`redisUrl()`); a test that
 * stops or restarts Redis starts its own with `startRedis()`.
 */
export { freePort, startRedis } from '../../scripts/jest/redis-server.mjs';
export type { TestRedis } from '../../scripts/jest/redis-server.mjs';

/** The URL of the suite's shared redis-server, started by jest's globalSetup. */
export function redisUrl(): string {
  const url = process.env['LATTICE_TEST_REDIS_URL'];
  if (!url)
    throw new Error(
      'LATTICE_TEST_REDIS_URL is not set: run the tests with `npm test` (its globalSetup starts redis-server).',
    );
  return url;
}
