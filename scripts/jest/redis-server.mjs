// A private redis-server on a free 127.0.0.1 port, without persistence. Plain JS so that
// jest's globalSetup (which is not transformed) and the TypeScript tests share it.
import { spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRedis(port) {
  for (let attempt = 0; ; attempt++) {
    const chosen = port ?? (await freePort());
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(chosen),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const failed = new Promise((_, reject) =>
      child.once('error', (e) =>
        reject(new Error(`redis-server could not start (${e.message}); install it: apt-get install -y redis-server`)),
      ),
    );
    const outcome = await Promise.race([waitForPing(chosen).then(() => 'up'), exited.then(() => 'exited'), failed]);
    if (outcome === 'up') {
      return {
        url: `redis://127.0.0.1:${chosen}`,
        port: chosen,
        pid: child.pid,
        process: child,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
          await exited;
          clearTimeout(timer);
        },
      };
    }
    if (port !== undefined || attempt >= 3) throw new Error(`redis-server exited while starting on port ${chosen}`);
  }
}

async function waitForPing(port) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await ping(port)) return;
    await sleep(25);
  }
  throw new Error(`redis-server did not answer PING on ${port} within 10 s`);
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
