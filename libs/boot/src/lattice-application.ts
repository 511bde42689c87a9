import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DiscoveryService, NestFactory } from '@nestjs/core';
import {
  createHttpTelemetry,
  createLogger,
  LatticeLogger,
  MetricsRegistry,
  startTracing,
  type Gauge,
  type Logger,
  type TracingHandle,
} from '@lattice/telemetry';
import type { DestinationStream } from 'pino';
import { MemoryEventBus, RedisEventBus, type EventBus } from '@lattice/events';
import { DiscoveryModule as ServiceDiscoveryModule, type MemoryRegistry } from '@lattice/discovery';
import {
  ConfigModule,
  ConfigService,
  MemoryConfigStore,
  type ConfigModuleOptions,
  type ConfigStore,
  type Properties,
} from '@lattice/config';
import type { Redis } from 'ioredis';
import { BootModule } from './boot.module.js';
import { StartFailedError } from './boot.errors.js';
import { portInUseHint } from './boot.messages.js';
import { ApplicationConfig } from './config/application-config.js';
import { mergeConfigTrees, type ConfigTree } from '@lattice/core';
import { loadConfig } from './config/config-loader.js';
import { BOOT_CONFIG_DEFAULTS } from './config/boot-config.schema.js';
import { ProblemExceptionFilter } from './errors/problem.filter.js';
import { HttpDrain } from './http/http-drain.js';
import { HttpFront } from './http/http-front.js';
import { ApplicationLifecycle, type LifecycleState } from './lifecycle/lifecycle.js';
import { closeRedis, createRedisConnection } from './backends/redis-connection.js';

function stringOption<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === 'string' && value !== '' ? ({ [key]: value } as Record<K, string>) : {};
}

/**
 * `telemetry.tracing`: `auto` (default) traces inbound requests only when spans leave the
 * process (an OTLP endpoint is set), because an active span per request costs ~20% of a
 * trivial endpoint's throughput on Node 20; `always` traces them anyway (trace ids in every
 * request's logs); `off` never.
 */
function traceRequests(config: ApplicationConfig, tracing: TracingHandle): boolean {
  const mode = config.get<unknown>('telemetry.tracing', 'auto');
  return mode === 'always' || (mode !== 'off' && tracing.exporting);
}

function withApplicationNamespace(
  namespaces: NonNullable<ConfigModuleOptions['namespaces']>,
): NonNullable<ConfigModuleOptions['namespaces']> {
  const named = (n: (typeof namespaces)[number]): string => (typeof n === 'string' ? n : n.name);
  return namespaces.some((n) => named(n) === 'application') ? namespaces : ['application', ...namespaces];
}

function numberOption<K extends string>(key: K, value: unknown): Partial<Record<K, number>> {
  return typeof value === 'number' ? ({ [key]: value } as Record<K, number>) : {};
}

/** Options of {@link LatticeApplication.create}. */
export interface LatticeApplicationOptions {
  /** The app's name: `app` in logs, `service.name` in traces, its config file and env prefix. */
  name: string;
  /** The app's configuration defaults, e.g. `{ server: { port: 3002 } }`. */
  defaults?: ConfigTree;
  /** YAML files instead of the default lookup (`LATTICE_CONFIG_FILE`, then `config/application.yaml` and `config/<name>.yaml`). */
  configFiles?: readonly string[];
  /** The environment to bind. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where log lines go. @default stdout */
  logDestination?: DestinationStream;
  /**
   * The config center's store on the memory backend. Apps sharing a process (the
   * all-in-one) pass one store so a release reaches all of them. @default a new MemoryConfigStore
   */
  configStore?: ConfigStore;
  /**
   * The event bus on the memory backend. Apps sharing a process pass one bus so events of
   * one app reach the others' consumer groups. @default a new MemoryEventBus
   */
  eventBus?: EventBus;
  /**
   * The service registry on the memory backend. Apps sharing a process pass one registry so
   * they find each other. @default a new MemoryRegistry
   */
  serviceRegistry?: MemoryRegistry;
  /**
   * Named ports this instance announces besides `http` (the port it listens on), e.g.
   * `{ grpc: 50052, hub: 50051 }`.
   */
  discoveryPorts?: Record<string, number>;
  /** Further namespaces to follow besides `application` (e.g. `gateway.routes`), optionally with a zod schema. */
  configNamespaces?: ConfigModuleOptions['namespaces'];
}

/**
 * A Nest application started the Lattice way, like Spring Boot's `SpringApplication`:
 * layered configuration, JSON logs with trace ids, `/health/live`, `/health/ready`,
 * `/metrics`, server spans, problem+json errors, and an ordered graceful shutdown.
 *
 * start: config → backends → servers listen → `onRegister` hooks → ready.
 * shutdown: not ready → `onDeregister` hooks → (deregistration delay) → listener closes →
 * in-flight requests and `onDrain` hooks finish within the grace period → Nest closes
 * (providers' `onApplicationShutdown` closes backends).
 *
 * @example
 * ```ts
 * // main.ts
 * import { LatticeApplication, runApplications } from '@lattice/boot';
 * import { AppModule } from './app.module.js';
 *
 * const app = await LatticeApplication.create(AppModule, { name: 'orders', defaults: { server: { port: 3000 } } });
 * await runApplications([app]); // starts, then shuts down cleanly on SIGTERM/SIGINT
 * ```
 */
