import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { InvalidOptionsError } from '@lattice/core';
import { loadConfig } from './config-loader.js';
import { ConfigFileError } from '../boot.errors.js';

const dir = mkdtempSync(join(tmpdir(), 'lattice-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig precedence: defaults < app defaults < YAML files < environment', () => {
  it('merges every layer key by key', () => {
    const shared = file('application.yaml', 'server:\n  host: 127.0.0.1\nfeature:\n  a: file\n  b: file\n');
    const own = file('device.yaml', 'feature:\n  b: device-file\n');
    const { boot, tree } = loadConfig({
      app: 'device',
      defaults: { server: { port: 3002 }, feature: { a: 'default', c: 'default' } },
      files: [shared, own],
      env: {},
    });
    expect(boot.server).toEqual({ host: '127.0.0.1', port: 3002, maxBodyBytes: 102_400 });
    expect(tree['feature']).toEqual({ a: 'file', b: 'device-file', c: 'default' });
    expect(boot.shutdown.gracePeriodMs).toBe(20_000);
  });

  it('binds the named variables, LATTICE__ for every app and LATTICE_<APP>__ for one app (which wins)', () => {
    const { boot, tree } = loadConfig({
      app: 'device',
      defaults: { server: { port: 3002 } },
      files: [],
      env: {
        LATTICE_BACKEND: 'redis',
        LATTICE_REDIS_URL: 'redis://10.0.0.5:6380',
        LATTICE_ZONE: 'eu-1a',
        LATTICE__SHUTDOWN__GRACE_PERIOD_MS: '5000',
        LATTICE__SERVER__PORT: '9999',
        LATTICE_DEVICE__SERVER__PORT: '0',
        LATTICE_GATEWAY__SERVER__PORT: '1',
        LATTICE_DEVICE__FEATURE__FLAGS: '{"beta":true}',
        LATTICE_DEVICE__FEATURE__ZONE_CODE: '007',
      },
    });
    expect(boot.lattice).toEqual({ backend: 'redis', redis: { url: 'redis://10.0.0.5:6380' }, zone: 'eu-1a' });
    expect(boot.shutdown.gracePeriodMs).toBe(5_000);
    expect(boot.server.port).toBe(0);
    expect(tree['feature']).toEqual({ flags: { beta: true }, zoneCode: '007' });
  });

  it('fails fast listing every invalid key at once', () => {
    let error: unknown;
    try {
      loadConfig({
        app: 'push',
        files: [],
        env: { LATTICE_BACKEND: 'mongo', LATTICE_PUSH__SERVER__PORT: '70000', LATTICE_REDIS_URL: 'http://x' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    const message = (error as Error).message;
    expect(message).toContain('lattice.backend');
    expect(message).toContain('server.port');
    expect(message).toContain('lattice.redis.url');
  });

  it('names the file when a YAML file is broken', () => {
    const broken = file('broken.yaml', 'server: [unclosed\n');
    expect(() => loadConfig({ app: 'x', files: [broken], env: {} })).toThrow(ConfigFileError);
    expect(() => loadConfig({ app: 'x', files: [broken], env: {} })).toThrow(/broken\.yaml/);
  });

  it('reads LATTICE_CONFIG_FILE when no files are given', () => {
    const chosen = file('chosen.yaml', 'log:\n  level: warn\n');
    const { boot, files } = loadConfig({ app: 'x', env: { LATTICE_CONFIG_FILE: chosen } });
    expect(files).toEqual([chosen]);
    expect(boot.log.level).toBe('warn');
  });
});
