import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRedis } from '@lattice/boot';
import { LatticeError, systemClock } from '@lattice/core';
import { DiscoveryClient } from '@lattice/discovery';
import { EventBus, MemoryEventBus, RedisEventBus } from '@lattice/events';
import { GrpcClient, GrpcServer, type GrpcStub, type ServerRequestStream } from '@lattice/rpc';
import { InjectLogger, MetricsRegistry, type Logger } from '@lattice/telemetry';
import type { Redis } from 'ioredis';
import { DeviceApi } from './api/device-api.js';
import { deviceServiceImplementation } from './api/device-grpc.js';
import { DEVELOPMENT_PEPPER, type DeviceSettings } from './config/device-settings.js';
import { CommandTimeoutError } from './device.errors.js';
import type { DeviceServiceClient } from './generated/lattice/device/v1/DeviceService.js';
import type { HubLinkHandlers } from './generated/lattice/device/v1/HubLink.js';
import type { DeviceServiceHandlers } from './generated/lattice/device/v1/DeviceService.js';
import { HubLinkService } from './hub-link/hub-link.service.js';
import { deviceServiceContract, hubLinkContract, type HubLinkFrame } from './grpc/device.contracts.js';
import { DeviceEvents } from './internal/device-events.js';
import { fromWireValues, toMs, toWireValues } from './internal/values.js';
import { MemoryCommandStore, MemoryDeviceStore, MemoryHubStore, MemoryShadowStore } from './stores/memory-stores.js';
import { RedisCommandStore, RedisDeviceStore, RedisHubStore, RedisShadowStore } from './stores/redis-stores.js';
import type {
  CommandRecord,
  CommandStatus,
  CommandStore,
  DeviceStore,
  HubStore,
  ShadowStore,
} from './stores/device-stores.interfaces.js';

/** Resolved settings plus this instance's id (shared with discovery). */
export interface DeviceIdentity {
  readonly settings: DeviceSettings;
  readonly instanceId: string;
  /**
   * The gRPC ports registered in discovery (`grpc`, `hub`). A port configured as 0 is filled
   * in with the bound one once the servers listen, which is before boot registers the instance.
   */
  readonly advertisedPorts: Record<string, number>;
}

/** Injection token of the {@link DeviceIdentity}. */
export const DEVICE_IDENTITY = 'LATTICE:DEVICE:IDENTITY';

