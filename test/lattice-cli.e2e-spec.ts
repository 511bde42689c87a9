import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnTs, type TsProcess } from '#test/processes.js';
import { redisUrl } from '#test/redis.js';

const cli = fileURLToPath(new URL('../libs/boot/src/cli/lattice-cli.ts', import.meta.url));
const running: TsProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});

async function lattice(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | string; out: string; err: string }> {
  const run = spawnTs(cli, env, args);
  running.push(run);
  const code = await run.exited;
  return { code, out: run.stdout(), err: run.stderr() };
}

describe('the lattice CLI dispatches to each lib', () => {
  it('lists its areas, and refuses an unknown one with exit 2', async () => {
    const help = await lattice(['help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/config\s+releases/);
    expect(help.out).toMatch(/registry\s+the service registry/);
    const unknown = await lattice(['nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown area "nope"');
  });

  it('runs `lattice config publish/get` and `lattice registry ls` against Redis', async () => {
    const env = { LATTICE_REDIS_URL: redisUrl() };
    const app = `cli-${Date.now()}`;
    const dir = mkdtempSync(join(tmpdir(), 'lattice-cli-'));
    try {
      const file = join(dir, 'release.yaml');
      writeFileSync(file, 'limits:\n  rps: 250\n');
      const published = await lattice(['config', 'publish', '--app', app, '--file', file, '--author', 'ops'], env);
      expect(published.code).toBe(0);
      const got = await lattice(['config', 'get', '--app', app, '--json'], env);
      expect(got.code).toBe(0);
      expect(got.out).toContain('250');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const ls = await lattice(['registry', 'ls'], env);
    expect(ls.code).toBe(0);
  });
});
