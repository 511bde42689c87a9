import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { redisUrl } from '#test/redis.js';
import { spawnTs, type TsProcess } from '#test/processes.js';
import { admin, call, identity, LiveClient, SECRET, send, type PushEndpoint } from './support/push-harness.js';

// Two child processes start per test (a few seconds each on a shared machine).
jest.setTimeout(90_000);

const fixture = fileURLToPath(new URL('./fixtures/push-process.ts', import.meta.url));
const running: TsProcess[] = [];
const prefix = `test:push:${randomUUID()}:`;

async function startChild(): Promise<{ process: TsProcess; push: PushEndpoint }> {
  const child = spawnTs(fixture, {
    LATTICE_BACKEND: 'redis',
    LATTICE_REDIS_URL: redisUrl(),
    LATTICE_DISCOVERY: 'memory',
    LATTICE_PUSH__SERVER__PORT: '0',
    LATTICE_PUSH__SERVER__HOST: '127.0.0.1',
    LATTICE_PUSH__LOG__LEVEL: 'warn',
    LATTICE_PUSH__PUSH__STORE__KEY_PREFIX: prefix,
    LATTICE_PUSH__PUSH__ALERTS__ENABLED: 'false',
    LATTICE_PUSH__GATEWAY__IDENTITY_SECRET: SECRET,
  });
  running.push(child);
  const line = await child.waitForLine(/"msg":"push ready"/);
  const url = (JSON.parse(line) as { url: string }).url;
  return { process: child, push: { url, wsUrl: `${url.replace('http', 'ws')}/push/ws` } };
}

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
});

describe('push: a push process killed with messages pending loses none', () => {
  it('replays every accepted message from a restarted process, from the client’s offset', async () => {
    const first = await startChild();
    const live = await LiveClient.connect(first.push, identity('crash-user'), { device: 'phone' });
    await live.until((f) => f.length > 0);
    // A concurrent burst while the client is connected; SIGKILL right after the last 202, so
    // some messages are typically still on their way to the device.
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => send(first.push, { target: { users: ['crash-user'] } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(202));
    const accepted = answers.map((a) => String(a.body['id']));
    await first.process.kill();
    await live.until(() => live.closeCode !== undefined);
    const received = live.messages;
    const lastOffset = (received.at(-1)?.['offset'] as number | undefined) ?? 0;
    const epoch = received[0]?.['epoch'] as string | undefined;
    const second = await startChild();
    const resumed = await LiveClient.connect(second.push, identity('crash-user'), {
      device: 'phone',
      offset: lastOffset,
      ...(epoch === undefined ? {} : { epoch }),
    });
    await resumed.until((f) => f.length > 0);
    expect(resumed.frames[0]).toMatchObject({ type: 'welcome', offset: 30 });
    await resumed.untilMessages(30 - lastOffset);
    expect(resumed.messages.map((m) => m['offset'])).toEqual(
      Array.from({ length: 30 - lastOffset }, (_, i) => lastOffset + i + 1),
    );
    const all = [...received, ...resumed.messages];
    expect(all.map((m) => m['offset'])).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(all.map((m) => String(m['id'])).sort()).toEqual([...accepted].sort());
    const status = await call(second.push, 'GET', `/push/messages/${accepted[29]!}`, admin());
    expect(status.status).toBe(200);
    await resumed.close();
    await live.close();
  });

  it('keeps messages accepted for an offline user across a restart', async () => {
    const first = await startChild();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++)
      ids.push(String((await send(first.push, { target: { users: ['offline-user'] } })).body['id']));
    await first.process.kill();
    const second = await startChild();
    const client = await LiveClient.connect(second.push, identity('offline-user'));
    await client.untilMessages(10);
    expect(client.messages.map((m) => m['id'])).toEqual(ids);
    await client.close();
  });
});