/** A default instance id: `device-<hostname>-<pid>-<random>`. */
export function defaultInstanceId(): string {
  return `device-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The device app's stateful parts: memory adapters, or Redis ones on the shared connection. */
@Injectable()
export class DeviceStores {
  readonly hubs: HubStore;
  readonly devices: DeviceStore;
  readonly shadows: ShadowStore;
  readonly commands: CommandStore;

  constructor(@InjectRedis() redis: Redis | null, @Inject(DEVICE_IDENTITY) identity: DeviceIdentity) {
    const prefix = identity.settings.redisKeyPrefix;
    if (redis === null) {
      this.hubs = new MemoryHubStore();
      this.devices = new MemoryDeviceStore();
      this.shadows = new MemoryShadowStore();
      this.commands = new MemoryCommandStore();
    } else {
      this.hubs = new RedisHubStore(redis, prefix);
      this.devices = new RedisDeviceStore(redis, prefix);
      this.shadows = new RedisShadowStore(redis, prefix);
      this.commands = new RedisCommandStore(redis, prefix);
    }
  }
}

const REMOTE_MARGIN_MS = 250;
const MAX_PEER_STUBS = 256;
/**
 * Short, so that an event dies in the young generation: 10,000 at 24k events/s lived ~0.4 s,
 * long enough to be promoted and collected again by the old generation's GC.
 */
const OWN_BUS_HISTORY = 1_000;
/** gRPC's own default server keepalive time (two hours). */
const HUB_KEEPALIVE_MS = 2 * 60 * 60 * 1000;
/**
 * Hubs reconnect all at once after an outage or a deploy: with Node's default queue of 511
 * the kernel dropped handshakes and hubs waited for retransmissions past their connect
 * timeout. The kernel caps it at net.core.somaxconn.
 */
const HUB_LISTEN_BACKLOG = 8192;

/**
 * Owns the device app's servers and services: the public hub link server, the internal
 * DeviceService server, the client to the other replicas, and the boot hooks that start,
 * announce, drain and close them.
 *
 * @example
 * ```ts
 * const runtime = app.nest.get(DeviceRuntime);
 * console.log(runtime.instanceId, runtime.link.size); // hubs held here
 * ```
 */
@Injectable()
export class DeviceRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly link: HubLinkService;
  readonly api: DeviceApi;
  readonly hubServer: GrpcServer;
  readonly internalServer: GrpcServer;
  private readonly peers: GrpcClient<DeviceServiceClient>;
  private readonly ownedBus: EventBus | undefined;

  constructor(
    @Inject(DEVICE_IDENTITY) private readonly identity: DeviceIdentity,
    stores: DeviceStores,
    metrics: MetricsRegistry,
    discovery: DiscoveryClient,
    @InjectLogger() private readonly logger: Logger,
    @InjectRedis() redis: Redis | null,
    @Optional() @Inject(EventBus) bus: EventBus | null,
  ) {
    const { settings, instanceId } = identity;
    const clock = systemClock;
    if (redis !== null && settings.hubSecretPepper === DEVELOPMENT_PEPPER) {
      logger.warn(
        'device.hubSecretPepper is the development pepper on the redis backend; set LATTICE_DEVICE__DEVICE__HUB_SECRET_PEPPER',
      );
    }
    // Without a bus from the application, the device app publishes to its own: the Redis
    // stream on the redis backend (consumers in other processes read it), else in-process.
    // Its own in-process bus keeps a short history: nobody in this process reads it unless the
    // app shares it, and the bus trims its log by splicing, which grows with the history.
    this.ownedBus = bus
      ? undefined
      : redis
        ? new RedisEventBus({ client: redis })
        : new MemoryEventBus({ maxLength: OWN_BUS_HISTORY });
    const events = new DeviceEvents(
      bus ?? this.ownedBus ?? null,
      logger,
      metrics.counter({ name: 'lattice_device_event_failures_total', help: 'Device events the bus refused' }),
    );
    const internal = deviceServiceContract();
    this.peers = new GrpcClient<DeviceServiceClient>({
      service: 'device',
      contract: internal,
      discovery,
      caller: 'device',
      breaker: false,
      metrics,
    });
    // A stub per replica, built once: building one per command was a measurable part of a
    // crossing command. Bounded, since replicas come and go over a long life.
    const stubs = new Map<string, GrpcStub<DeviceServiceClient>>();
    const peer = (id: string): GrpcStub<DeviceServiceClient> => {
      let stub = stubs.get(id);
      if (stub === undefined) {
        stub = this.peers.toInstance<DeviceServiceClient>(id);
        if (stubs.size >= MAX_PEER_STUBS) stubs.delete(stubs.keys().next().value as string);
        stubs.set(id, stub);
      }
      return stub;
    };
    this.link = new HubLinkService({
      settings,
      instanceId,
      ...pick(stores),
      events,
      metrics,
      logger,
      clock,
      releaseElsewhere: (previous, epoch) => {
        peer(previous.instanceId)
          .ReleaseHub({ hubId: previous.hubId, epoch: String(epoch) }, { timeoutMs: 2000 })
          .catch((error: unknown) =>
            logger.debug({ err: error, hubId: previous.hubId }, 'previous holder not told of the newer connection'),
          );
      },
    });
    this.api = new DeviceApi({
      settings,
      instanceId,
      ...pick(stores),
      link: this.link,
      events,
      metrics,
      logger,
      clock,
      remote: async (route, record, timeoutMs) => {
        try {
          const view = await peer(route.instanceId).DeliverCommand(
            {
              commandId: record.commandId,
              hubId: route.hubId,
              epoch: String(route.epoch),
              deadlineMs: String(clock.now() + timeoutMs),
              deviceId: record.deviceId,
              method: record.method,
              params: toWireValues(record.params),
            },
            { timeoutMs: timeoutMs + REMOTE_MARGIN_MS },
          );
          return {
            ...record,
            status: view.status as CommandStatus,
            result: fromWireValues(view.result),
            error: view.error,
            updatedAtMs: toMs(view.updatedAtMs),
          } satisfies CommandRecord;
        } catch (error) {
          if (
            LatticeError.isLatticeError(error) &&
            (error.code === 'RPC_DEADLINE_EXCEEDED' || error.data['remoteCode'] === 'DEVICE_COMMAND_TIMEOUT')
          ) {
            throw new CommandTimeoutError(record.commandId, timeoutMs);
          }
          throw error;
        }
      },
      remoteSyncDesired: async (route, deviceId) => {
        await peer(route.instanceId).SyncDesired(
          { deviceId, hubId: route.hubId, epoch: String(route.epoch) },
          { timeoutMs: 2000 },
        );
      },
    });
    this.hubServer = new GrpcServer({
      host: settings.grpcHost,
      port: settings.hubLinkPort,
      // Frames above maxFrameBytes are dropped and counted by the hub link; the transport
      // refuses (and ends the stream of) anything beyond four times that.
      maxMessageBytes: settings.maxFrameBytes * 4,
      fastPath: false,
      // Hubs heartbeat on the stream itself (a silent hub is closed after three intervals), so
      // transport keepalive pings would only repeat that check on every held connection.
      keepaliveTimeMs: HUB_KEEPALIVE_MS,
      listenBacklog: HUB_LISTEN_BACKLOG,
      metrics,
    });
    this.hubServer.addService<HubLinkHandlers>(hubLinkContract(settings.maxFrameBytes), {
      Connect: (requests, ctx) => this.link.connect(requests as ServerRequestStream<HubLinkFrame>, ctx),
    });
    this.internalServer = new GrpcServer({ host: settings.grpcHost, port: settings.internalGrpcPort, metrics });
    this.internalServer.addService<DeviceServiceHandlers>(internal, deviceServiceImplementation(this.api, this.link));
  }

  /** This instance's id (in discovery and in hub routes). */
  get instanceId(): string {
    return this.identity.instanceId;
  }

  async onApplicationBootstrap(): Promise<void> {
    const [hub, grpc] = await Promise.all([this.hubServer.start(), this.internalServer.start()]);
    this.identity.advertisedPorts['hub'] = hub;
    this.identity.advertisedPorts['grpc'] = grpc;
    this.link.start();
    this.logger.info(
      { hubLinkPort: hub, internalGrpcPort: grpc, instanceId: this.instanceId },
      'device gRPC servers listening',
    );
  }

  /** Boot hook: health SERVING on both servers. */
  onRegister(): void {
    this.hubServer.onRegister();
    this.internalServer.onRegister();
  }

  /** Boot hook: health NOT_SERVING first on shutdown. */
  onDeregister(): void {
    this.hubServer.onDeregister();
    this.internalServer.onDeregister();
  }

  /** Boot hook: hub streams end with UNAVAILABLE (hubs reconnect elsewhere); in-flight calls finish. */
  async onDrain(deadlineEpochMs: number): Promise<void> {
    this.link.drain();
    await Promise.all([this.hubServer.drain(deadlineEpochMs), this.internalServer.drain(deadlineEpochMs)]);
  }

  async onApplicationShutdown(): Promise<void> {
    this.link.drain();
    await Promise.all([this.hubServer.onApplicationShutdown(), this.internalServer.onApplicationShutdown()]);
    await this.peers.close();
    await this.link.flush();
    await this.ownedBus?.close();
  }
}

function pick(stores: DeviceStores): Pick<DeviceStores, 'hubs' | 'devices' | 'shadows' | 'commands'> {
  return { hubs: stores.hubs, devices: stores.devices, shadows: stores.shadows, commands: stores.commands };
}