export class LatticeApplication {
  private stopping: Promise<void> | undefined;
  private readonly drain = new HttpDrain();

  private constructor(
    /** The underlying Nest application (for `useGlobalPipes`, `connectMicroservice`, ...). */
    readonly nest: INestApplication,
    readonly config: ApplicationConfig,
    readonly lifecycle: ApplicationLifecycle,
    readonly logger: Logger,
    readonly metrics: MetricsRegistry,
    private readonly tracing: TracingHandle,
    private readonly readyGauge: Gauge,
  ) {}

  get name(): string {
    return this.config.app;
  }

  /** Builds the application (configuration is validated here and fails fast); call {@link start} next. */
  static async create(
    appModule: Type<unknown> | DynamicModule,
    options: LatticeApplicationOptions,
  ): Promise<LatticeApplication> {
    const { tree, boot, files } = loadConfig({
      app: options.name,
      ...(options.defaults ? { defaults: options.defaults } : {}),
      ...(options.configFiles ? { files: options.configFiles } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    const config = new ApplicationConfig(options.name, boot, tree, files);
    const logger = createLogger({
      app: options.name,
      level: boot.log.level,
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    });
    const metrics = new MetricsRegistry();
    const readyGauge = metrics.gauge({ name: 'lattice_app_ready', help: '1 while the instance reports ready' });
    readyGauge.set(0);
    const lifecycle = new ApplicationLifecycle();
    lifecycle.onChange((state) => readyGauge.set(state === 'ready' ? 1 : 0));
    const tracing = await startTracing({ serviceName: options.name });
    const tracesRequests = traceRequests(config, tracing);
    // One request middleware for Nest's routes and the front's handlers: the same metric and
    // the same decision about spans.
    const requestTelemetry = createHttpTelemetry({ metrics, traceRequests: tracesRequests });
    const front = new HttpFront(requestTelemetry, tracesRequests);
    const redis: Redis | null =
      boot.lattice.backend === 'redis' ? createRedisConnection(boot.lattice.redis.url, options.name) : null;

    const env = options.env ?? process.env;
    const configModule = ConfigModule.forRoot({
      appId: options.name,
      isGlobal: true,
      // `application` always comes first (boot's and the app's own keys live there), then the
      // app's further namespaces; first-namespace-wins for a key found in several.
      ...(options.configNamespaces ? { namespaces: withApplicationNamespace(options.configNamespaces) } : {}),
      // The config center sits between the files and the environment: the client gets the
      // lower layers as they are and applies the environment last itself.
      defaults: {
        application: mergeConfigTrees(structuredClone(BOOT_CONFIG_DEFAULTS), options.defaults ?? {}) as Properties,
      },
      files: files.map((path) => ({ path, namespace: 'application' })),
      env,
      logger,
      metrics,
      labels: boot.lattice.zone === undefined ? {} : { zone: boot.lattice.zone },
      ...stringOption('mountedDir', config.get<unknown>('config.mountedDir')),
      ...numberOption('requestTimeoutMs', config.get<unknown>('config.requestTimeoutMs')),
      // A memory store lives and dies with the process, so a file cache of it would only replay stale runs.
      ...(redis === null ? { cacheDir: null } : stringOption('cacheDir', config.get<unknown>('config.cacheDir'))),
      ...(redis === null ? { store: options.configStore ?? new MemoryConfigStore() } : { redis: { client: redis } }),
    });

    const discoveryBackend = boot.lattice.discovery ?? boot.lattice.backend;
    const advertisedHost = config.get<unknown>('discovery.host');
    const discoveryModule = ServiceDiscoveryModule.forRoot({
      isGlobal: true,
      backend: discoveryBackend,
      instance: {
        service: options.name,
        // 0.0.0.0 is no address to call; the pod IP (LATTICE__DISCOVERY__HOST) or the hostname is.
        ...(typeof advertisedHost === 'string' && advertisedHost !== '' ? { host: advertisedHost } : {}),
        ...(options.discoveryPorts ? { ports: options.discoveryPorts } : {}),
        ...(boot.lattice.zone === undefined ? {} : { zone: boot.lattice.zone }),
      },
      ...(boot.lattice.zone === undefined ? {} : { zone: boot.lattice.zone }),
      ...(discoveryBackend === 'redis'
        ? { redis: redis === null ? { url: boot.lattice.redis.url } : { client: redis } }
        : {}),
      ...(discoveryBackend === 'memory' && options.serviceRegistry
        ? { memory: { registry: options.serviceRegistry } }
        : {}),
      ...(discoveryBackend === 'static'
        ? { static: { services: config.get<Record<string, never[]>>('discovery.static.services', {}) } }
        : {}),
    });

    const eventBus: EventBus =
      redis === null
        ? (options.eventBus ?? new MemoryEventBus({ logger, metrics }))
        : new RedisEventBus({ client: redis, logger, metrics });

    @Module({
      imports: [
        BootModule.forApplication({
          config,
          lifecycle,
          front,
          logger,
          metrics,
          redis,
          configModule,
          eventBus,
          discoveryModule,
        }),
        appModule,
      ],
    })
    class LatticeRootModule {}

    let nest: INestApplication;
    try {
      nest = await NestFactory.create(LatticeRootModule, {
        logger: new LatticeLogger(logger),
        abortOnError: false,
      });
    } catch (error) {
      await closeRedis(redis);
      await tracing.release();
      throw new StartFailedError(options.name, 'building the module graph', error);
    }
    config.attachLive(nest.get(ConfigService));
    const app = new LatticeApplication(nest, config, lifecycle, logger, metrics, tracing, readyGauge);
    app.takeRequests(front);
    nest.use(requestTelemetry);
    // After telemetry (the duration includes
    // parsing), and before Nest adds its own parsers at listen, which then skip JSON.
    (nest as NestExpressApplication).useBodyParser('json', { limit: config.boot.server.maxBodyBytes });
    nest.useGlobalFilters(new ProblemExceptionFilter(logger));
    return app;
  }

  /**
   * Becomes the server's only `request` listener: every request is counted for the drain,
   * then offered to the {@link HttpFront} handlers, then to Nest.
   */
  private takeRequests(front: HttpFront): void {
    const server = this.server;
    const nest = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.drain.track(res);
      if (front.serve(req, res)) return;
      for (const listener of nest) listener.call(server, req, res);
    });
  }

  /** The HTTP server's URL once started (`http://127.0.0.1:8080`). */
  get url(): string {
    const address = this.server.address() as AddressInfo | null;
    if (address === null) return '';
    const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
    return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }

  /** The port the HTTP server listens on (useful with `server.port: 0`). */
  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  private get server(): Server {
    return this.nest.getHttpServer() as Server;
  }

  /** Listens, runs `onRegister` hooks, then reports ready. */
  async start(): Promise<void> {
    this.lifecycle.moveTo('starting');
    const { host, port } = this.config.boot.server;
    try {
      await this.nest.listen(port, host);
    } catch (error) {
      const hint = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? portInUseHint(port) : undefined;
      throw new StartFailedError(this.name, `listening on ${host}:${port}${hint ? ` (${hint})` : ''}`, error);
    }
    // A signal during start-up wins: never announce or report ready an instance that is going away.
    if (this.stopping !== undefined) return;
    try {
      await this.runHooks('onRegister', []);
    } catch (error) {
      throw new StartFailedError(this.name, 'running onRegister hooks', error);
    }
    if (this.stopping !== undefined) return;
    this.lifecycle.moveTo('ready');
    this.logger.info(
      { url: this.url, backend: this.config.backend, configFiles: this.config.files },
      `${this.name} ready`,
    );
  }

  /** The ordered graceful shutdown; safe to call more than once (all calls share one run). */
  shutdown(signal = 'SIGTERM'): Promise<void> {
    this.stopping ??= this.stop(signal);
    return this.stopping;
  }

  private async stop(signal: string): Promise<void> {
    const { gracePeriodMs, deregistrationDelayMs } = this.config.boot.shutdown;
    const wasStarted = this.lifecycle.state !== 'created';
    this.lifecycle.moveTo('draining');
    this.logger.info({ signal, gracePeriodMs }, `${this.name} shutting down`);
    if (wasStarted) {
      await this.runHooks('onDeregister', [signal], true);
      if (deregistrationDelayMs > 0) await sleep(deregistrationDelayMs);
      const deadline = Date.now() + gracePeriodMs;
      const [cut] = await Promise.all([
        this.server.listening ? this.drain.drain(this.server, deadline) : Promise.resolve(0),
        this.runHooks('onDrain', [deadline], true),
      ]);
      if (cut > 0)
        this.logger.warn({ cut }, 'grace period ended with requests in flight; their connections were closed');
    }
    try {
      await this.nest.close();
    } finally {
      await this.tracing.release();
      this.lifecycle.moveTo('stopped');
      this.logger.info(`${this.name} stopped`);
    }
  }

  /** Calls `method` on every provider that has it; on shutdown a failing hook is logged, not fatal. */
  private async runHooks(
    method: 'onRegister' | 'onDeregister' | 'onDrain',
    args: unknown[],
    tolerant = false,
  ): Promise<void> {
    const discovery = this.nest.get(DiscoveryService);
    const calls: Promise<unknown>[] = [];
    for (const wrapper of discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null) continue;
      const hook = (instance as Record<string, unknown>)[method];
      if (typeof hook !== 'function') continue;
      const call = Promise.resolve().then(() => (hook as (...a: unknown[]) => unknown).apply(instance, args));
      calls.push(
        tolerant
          ? call.catch((error: unknown) =>
              this.logger.error({ err: error, hook: method, provider: wrapper.name }, 'shutdown hook failed'),
            )
          : call,
      );
    }
    await Promise.all(calls);
  }

  /** The current lifecycle state. */
  get state(): LifecycleState {
    return this.lifecycle.state;
  }
}
