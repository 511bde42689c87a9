/* eslint-disable @typescript-eslint/require-await -- streaming handlers of the test service */
import { afterEach, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  GrpcClient,
  GrpcServer,
  loadGrpcService,
  type GrpcImplementation,
  type ServerRequestStream,
} from '@lattice/rpc';

const ECHO_PROTO = fileURLToPath(new URL('../../../../proto/lattice/test/v1/echo.proto', import.meta.url));
const echo = loadGrpcService({ protoPath: ECHO_PROTO, package: 'lattice.test.v1', service: 'Echo' });

interface Req {
  message: string;
}

const implementation = {
  Say: (req: Req) => ({ message: req.message, instance: 'backlog' }),
  Write: (req: Req) => ({ message: req.message }),
  Relay: (req: Req) => ({ message: req.message }),
  Count: async function* (req: Req) {
    yield { message: req.message };
  },
  Collect: async (requests: AsyncIterable<Req>) => {
    const all: string[] = [];
    for await (const r of requests) all.push(r.message);
    return { message: all.join(',') };
  },
  Chat: async function* (requests: AsyncIterable<Req>) {
    for await (const r of requests) yield { message: r.message.toUpperCase() };
  },
} as unknown as GrpcImplementation<Record<string, never>>;

/** A client on plain gRPC calls (no fast path, no breaker) to the server on `port`. */
function plainClient(port: number): GrpcClient {
  return new GrpcClient({
    service: 'echo',
    contract: echo,
    address: `127.0.0.1:${port}`,
    fastPath: false,
    breaker: false,
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('GrpcServer with its own listener (listenBacklog)', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('serves unary and streaming calls, then stops accepting and ends open streams on drain', async () => {
    const server = new GrpcServer({ host: '127.0.0.1', port: 0, listenBacklog: 1024, fastPath: false });
    server.addService(echo, implementation);
    await server.start();
    server.onRegister();
    const client = plainClient(server.port);
    stops.push(() => client.close());
    const stub = client.stub<Record<string, never>>() as unknown as {
      Say(req: Req): Promise<Req>;
      Chat(requests: AsyncIterable<Req>): AsyncIterable<Req>;
    };
    expect((await stub.Say({ message: 'hi' })).message).toBe('hi');

    // A chat that stays open until the server is drained.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    async function* requests(): AsyncGenerator<Req> {
      yield { message: 'x' };
      await held;
    }
    const replies: string[] = [];
    const chat = (async () => {
      for await (const r of stub.Chat(requests())) replies.push(r.message);
    })();
    while (replies.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(replies).toEqual(['X']);

    await server.drain(Date.now() + 200);
    await expect(chat).rejects.toBeDefined();
    release();
    expect(await refused(server.port)).toBe(true);
  });
});

describe('GrpcServer holding a stream’s connection (pauseConnection)', () => {
  /**
   * A server whose Chat records what it reads, and a client chatting with it: 'a' at once,
   * 'b' and 'c' after `sendRest()`; `close()` ends it all.
   */
  async function chat(listenBacklog: number | undefined) {
    const read: string[] = [];
    let requests: ServerRequestStream<Req> | undefined;
    const server = new GrpcServer({ host: '127.0.0.1', port: 0, listenBacklog, fastPath: false });
    server.addService(echo, {
      ...implementation,
      Chat: (stream: ServerRequestStream<Req>) => {
        requests = stream;
        const done = stream.forEach((r) => void read.push(r.message));
        return (async function* () {
          yield { message: 'open' };
          await done.catch(() => undefined);
        })();
      },
    });
    await server.start();
    const client = plainClient(server.port);
    const stub = client.stub<Record<string, never>>() as unknown as {
      Chat(requests: AsyncIterable<Req>): AsyncIterable<Req>;
    };
    let sendRest: () => void = () => undefined;
    const rest = new Promise<void>((resolve) => (sendRest = resolve));
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    async function* messages(): AsyncGenerator<Req> {
      yield { message: 'a' };
      await rest;
      yield { message: 'b' };
      yield { message: 'c' };
      await finished;
    }
    const call = (async () => {
      for await (const _ of stub.Chat(messages())) void _;
    })();
    await until(() => read.length === 1);
    return {
      read,
      requests: requests as ServerRequestStream<Req>,
      sendRest,
      close: async () => {
        sendRest();
        finish();
        await call.catch(() => undefined);
        await client.close();
        await server.drain(Date.now() + 200);
      },
    };
  }

  const until = async (done: () => boolean): Promise<void> => {
    while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  it('reads nothing more from a held connection until it resumes, then everything in order', async () => {
    const { read, requests, sendRest, close } = await chat(1024);
    try {
      expect(requests.pauseConnection?.()).toBe(true);
      expect(requests.pauseConnection?.()).toBe(false); // already held
      sendRest();
      // Long enough for b and c to arrive many times over, were the connection read.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(read).toEqual(['a']);
      requests.resumeConnection?.();
      await until(() => read.length === 3);
      expect(read).toEqual(['a', 'b', 'c']);
    } finally {
      await close();
    }
  });

  it('cannot hold a connection grpc-js accepted itself (no listenBacklog)', async () => {
    const { requests, close } = await chat(undefined);
    try {
      expect(requests.pauseConnection?.()).toBe(false);
    } finally {
      await close();
    }
  });
});

describe('GrpcServer streaming requests read by callback (forEach)', () => {
  it('hands a client stream to forEach in order, holding messages while a callback promise is pending, and settles on cancel', async () => {
    let cancelled: Promise<unknown> = Promise.resolve();
    const callbacks = {
      ...implementation,
      Collect: async (requests: ServerRequestStream<Req>) => {
        const all: string[] = [];
        await requests.forEach((r) => {
          all.push(r.message);
          // Waits a tick: the next messages must still come after this one.
          if (r.message === 'b') return new Promise((resolve) => setImmediate(resolve));
          return undefined;
        });
        return { message: all.join(',') };
      },
      Chat: (requests: ServerRequestStream<Req>) => {
        cancelled = requests.forEach(() => undefined);
        return (async function* () {
          yield { message: 'open' };
          await cancelled.catch(() => undefined);
        })();
      },
    } as unknown as GrpcImplementation<Record<string, never>>;
    const server = new GrpcServer({ host: '127.0.0.1', port: 0, fastPath: false });
    server.addService(echo, callbacks);
    await server.start();
    const client = plainClient(server.port);
    try {
      const stub = client.stub<Record<string, never>>() as unknown as {
        Collect(requests: Iterable<Req>): Promise<Req>;
        Chat(requests: AsyncIterable<Req>, options: { signal: AbortSignal }): AsyncIterable<Req>;
      };
      const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
      const reply = await stub.Collect(letters.map((message) => ({ message })));
      expect(reply.message).toBe(letters.join(','));

      const abort = new AbortController();
      async function* silent(): AsyncGenerator<Req> {
        yield { message: 'x' };
        // Never half-closes: the call ends only by the cancel.
        await new Promise(() => undefined);
      }
      const chat = (async () => {
        for await (const r of stub.Chat(silent(), { signal: abort.signal })) {
          if (r.message === 'open') abort.abort();
        }
      })();
      await expect(chat).rejects.toBeDefined();
      // grpc-js may end a cancelled call's requests like a half-close: forEach settles either way.
      expect(
        await cancelled.then(
          () => 'settled',
          () => 'settled',
        ),
      ).toBe('settled');
    } finally {
      await client.close();
      await server.drain(Date.now() + 200);
    }
  });
});
