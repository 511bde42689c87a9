import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { LatticeApplication } from '@lattice/boot';
import { MemoryConfigStore, RedisConfigStore, type ConfigStore, type Properties } from '@lattice/config';
import { mergeConfigTrees, type ConfigTree } from '@lattice/core';
import { createGatewayApplication, GatewayRuntime } from '@lattice-platform/gateway';
import { SignJWT } from 'jose';

export const JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';
export const IDENTITY_SECRET = 'identity-secret-for-tests';
export const SAAS = { key: 'acme', secret: 'acme-partner-secret-0123456789' };

/** A recorded upstream request. */
export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A node:http upstream that records requests and answers with `handler` (default: 200 JSON echo). */
export interface TestUpstream {
  url: string;
  port: number;
  seen: Seen[];
  server: Server;
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;
  close(): Promise<void>;
}

export async function startUpstream(
  handler?: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<TestUpstream> {
  const seen: Seen[] = [];
  const upstream: TestUpstream = {
    url: '',
    port: 0,
    seen,
    server: undefined as unknown as Server,
    handler:
      handler ??
      ((req, res, body) => {
        res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive', 'x-upstream': 'yes' });
        res.end(JSON.stringify({ ok: true, method: req.method, url: req.url, body }));
      }),
    close: async () => {
      upstream.server.closeAllConnections();
      await new Promise<void>((resolve) => upstream.server.close(() => resolve()));
    },
  };
  upstream.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      upstream.handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
  upstream.port = (upstream.server.address() as AddressInfo).port;
  upstream.url = `http://127.0.0.1:${upstream.port}`;
  return upstream;
}

/** A running gateway on a free port with HS256 auth and a memory config store to publish routes to. */
export interface TestGateway {
  app: LatticeApplication;
  url: string;
  store: ConfigStore;
  runtime: GatewayRuntime;
  publishRoutes(routes: unknown[]): Promise<void>;
  token(claims?: { sub?: string; homes?: string[]; roles?: string[] }, options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

export interface TokenOptions {
  secret?: string;
  alg?: string;
  issuer?: string;
  audience?: string;
  expSeconds?: number;
  nbfSeconds?: number;
}

const silent = process.env['GW_DEBUG'] ? process.stderr : new Writable({ write: (_c, _e, done) => done() });

export async function startGateway(
  upstream: TestUpstream,
  routes?: unknown[],
  defaults: ConfigTree = {},
  env: Record<string, string> = {},
): Promise<TestGateway> {
  // On the redis backend the gateway reads releases from Redis: publish there.
  const redisBackend = env['LATTICE_BACKEND'] === 'redis';
  const store: ConfigStore = redisBackend
    ? new RedisConfigStore({ url: env['LATTICE_REDIS_URL'] ?? '' })
    : new MemoryConfigStore();
  const at = { appId: 'gateway', cluster: 'default', namespace: 'gateway.routes' };
  if (routes !== undefined) await store.publish({ ...at, properties: { routes } as Properties, author: 'test' });
  const app = await createGatewayApplication({
    ...(redisBackend ? {} : { configStore: store }),
    env,
    logDestination: silent,
    defaults: mergeConfigTrees(
      {
        server: { port: 0, host: '127.0.0.1' },
        shutdown: { gracePeriodMs: 2_000, deregistrationDelayMs: 0 },
        gateway: {
          identitySecret: IDENTITY_SECRET,
          services: { device: upstream.url, push: upstream.url, scheduler: upstream.url, echo: upstream.url },
          saas: { partners: { [SAAS.key]: { secret: SAAS.secret, homes: ['home-1'] } } },
          devToken: { print: false },
        },
        auth: { jwt: { algorithm: 'HS256', secret: JWT_SECRET } },
      },
      defaults,
    ),
  });
  await app.start();
  const runtime = app.nest.get(GatewayRuntime);
  return {
    app,
    url: app.url,
    store,
    runtime,
    async publishRoutes(next) {
      const before = runtime.proxy.routes;
      const refusedBefore = runtime.lastRefusal;
      await store.publish({ ...at, properties: { routes: next } as Properties, author: 'test' });
      // The client applies the release asynchronously: wait for a new table or a refusal.
      for (let i = 0; i < 200; i++) {
        if (runtime.proxy.routes !== before || runtime.lastRefusal !== refusedBefore) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('route release was not applied');
    },
    async token(claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({ homes: claims.homes ?? ['home-1'], roles: claims.roles ?? ['user'] })
        .setProtectedHeader({ alg: options.alg ?? 'HS256' })
        .setSubject(claims.sub ?? 'user-1')
        .setIssuer(options.issuer ?? 'lattice')
        .setAudience(options.audience ?? 'lattice-api')
        .setIssuedAt(now)
        .setExpirationTime(now + (options.expSeconds ?? 600));
      if (options.nbfSeconds !== undefined) jwt.setNotBefore(now + options.nbfSeconds);
      return jwt.sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
    },
    async close() {
      await app.shutdown();
      if (redisBackend) await store.close();
    },
  };
}

/** A route to the test upstream. */
export function route(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, uri: 'lb://echo', auth: 'none', ...extra };
}

/** A plain node:http call (fetch refuses hop-by-hop headers). Uses a fresh connection. */
export function call(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string; json: () => Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    // The raw path is sent as given (new URL() would normalise dot segments away).
    const origin = new URL(url);
    const path = url.slice(origin.origin.length) || '/';
    const req = httpRequest(
      {
        host: origin.hostname,
        port: origin.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body) as Record<string, unknown>,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
