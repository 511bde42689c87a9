import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { HttpDrain } from './http-drain.js';

/** A server whose requests wait until the test answers them, each tracked by the drain. */
async function heldServer(drain: HttpDrain) {
  const held: ServerResponse[] = [];
  const arrived: (() => void)[] = [];
  const server = createServer((_req, res) => {
    drain.track(res);
    held.push(res);
    arrived.shift()?.();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  /** Sends a request and resolves once the server holds it; `done` settles when it is answered or cut. */
  const send = async (): Promise<{ done: Promise<number> }> => {
    const reached = new Promise<void>((resolve) => arrived.push(resolve));
    const done = new Promise<number>((resolve) => {
      const req = request({ port, host: '127.0.0.1', path: '/', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.end();
    });
    await reached;
    return { done };
  };
  return { server, held, send };
}

describe('HttpDrain', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  it('counts responses that finish in any order', async () => {
    const drain = new HttpDrain();
    const held = await heldServer(drain);
    server = held.server;
    const requests = [await held.send(), await held.send(), await held.send(), await held.send()];
    expect(drain.activeRequests).toBe(4);
    // The second, then the first, then the last: each leaves exactly one place behind.
    for (const [step, index] of [1, 0, 3].entries()) {
      held.held[index]!.end('ok');
      await requests[index]!.done;
      expect(drain.activeRequests).toBe(3 - step);
    }
    held.held[2]!.end('ok');
    await requests[2]!.done;
    expect(drain.activeRequests).toBe(0);
    // A response that closes twice (end, then destroy) is not counted out twice.
    const again = await held.send();
    held.held[4]!.end('ok');
    held.held[4]!.destroy();
    await again.done;
    expect(drain.activeRequests).toBe(0);
  });

  it('waits for requests in flight, and cuts the ones left at the deadline', async () => {
    const drain = new HttpDrain();
    const held = await heldServer(drain);
    server = held.server;
    const finishing = await held.send();
    const stuck = await held.send();
    setTimeout(() => held.held[0]!.end('ok'), 50);
    const cut = await drain.drain(held.server, Date.now() + 400);
    expect(await finishing.done).toBe(200);
    expect(cut).toBe(1);
    expect(await stuck.done).toBe(0);
  });
});
