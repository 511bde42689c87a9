import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { LatticeApplication } from '@lattice/boot';
import type { DeliveredEvent, EventBus, PlatformEvent, Subscription } from '@lattice/events';
import { GrpcClient, type GrpcStub } from '@lattice/rpc';
import {
  createDeviceApplication,
  DeviceRuntime,
  deviceServiceContract,
  plainHubLinkContract,
  type CloudFrame,
  type DeviceServiceClient,
  type HubFrame,
} from '@lattice-platform/device';

/** A bus that records what the device app publishes. */
export class RecordingBus implements EventBus {
  readonly events: PlatformEvent[] = [];
  publish(event: PlatformEvent): Promise<string> {
    this.events.push(event);
    return Promise.resolve(String(this.events.length));
  }
  subscribe(
    _group: string,
    _consumer: string,
    _handler: (event: DeliveredEvent) => Promise<void> | void,
  ): Subscription {
    return { close: () => Promise.resolve() };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  ofType(type: string): PlatformEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

/** A device app on free ports, with a DeviceService client. */
export interface TestDevice {
  readonly app: LatticeApplication;
  readonly hubTarget: string;
  readonly internalTarget: string;
  readonly url: string;
  readonly api: GrpcStub<DeviceServiceClient>;
  readonly bus: RecordingBus;
  stop(): Promise<void>;
}

/** Starts a device app in this process (memory backend unless `env` says otherwise). */
export async function startDevice(env: Record<string, string> = {}): Promise<TestDevice> {
  const bus = new RecordingBus();
  const app = await createDeviceApplication({
    env: {
      LATTICE_BACKEND: 'memory',
      LATTICE_DEVICE__SERVER__PORT: '0',
      LATTICE_DEVICE__SERVER__HOST: '127.0.0.1',
      LATTICE_DEVICE__LOG__LEVEL: 'silent',
      LATTICE_DEVICE__SHUTDOWN__DEREGISTRATION_DELAY_MS: '0',
      LATTICE_DEVICE__SHUTDOWN__GRACE_PERIOD_MS: '1000',
      LATTICE_DEVICE__DEVICE__GRPC_HOST: '127.0.0.1',
      LATTICE_DEVICE__DEVICE__ADVERTISE_HOST: '127.0.0.1',
      LATTICE_DEVICE__DEVICE__HUB_LINK_PORT: '0',
      LATTICE_DEVICE__DEVICE__INTERNAL_GRPC_PORT: '0',
      ...env,
    },
    eventBus: bus,
  });
  await app.start();
  const runtime = app.nest.get(DeviceRuntime);
  const hubPort = runtime.hubServer.port;
  const grpcPort = runtime.internalServer.port;
  const client = new GrpcClient({
    service: 'device',
    contract: deviceServiceContract(),
    address: `127.0.0.1:${grpcPort}`,
    breaker: false,
    fastPath: false,
  });
  return {
    app,
    hubTarget: `127.0.0.1:${hubPort}`,
    internalTarget: `127.0.0.1:${grpcPort}`,
    url: app.url,
    api: client.stub<DeviceServiceClient>(),
    bus,
    async stop() {
      await client.close();
      await app.shutdown();
    },
  };
}

/** A DeviceService client for a fixed address. */
export function deviceClient(target: string): { api: GrpcStub<DeviceServiceClient>; close(): Promise<void> } {
  const client = new GrpcClient({
    service: 'device',
    contract: deviceServiceContract(),
    address: target,
    breaker: false,
    fastPath: false,
  });
  return { api: client.stub<DeviceServiceClient>(), close: () => client.close() };
}

const connectDef = plainHubLinkContract().definition['Connect'] as grpc.MethodDefinition<HubFrame, CloudFrame>;

/** Encodes a hub frame as the wire carries it. */
export function encodeFrame(frame: HubFrame): Buffer {
  return connectDef.requestSerialize(frame);
}

const RawClient = grpc.makeGenericClientConstructor(
  { Connect: { ...connectDef, requestSerialize: (b: Buffer) => b } },
  'HubLink',
);

/** A hand-driven hub stream: write raw bytes or frames, read cloud frames, see how it ended. */
export class RawHub {
  readonly received: CloudFrame[] = [];
  readonly call: grpc.ClientDuplexStream<Buffer, CloudFrame>;
  readonly ended: Promise<grpc.StatusObject>;
  private readonly client: grpc.Client;
  private waiters: (() => void)[] = [];

  constructor(target: string, metadata: Record<string, string>, options: { paused?: boolean } = {}) {
    this.client = new RawClient(target, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_send_message_length': 16 * 1024 * 1024,
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
    });
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(metadata)) md.set(k, v);
    this.call = (
      this.client as unknown as { Connect(md: grpc.Metadata): grpc.ClientDuplexStream<Buffer, CloudFrame> }
    ).Connect(md);
    this.ended = new Promise((resolve) => this.call.on('status', resolve));
    this.call.on('error', () => undefined);
    if (options.paused) this.call.pause();
    this.call.on('data', (frame: CloudFrame) => {
      this.received.push(frame);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }

  static auth(target: string, hubId: string, secret: string, options: { paused?: boolean } = {}): RawHub {
    return new RawHub(target, { 'x-hub-id': hubId, authorization: `Bearer ${secret}` }, options);
  }

  send(frame: HubFrame): void {
    this.call.write(encodeFrame(frame));
  }

  sendRaw(bytes: Buffer): void {
    this.call.write(bytes);
  }

  /** Resolves with the first received frame (from the start) matching `predicate`. */
  async next(predicate: (f: CloudFrame) => boolean, timeoutMs = 5000): Promise<CloudFrame> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(predicate);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no matching frame within ${timeoutMs} ms`);
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push(resolve)),
        new Promise((resolve) => setTimeout(resolve, 50)),
      ]);
    }
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

/** Polls `check` until it returns a value that is not undefined/false (or times out). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error instanceof Error ? error : new Error(String(error));
    }
    if (Date.now() > until)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${last.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A TCP proxy whose server → client direction can be held, like a hub on a congested link. */
export interface StallingProxy {
  readonly target: string;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

/** Starts a {@link StallingProxy} in front of `target` (`host:port`). */
export async function startStallingProxy(target: string): Promise<StallingProxy> {
  const [host, port] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const downstreams = new Map<Socket, Socket>();
  let stalled = false;
  const server = createServer((client) => {
    const upstream = connect(Number(port), host);
    sockets.add(client).add(upstream);
    downstreams.set(upstream, client);
    client.pipe(upstream);
    if (!stalled) upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      downstreams.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${address.port}`,
    stall() {
      stalled = true;
      for (const s of downstreams.keys()) {
        s.unpipe();
        s.pause();
      }
    },
    resume() {
      stalled = false;
      for (const [s, client] of downstreams) s.pipe(client);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
