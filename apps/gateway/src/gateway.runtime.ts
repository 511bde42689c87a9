import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApplicationConfig, HttpFront, InjectRedis } from '@lattice/boot';
import { ConfigService } from '@lattice/config';
import { PROBLEM_CONTENT_TYPE, statusTitle, systemClock, type Clock } from '@lattice/core';
import {
  DiscoveryClient,
  KubernetesRegistry,
  RedisRegistry,
  StaticRegistry,
  type ServiceRegistry,
} from '@lattice/discovery';
import { InjectLogger, MetricsRegistry, type Counter, type Logger } from '@lattice/telemetry';
import type { Redis } from 'ioredis';
import { JwtVerifier } from './auth/jwt-verifier.js';
import { MemoryNonceStore, RedisNonceStore, type NonceStore } from './auth/nonce-store.js';
import { SaasVerifier } from './auth/saas-verifier.js';
import { GATEWAY_OPTIONS, type GatewayModuleOptions } from './gateway.module-definition.js';
import { readGatewaySettings, type GatewaySettings } from './gateway.settings.js';
import { GatewayRoutesInvalidError } from './gateway.errors.js';
import { GatewayProxy } from './proxy/gateway-proxy.js';
import { RoutePolicies } from './proxy/route-policies.js';
import { UpstreamResolver } from './proxy/upstreams.js';
import { WebSocketProxy } from './proxy/websocket-proxy.js';
import { DEFAULT_ROUTES } from './routes/default-routes.js';
import { RouteTable } from './routes/route-table.js';

/** The namespace holding the route table. */
export const ROUTES_NAMESPACE = 'gateway.routes';

/** The last refused route table, for the admin view. */
export interface RouteRefusal {
  readonly atMs: number;
  readonly problems: readonly string[];
}

/**
 * Builds the gateway from configuration and puts its data path in front of Nest on the
 * HTTP server: `/api/**` requests and WebSocket upgrades go to {@link GatewayProxy}; health,
 * metrics, docs and admin stay on Nest. Follows `gateway.routes` live.
 *
 * @example
 * ```ts
 * const runtime = app.nest.get(GatewayRuntime);
 * runtime.proxy.routes.routes.map((r) => r.id);
 * ```
 */
