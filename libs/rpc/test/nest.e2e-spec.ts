/* eslint-disable @typescript-eslint/require-await -- handlers mirror the async shape of real services */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LatticeError } from '@lattice/core';
import { DiscoveryModule, MemoryRegistry } from '@lattice/discovery';
import {
  GrpcClient,
  GrpcClientModule,
  GrpcMethod,
  GrpcServer,
  GrpcServerModule,
  GrpcService,
  InjectGrpcClient,
  PROTO_LOADER_OPTIONS,
  type ServerCallContext,
} from '@lattice/rpc';
import type { EchoClient } from './generated/lattice/test/v1/Echo.js';
import type { EchoReply } from './generated/lattice/test/v1/EchoReply.js';
import type { EchoRequest__Output } from './generated/lattice/test/v1/EchoRequest.js';
import { ECHO_PROTO } from './echo.fixture.js';

@Injectable()
class Greeting {
  prefix(): string {
    return 'nest';
  }
}

@GrpcService({ protoPath: ECHO_PROTO, package: 'lattice.test.v1', service: 'Echo' })
@Injectable()
class EchoHandlers {
  constructor(private readonly greeting: Greeting) {}

  @GrpcMethod('Say')
  answer(request: EchoRequest__Output, context: ServerCallContext): EchoReply {
    if (request.failCode) throw new LatticeError(request.failCode, 'asked to fail', { status: 404 });
    return {
      message: `${this.greeting.prefix()}:${request.message}`,
      instance: 'nest-1',
      caller: context.caller ?? '',
    };
  }

  // Bound by name (camelCase of the rpc), no decorator.
  write(request: EchoRequest__Output): EchoReply {
    return { message: `write:${request.message}`, instance: 'nest-1' };
  }

  relay(): EchoReply {
    throw new LatticeError('TEST_NO_NEXT_HOP', 'no next hop', { status: 412 });
  }

  async *count(request: EchoRequest__Output): AsyncIterable<EchoReply> {
    for (let i = 0; i < request.count; i += 1) yield { message: `${request.message}-${i}` };
  }

  async collect(requests: AsyncIterable<EchoRequest__Output>): Promise<EchoReply> {
    const parts: string[] = [];
    for await (const r of requests) parts.push(r.message);
    return { message: parts.join(',') };
  }

  async *chat(requests: AsyncIterable<EchoRequest__Output>): AsyncIterable<EchoReply> {
    for await (const r of requests) yield { message: r.message.toUpperCase() };
  }
}

@Module({
  imports: [GrpcServerModule.forRoot({ host: '127.0.0.1', port: 0 })],
  providers: [Greeting, EchoHandlers],
})
class ServerAppModule {}

@Injectable()
class EchoConsumer {
  constructor(
    @InjectGrpcClient('echo') readonly viaDiscovery: GrpcClient<EchoClient>,
    @InjectGrpcClient('echo-direct') readonly direct: GrpcClient<EchoClient>,
  ) {}
}

function healthCheck(port: number): Promise<string> {
  const protoPath = fileURLToPath(new URL('../proto/grpc/health/v1/health.proto', import.meta.url));
  const pkg = grpc.loadPackageDefinition(loadSync(protoPath, PROTO_LOADER_OPTIONS)) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise<string>((resolve, reject) => {
    const check = client['Check'] as (
      request: { service: string },
      callback: (error: grpc.ServiceError | null, value?: { status: string }) => void,
    ) => void;
    check.call(client, { service: '' }, (error, value) => {
      client.close();
      if (error || !value) reject(error ?? new Error('no answer'));
      else resolve(value.status);
    });
  });
}

describe('Nest integration', () => {
  let serverApp: INestApplicationContext;
  let clientApp: INestApplicationContext;
  let registry: MemoryRegistry;
  let port: number;

  beforeAll(async () => {
    serverApp = await NestFactory.createApplicationContext(ServerAppModule, { logger: false });
    port = serverApp.get(GrpcServer).port;
    registry = new MemoryRegistry();
    await registry.register(
      { service: 'echo', instanceId: 'nest-1', host: '127.0.0.1', ports: { grpc: port } },
      { leaseTtlMs: 60_000 },
    );

    @Module({
      imports: [
        DiscoveryModule.forRoot({ backend: 'memory', memory: { registry } }),
        GrpcClientModule.register({
          service: 'echo',
          protoPath: ECHO_PROTO,
          package: 'lattice.test.v1',
          grpcService: 'Echo',
          caller: 'nest-client',
        }),
        GrpcClientModule.registerAsync({
          name: 'echo-direct',
          useFactory: () => ({
            service: 'echo',
            protoPath: ECHO_PROTO,
            package: 'lattice.test.v1',
            grpcService: 'Echo',
            address: `127.0.0.1:${port}`,
            fastPath: false,
          }),
        }),
      ],
      providers: [EchoConsumer],
    })
    class ClientAppModule {}
    clientApp = await NestFactory.createApplicationContext(ClientAppModule, { logger: false });
  });

  afterAll(async () => {
    await clientApp?.close();
    await serverApp?.close();
    await registry?.close();
  });

  it('serves @GrpcService providers, with health following the boot hooks', async () => {
    const server = serverApp.get(GrpcServer);
    expect(await healthCheck(port)).toBe('NOT_SERVING');
    server.onRegister(); // what boot does after the servers listen
    expect(await healthCheck(port)).toBe('SERVING');
    server.onDeregister();
    expect(await healthCheck(port)).toBe('NOT_SERVING');
    server.onRegister();
  });

  it('injects typed clients by name, through discovery and through a fixed address', async () => {
    const consumer = clientApp.get(EchoConsumer);
    const reply = await consumer.viaDiscovery.stub().Say({ message: 'hi' });
    expect(reply).toMatchObject({ message: 'nest:hi', instance: 'nest-1', caller: 'nest-client' });
    expect((await consumer.viaDiscovery.toInstance('nest-1').Write({ message: 'w' })).message).toBe('write:w');
    const direct = consumer.direct.stub();
    expect((await direct.Say({ message: 'd' })).message).toBe('nest:d');
    await expect(direct.Say({ message: 'x', failCode: 'TEST_GONE' })).rejects.toMatchObject({
      code: 'RPC_REMOTE_ERROR',
      status: 404,
      data: { remoteCode: 'TEST_GONE' },
    });
    await expect(direct.Relay({ message: 'x' })).rejects.toMatchObject({ data: { remoteCode: 'TEST_NO_NEXT_HOP' } });
    const counted: string[] = [];
    for await (const r of direct.Count({ message: 'n', count: 2 })) counted.push(r.message);
    expect(counted).toEqual(['n-0', 'n-1']);
    expect((await direct.Collect([{ message: 'a' }, { message: 'b' }])).message).toBe('a,b');
    const chat: string[] = [];
    for await (const r of direct.Chat([{ message: 'q' }])) chat.push(r.message);
    expect(chat).toEqual(['Q']);
  });

  it('rejects incomplete client options at start, listing every problem', async () => {
    @Module({
      imports: [GrpcClientModule.register({ service: 'echo', protoPath: '', package: '', grpcService: 'Echo' })],
    })
    class BrokenModule {}
    const error = await NestFactory.createApplicationContext(BrokenModule, { logger: false, abortOnError: false }).then(
      (app) => app.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'CORE_INVALID_OPTIONS' });
    const paths = (error as LatticeError<{ problems: { path: string }[] }>).data.problems.map((p) => p.path);
    expect(paths).toEqual(['protoPath', 'package', 'discovery']);
  });

  it('fails at bootstrap when a @GrpcService provider lacks a handler', async () => {
    @GrpcService({ protoPath: ECHO_PROTO, package: 'lattice.test.v1', service: 'Echo' })
    @Injectable()
    class Incomplete {
      say(): EchoReply {
        return { message: 'only say' };
      }
    }
    @Module({ imports: [GrpcServerModule.forRoot({ host: '127.0.0.1', port: 0 })], providers: [Incomplete] })
    class IncompleteModule {}
    // createApplicationContext() runs the bootstrap hooks, so the contract is checked there.
    const error = await NestFactory.createApplicationContext(IncompleteModule, {
      logger: false,
      abortOnError: false,
    }).then(
      (app) => app.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'RPC_CONTRACT_MISMATCH', data: { service: 'lattice.test.v1.Echo' } });
  });
});