@Injectable()
export class GatewayRuntime implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private proxyInstance: GatewayProxy | undefined;
  private wsProxy: WebSocketProxy | undefined;
  private discovery: DiscoveryClient | undefined;
  private ownedRegistry: ServiceRegistry | undefined;
  private nonces: NonceStore | undefined;
  private policies: RoutePolicies | undefined;
  private stopWatch: (() => void) | undefined;
  private jwtVerifier: JwtVerifier | undefined;
  private settingsValue: GatewaySettings | undefined;
  private refused: Counter<'origin'>;
  /** The last route table refused, if any. */
  lastRefusal: RouteRefusal | undefined;
  private readonly clock: Clock;

  constructor(
    private readonly config: ApplicationConfig,
    private readonly configService: ConfigService,
    private readonly adapterHost: HttpAdapterHost,
    private readonly front: HttpFront,
    private readonly metrics: MetricsRegistry,
    @InjectLogger() private readonly logger: Logger,
    @InjectRedis() private readonly redis: Redis | null,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayModuleOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.refused = metrics.counter({
      name: 'gateway_routes_refused_total',
      help: 'Route tables refused (invalid); the previous table stayed in force',
      labelNames: ['origin'],
    });
  }

  /** The data path (available after module init). */
  get proxy(): GatewayProxy {
    if (this.proxyInstance === undefined) throw new Error('GatewayRuntime is not initialised');
    return this.proxyInstance;
  }

  get settings(): GatewaySettings {
    if (this.settingsValue === undefined) throw new Error('GatewayRuntime is not initialised');
    return this.settingsValue;
  }

  /** The JWT verifier (admin auth, dev token). */
  get jwt(): JwtVerifier | undefined {
    return this.jwtVerifier;
  }

  /** The policies' admin view. */
  policySnapshot(): ReturnType<RoutePolicies['snapshot']> {
    return this.policies?.snapshot() ?? { breakers: {}, limiters: {} };
  }

  async onModuleInit(): Promise<void> {
    const backend = this.config.backend;
    // The merged application tree (defaults < files < config center < env); objects, not just leaves.
    const tree = this.configService.namespace<Record<string, unknown>>('application');
    const settings = readGatewaySettings((path) => readPath(tree, path), backend);
    this.settingsValue = settings;
    this.jwtVerifier = await this.createJwt(settings, backend);
    this.discovery = new DiscoveryClient(this.registry(settings), {
      ...(this.config.boot.lattice.zone === undefined ? {} : { zone: this.config.boot.lattice.zone }),
      metrics: this.metrics,
      logger: this.logger,
      clock: this.clock,
    });
    this.nonces = this.redis === null ? new MemoryNonceStore(() => this.clock.now()) : new RedisNonceStore(this.redis);
    this.policies = new RoutePolicies({
      clock: this.clock,
      redis: this.redis,
      metrics: this.metrics,
      logger: this.logger,
    });
    const upstreams = new UpstreamResolver(this.discovery);
    this.proxyInstance = new GatewayProxy({
      identitySecret: settings.identitySecret,
      jwt: this.jwtVerifier,
      saas: new SaasVerifier(
        () => this.settings.saas.partners,
        this.nonces,
        () => this.clock.now(),
      ),
      upstreams,
      policies: this.policies,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
      connectionsPerOrigin: settings.server.connectionsPerOrigin,
    });
    this.wsProxy = new WebSocketProxy(this.proxyInstance, upstreams, this.clock);
    const initial = this.loadRoutes(this.configService.namespace<Record<string, unknown>>(ROUTES_NAMESPACE), 0);
    // A table that does not validate at start fails the start (there is no previous one to keep).
    if (initial instanceof GatewayRoutesInvalidError) throw initial;
    this.stopWatch = this.configService.watch(ROUTES_NAMESPACE, (next) => {
      const version = this.configService.health().namespaces[ROUTES_NAMESPACE]?.version ?? 0;
      this.loadRoutes(next as Record<string, unknown>, typeof version === 'number' ? version : 0);
    });
  }

  /** Puts the data path in front of Nest: `/api/` requests and upgrades; everything else goes on to express. */
  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    const s = this.settings.server;
    server.headersTimeout = s.headersTimeoutMs;
    server.requestTimeout = s.requestTimeoutMs;
    server.maxHeadersCount = s.maxHeadersCount;
    // Node checks headersTimeout only every connectionsCheckingInterval (30 s), fixed when the
    // server is created; a per-connection timer cuts slowloris clients at headersTimeoutMs.
    const headerTimers = new WeakMap<Socket, NodeJS.Timeout>();
    const headersArrived = (socket: Socket): void => {
      const timer = headerTimers.get(socket);
      if (timer !== undefined) clearTimeout(timer);
      headerTimers.delete(socket);
    };
    server.on('connection', (socket: Socket) => {
      const timer = setTimeout(() => socket.destroy(), s.headersTimeoutMs);
      timer.unref();
      headerTimers.set(socket, timer);
      socket.once('close', () => headersArrived(socket));
    });
    // Requests Node's parser refuses (malformed, header floods, timeouts) still get problem+json.
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      if (!socket.writable || (socket as Socket).bytesWritten > 0) {
        socket.destroy();
        return;
      }
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const body = JSON.stringify({
        type: `urn:lattice:error:http-${status}`,
        title: statusTitle(status),
        status,
        detail: 'The request could not be parsed as HTTP/1.1.',
        code: status === 431 ? 'REQUEST_HEADER_FIELDS_TOO_LARGE' : status === 408 ? 'REQUEST_TIMEOUT' : 'BAD_REQUEST',
      });
      socket.end(
        `HTTP/1.1 ${status} ${statusTitle(status)}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    const proxy = this.proxy;
    // Ahead of Nest (boot still counts these requests for its graceful drain).
    this.front.use((req: IncomingMessage, res: ServerResponse) => {
      headersArrived(req.socket);
      const url = req.url ?? '';
      if (!url.startsWith('/api/') && url !== '/api') return false;
      proxy.handle(req, res);
      return true;
    });
    const ws = this.wsProxy;
    if (ws !== undefined)
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        headersArrived(req.socket);
        ws.handle(req, socket, head);
      });
  }

  /** Prints the dev token (memory backend only: nothing can mint tokens on redis). */
  async onRegister(): Promise<void> {
    if (this.config.backend !== 'memory' || this.jwtVerifier?.canSign !== true || !this.settings.devToken.print) return;
    const dev = this.settings.devToken;
    const token = await this.jwtVerifier.sign(
      { sub: dev.user, homes: [dev.home], roles: ['user', 'admin'] },
      dev.ttlSeconds,
    );
    this.logger.info({ user: dev.user, home: dev.home }, 'dev token (memory backend only)');
    process.stdout.write(
      `\nDev token for user ${dev.user}, home ${dev.home} (memory backend only):\n  Authorization: Bearer ${token}\n\n`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopWatch?.();
    this.wsProxy?.closeAll();
    await this.proxyInstance?.close();
    await this.policies?.close();
    await this.nonces?.close();
    await this.discovery?.close();
    await this.ownedRegistry?.close();
  }

  /** Validates and swaps in a route table; a refused one is logged, counted and kept for the admin view. */
  private loadRoutes(values: Record<string, unknown>, version: number): GatewayRoutesInvalidError | undefined {
    const value = values['routes'] === undefined ? { routes: DEFAULT_ROUTES } : { routes: values['routes'] };
    try {
      const table = RouteTable.compile(value, version);
      this.proxy.setRoutes(table);
      this.logger.info({ routes: table.routes.length, version }, 'gateway routes in force');
      return undefined;
    } catch (error) {
      if (!(error instanceof GatewayRoutesInvalidError)) throw error;
      this.lastRefusal = { atMs: this.clock.now(), problems: error.data.problems };
      this.refused.inc({ origin: 'release' });
      this.logger.error(
        { problems: error.data.problems, version },
        'gateway route table refused; previous table stays',
      );
      return error;
    }
  }

  private registry(settings: GatewaySettings): ServiceRegistry {
    if (this.options.serviceRegistry !== undefined) return this.options.serviceRegistry;
    const kind = this.config.boot.lattice.discovery ?? this.config.backend;
    let registry: ServiceRegistry;
    if (kind === 'redis' && this.redis !== null) registry = new RedisRegistry({ client: this.redis });
    else if (kind === 'kubernetes') registry = new KubernetesRegistry();
    else {
      const services: Record<string, Array<{ host: string; ports: Record<string, number> }>> = {};
      for (const [name, url] of Object.entries(settings.services)) {
        const u = new URL(url);
        services[name] = [
          {
            host: u.hostname.replace(/^\[|\]$/g, ''),
            ports: { http: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) },
          },
        ];
      }
      registry = new StaticRegistry({ services });
    }
    this.ownedRegistry = registry;
    return registry;
  }

  private async createJwt(settings: GatewaySettings, backend: 'memory' | 'redis'): Promise<JwtVerifier | undefined> {
    const j = settings.jwt;
    return JwtVerifier.create(
      {
        issuer: j.issuer,
        audience: j.audience,
        algorithm: j.algorithm,
        clockToleranceSeconds: j.clockToleranceSeconds,
        ...(j.secret === undefined ? {} : { secret: j.secret }),
        ...(j.publicKeyFile === undefined ? {} : { publicKeyFile: j.publicKeyFile }),
        ...(j.privateKeyFile === undefined || backend !== 'memory' ? {} : { privateKeyFile: j.privateKeyFile }),
        ...(j.jwksUrl === undefined ? {} : { jwksUrl: j.jwksUrl }),
      },
      () => this.clock.now(),
      backend === 'memory',
    );
  }
}

function readPath(tree: Record<string, unknown>, path: string): unknown {
  let node: unknown = tree;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
