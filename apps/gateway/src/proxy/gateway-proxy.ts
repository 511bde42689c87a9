import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { LatticeError, PROBLEM_CONTENT_TYPE, toProblem, type Clock } from '@lattice/core';
import { BreakerOpenError, defaultRecordError } from '@lattice/resilience';
import type { Histogram, Logger, MetricsRegistry } from '@lattice/telemetry';
import { Agent } from 'undici';
import {
  GatewayBodyInvalidError,
  GatewayForbiddenError,
  GatewayNotFoundError,
  GatewayPayloadTooLargeError,
  GatewayTimeoutError,
  GatewayUnauthenticatedError,
  GatewayUpstreamError,
} from '../gateway.errors.js';
import type { Principal } from '../auth/auth.interfaces.js';
import { identityHeaders } from '../auth/identity-headers.js';
import type { JwtVerifier } from '../auth/jwt-verifier.js';
import type { SaasVerifier } from '../auth/saas-verifier.js';
import { applyHeaderOps, RouteTable, type CompiledRoute, type RouteMatch } from '../routes/route-table.js';
import { downstreamResponseHeaders, requestIdOf, upstreamRequestHeaders } from './http-headers.js';
import { RandomHex } from './ids.js';
import { LightSignal } from './light-signal.js';
import { checkRequestTarget } from './request-path.js';
import type { RoutePolicies } from './route-policies.js';
import { UpstreamCall } from './upstream-call.js';
import type { Upstream, UpstreamResolver } from './upstreams.js';

/** Bodies the gateway must read whole (SaaS signatures, schema validation) are capped here unless the route says otherwise. */
export const DEFAULT_BUFFERED_BODY_BYTES = 1_048_576;

/** What {@link GatewayProxy} needs. */
export interface GatewayProxyWiring {
  readonly identitySecret: string;
  /** Verifies app JWTs; undefined: `user`/`admin` routes answer 401. */
  readonly jwt: JwtVerifier | undefined;
  readonly saas: SaasVerifier;
  readonly upstreams: UpstreamResolver;
  readonly policies: RoutePolicies;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: MetricsRegistry;
  /** Upstream connections kept alive per origin. @default 128 */
  readonly connectionsPerOrigin?: number;
}

/** An upstream answer with a status the route counts as a failure (breaker, retry). */
class UpstreamStatusError extends LatticeError<{ upstreamStatus: number }> {
  constructor(readonly response: UpstreamCall) {
    super('GATEWAY_UPSTREAM_STATUS', `upstream answered ${response.statusCode}`, {
      status: 502,
      retryable: true,
      data: { upstreamStatus: response.statusCode },
    });
  }
}

const ABORT_CLIENT = Symbol('client gone');
const DEFAULT_BREAKER_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);
const NO_STATUSES: ReadonlySet<number> = new Set();

/** The client went away: not the upstream's fault, so breakers do not count it (4xx class). */
class ClientGoneError extends LatticeError {
  constructor() {
    super('GATEWAY_CLIENT_GONE', 'The client closed the connection before the response.', { status: 499 });
  }
}
const NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'TRACE']);
const EMPTY_BODY = Buffer.alloc(0);

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly path: string;
  readonly query: string;
  readonly match: RouteMatch;
  readonly hasBody: boolean;
  /** The body cap of the route (or of a buffered body); undefined: none. */
  readonly maxBytes: number | undefined;
  principal: Principal | undefined;
  /** The whole body when the gateway had to read it. */
  body: Buffer | undefined;
  readonly abort: LightSignal;
  deadline: number;
  corsHeaders: Record<string, string> | undefined;
  /** Upstream statuses that count as a failure (breaker, retry); undefined: none. */
  countedStatuses: ReadonlySet<number> | undefined;
}

/** What {@link GatewayProxy.handle} keeps of a request until its answer is out. */
interface Served {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly abort: LightSignal;
  readonly started: number;
  routeId: string;
}

/**
 * The gateway's data path on the raw Node HTTP server: checks the path, matches a route,
 * authenticates (JWT or signed SaaS), enforces tenant isolation, runs the route's filters
 * (rate limit, breaker with fallback, retry within the route timeout) and streams the
 * exchange through keep-alive undici pools. Every refusal is problem+json.
 *
 * @example
 * ```ts
 * const proxy = new GatewayProxy(wiring);
 * proxy.setRoutes(RouteTable.compile(routes));
 * server.on('request', (req, res) => proxy.handle(req, res));
 * ```
 */
export class GatewayProxy {
  private table = RouteTable.empty();
  private readonly agent: Agent;
  private readonly duration: Histogram<'route' | 'status'> | undefined;
  private readonly observers = new Map<string, Map<number, (seconds: number) => void>>();
  /** Random ids (request ids, span ids) from a pooled buffer. */
  readonly ids = new RandomHex();
  /** Identity headers per principal: the JWT cache hands back the same principal object for a token. */
  private readonly identities = new WeakMap<Principal, Record<string, string>>();

  constructor(private readonly wiring: GatewayProxyWiring) {
    this.agent = new Agent({
      connections: wiring.connectionsPerOrigin ?? 128,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
    this.duration = wiring.metrics?.histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time from request to response headers, by route and status',
      labelNames: ['route', 'status'],
    });
  }

  /** The route table in force. */
  get routes(): RouteTable {
    return this.table;
  }

  /** Swaps the route table; requests already matched finish on their route. */
  setRoutes(table: RouteTable): void {
    this.wiring.policies.sync(table.routes);
    this.table = table;
  }

  /** The signed identity headers of a principal (computed once per principal object). */
  identityFor(principal: Principal): Record<string, string> {
    let headers = this.identities.get(principal);
    if (headers === undefined) {
      headers = identityHeaders(principal, this.wiring.identitySecret);
      this.identities.set(principal, headers);
    }
    return headers;
  }

  /** Matches a request without serving it (the WebSocket path uses it too). */
  matchRoute(req: IncomingMessage, path: string, query: string, method = req.method ?? 'GET'): RouteMatch | undefined {
    const hostHeader = req.headers.host ?? '';
    const end = hostHeader.startsWith('[') ? hostHeader.indexOf(']') + 1 : hostHeader.indexOf(':');
    const host = (end === -1 ? hostHeader : hostHeader.slice(0, end)).toLowerCase();
    return this.table.match(
      { method, host, path, query, headers: req.headers, remoteAddress: req.socket.remoteAddress ?? '' },
      this.wiring.clock.now(),
    );
  }

  /** Serves one request; never throws, never leaves the response hanging. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const abort = new LightSignal();
    // 'close' fires once per response: `on` spares the once-wrapper an extra allocation per request.
    res.on('close', () => {
      // A client that goes away cancels the upstream exchange.
      if (!res.writableFinished) abort.abort(ABORT_CLIENT);
    });
    const served: Served = {
      req,
      res,
      requestId: requestIdOf(req.headers, this.ids),
      abort,
      started: performance.now(),
      routeId: 'none',
    };
    let pending: Promise<void> | undefined;
    try {
      pending = this.serve(served);
    } catch (error) {
      this.failed(served, error);
      return;
    }
    if (pending === undefined) this.observe(served.routeId, res.statusCode, served.started);
    else
      pending.then(
        () => this.observe(served.routeId, res.statusCode, served.started),
        (error: unknown) => this.failed(served, error),
      );
  }

  /** Answers a request that failed with problem+json (or cuts it when that is no longer possible). */
  private failed(served: Served, error: unknown): void {
    const { req, res, requestId } = served;
    try {
      this.fail(req, res, requestId, error);
    } catch (failure) {
      this.wiring.logger.error({ err: failure, requestId }, 'gateway could not answer a failed request');
      res.destroy();
    }
    this.observe(served.routeId, res.statusCode, served.started);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Authenticates a request for a route (exported for the WebSocket path). */
  async authenticate(
    route: CompiledRoute,
    req: IncomingMessage,
    pathAndQuery: string,
    body: Buffer,
    bearer?: string,
  ): Promise<Principal | undefined> {
    if (route.auth === 'none') return undefined;
    let principal: Principal;
    if (req.headers['x-lattice-key'] !== undefined && route.auth !== 'admin') {
      principal = await this.wiring.saas.verify(req.method ?? 'GET', pathAndQuery, req.headers, body);
    } else {
      if (route.auth === 'saas') throw new GatewayUnauthenticatedError('this route takes SaaS-signed requests');
      const token = bearer ?? bearerOf(req.headers.authorization);
      if (token === undefined) throw new GatewayUnauthenticatedError('missing bearer token');
      if (this.wiring.jwt === undefined) throw new GatewayUnauthenticatedError('no JWT key configured');
      principal = await this.wiring.jwt.verify(token);
    }
    if (route.auth === 'admin' && !principal.roles.includes('admin')) throw new GatewayForbiddenError();
    return principal;
  }

  /** The principal of a cached JWT when the route takes one and the caller's role fits; else undefined. */
  private cachedPrincipal(route: CompiledRoute, req: IncomingMessage): Principal | undefined {
    if (route.auth === 'saas' || req.headers['x-lattice-key'] !== undefined || this.wiring.jwt === undefined)
      return undefined;
    // A cached token passed the full bearer syntax check when it was first verified, so the
    // exact same string needs only the prefix checked (the regex costs more than the lookup).
    const header = req.headers.authorization;
    const principal = hasBearerPrefix(header) ? this.wiring.jwt.cached(header.slice(BEARER_PREFIX.length)) : undefined;
    if (principal === undefined || (route.auth === 'admin' && !principal.roles.includes('admin'))) return undefined;
    return principal;
  }

  /** Tenant isolation: the route's home capture must be one of the principal's homes (else 404). */
  checkTenant(match: RouteMatch, principal: Principal | undefined): void {
    const param = match.route.tenantParam;
    if (param === undefined || principal === undefined) return;
    const raw = match.captures[param] ?? '';
    let home: string;
    try {
      home = decodeURIComponent(raw);
    } catch {
      throw new GatewayNotFoundError();
    }
    if (!principal.homes.includes(home)) throw new GatewayNotFoundError();
  }

  /**
   * Checks, matches and admits a request, then proxies it. A request that needs no wait before
   * the upstream call (no body to read, a cached JWT, a limiter permit at hand) runs
   * synchronously up to the dispatch; undefined when it was answered on the spot (preflight).
   */
  private serve(served: Served): Promise<void> | undefined {
    const { req, res, requestId } = served;
    const { path, query } = checkRequestTarget(req.url);
    const method = req.method ?? 'GET';
    const preflight = method === 'OPTIONS' && typeof req.headers['access-control-request-method'] === 'string';
    const match = this.matchRoute(
      req,
      path,
      query,
      preflight ? String(req.headers['access-control-request-method']).toUpperCase() : method,
    );
    if (match === undefined) throw new GatewayNotFoundError();
    const route = match.route;
    served.routeId = route.id;
    const corsHeaders = route.cors === undefined ? undefined : corsFor(route.cors, req.headers.origin);
    if (preflight && route.cors !== undefined) {
      res.writeHead(204, { ...corsPreflight(route.cors, corsHeaders), 'x-request-id': requestId });
      res.end();
      return undefined;
    }

    const length = req.headers['content-length'];
    const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    const mustBuffer = hasBody && (req.headers['x-lattice-key'] !== undefined || route.validateBody !== undefined);
    const maxBytes = route.maxBodyBytes ?? (mustBuffer ? DEFAULT_BUFFERED_BODY_BYTES : undefined);
    if (maxBytes !== undefined && length !== undefined && Number(length) > maxBytes) {
      res.shouldKeepAlive = false;
      throw new GatewayPayloadTooLargeError(maxBytes);
    }
    const exchange: Exchange = {
      req,
      res,
      requestId,
      path,
      query,
      match,
      hasBody,
      maxBytes,
      principal: undefined,
      body: undefined,
      abort: served.abort,
      deadline: 0,
      corsHeaders,
      countedStatuses: undefined,
    };
    // A JWT verified before answers from the cache without a promise; anything else takes the full path.
    if (!mustBuffer && route.auth !== 'none') exchange.principal = this.cachedPrincipal(route, req);
    if (mustBuffer || (route.auth !== 'none' && exchange.principal === undefined))
      return this.readAndAuthenticate(exchange, mustBuffer);
    return this.admit(exchange);
  }

  /** The slow start: reads the body the gateway must see whole, then authenticates. */
  private async readAndAuthenticate(ex: Exchange, mustBuffer: boolean): Promise<void> {
    const { req, path, query } = ex;
    const route = ex.match.route;
    if (mustBuffer) ex.body = await readBody(req, ex.maxBytes ?? DEFAULT_BUFFERED_BODY_BYTES);
    // Without a body to read, serve() already looked in the JWT cache and missed.
    if (route.auth !== 'none')
      ex.principal =
        (mustBuffer ? this.cachedPrincipal(route, req) : undefined) ??
        (await this.authenticate(route, req, query === '' ? path : `${path}?${query}`, ex.body ?? EMPTY_BODY));
    return this.admit(ex);
  }

  /** Tenant check, rate limit and body validation, then the upstream exchange. */
  private admit(ex: Exchange): Promise<void> {
    const route = ex.match.route;
    this.checkTenant(ex.match, ex.principal);
    if (route.rateLimit !== undefined) {
      const permit = this.wiring.policies.limit(route, rateKey(route, ex.principal, ex.req));
      if (permit !== undefined) return permit.then(() => this.proxy(ex));
    }
    return this.proxy(ex);
  }

  private proxy(ex: Exchange): Promise<void> {
    const route = ex.match.route;
    if (route.validateBody !== undefined && ex.body !== undefined) validateJson(route, ex.body);
    // The route timeout bounds the wait for response headers, retries included: each attempt
    // gets what is left of it as undici's headersTimeout (no timer per request).
    ex.deadline = this.wiring.clock.now() + route.timeoutMs;
    return this.respondFromUpstream(ex);
  }

  /** Breaker, retry and fallback around the upstream call, then forwards the response. */
  private respondFromUpstream(ex: Exchange): Promise<void> {
    const route = ex.match.route;
    const breaker = this.wiring.policies.breaker(route);
    const retry = route.retry;
    const replayable = !ex.hasBody || ex.body !== undefined;
    const canRetry =
      retry !== undefined && replayable && (retry.methods as readonly string[]).includes(ex.req.method ?? 'GET');
    ex.countedStatuses = failingStatuses(route, breaker !== undefined, canRetry);
    const guarded =
      breaker === undefined ? () => this.attempt(ex) : () => breaker.execute(() => this.attempt(ex), { key: route.id });
    // The common case (no retry): one attempt, then the fallback on failure; no loop, no extra frame.
    const forward = (response: UpstreamCall): void => this.forward(ex, response);
    if (!canRetry) return guarded().then(forward, (error: unknown) => this.fallbackOrThrow(ex, error).then(forward));
    return this.withRetries(ex, guarded, retry).then(forward);
  }

  private async withRetries(
    ex: Exchange,
    guarded: () => Promise<UpstreamCall>,
    retry: NonNullable<CompiledRoute['retry']>,
  ): Promise<UpstreamCall> {
    const route = ex.match.route;
    const retryStatuses = route.retryStatuses ?? NO_STATUSES;
    let attempt = 1;
    for (;;) {
      try {
        return await guarded();
      } catch (error) {
        if (ex.abort.reason === ABORT_CLIENT) throw error;
        const retryable =
          error instanceof UpstreamStatusError ? retryStatuses.has(error.response.statusCode) : isRetryable(error);
        const delayMs = Math.random() * Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1));
        // Retries stay inside the route timeout: no attempt starts that the deadline would cut.
        if (attempt < retry.maxAttempts && retryable && this.wiring.clock.now() + delayMs < ex.deadline) {
          if (error instanceof UpstreamStatusError) error.response.dump();
          attempt++;
          if (delayMs > 0) await this.sleep(delayMs, ex.abort);
          if (ex.abort.aborted) throw this.mapSendError(ex, route, ex.abort.reason);
          continue;
        }
        return this.fallbackOrThrow(ex, error);
      }
    }
  }

  /** One attempt: resolve an upstream (synchronous for URL targets), send, judge the status. */
  private attempt(ex: Exchange): Promise<UpstreamCall> {
    const upstream = this.wiring.upstreams.resolve(ex.match.route.target);
    return upstream instanceof Promise ? upstream.then((u) => this.attemptOn(ex, u)) : this.attemptOn(ex, upstream);
  }

  private attemptOn(ex: Exchange, upstream: Upstream): Promise<UpstreamCall> {
    return this.send(ex, upstream.origin).then(
      (response) => {
        upstream.done(response.statusCode < 500);
        if (ex.countedStatuses?.has(response.statusCode) === true) throw new UpstreamStatusError(response);
        return response;
      },
      (error: unknown) => {
        upstream.done(false);
        throw this.mapSendError(ex, ex.match.route, error);
      },
    );
  }

  private async fallbackOrThrow(ex: Exchange, error: unknown): Promise<UpstreamCall> {
    const fallback = ex.match.route.circuitBreaker?.fallback;
    if (fallback === undefined || ex.abort.reason === ABORT_CLIENT) {
      if (error instanceof UpstreamStatusError) return error.response;
      throw error;
    }
    if (error instanceof UpstreamStatusError) error.response.dump();
    if ('uri' in fallback) {
      const url = new URL(fallback.uri);
      const response = await UpstreamCall.start(
        this.agent,
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: ex.req.method === 'HEAD' ? 'HEAD' : 'GET',
          headers: {
            'x-request-id': ex.requestId,
            'x-lattice-fallback-of': ex.match.route.id,
            ...(ex.principal === undefined ? {} : this.identityFor(ex.principal)),
          },
          headersTimeout: Math.max(1, ex.deadline - this.wiring.clock.now()),
        },
        ex.abort,
      );
      response.servedByFallback = true;
      return response;
    }
    throw new LatticeError(fallback.code, fallback.detail ?? 'Served by the route fallback.', {
      status: fallback.status,
      data: { fallback: true },
    });
  }

  private send(ex: Exchange, origin: string): Promise<UpstreamCall> {
    const { req, match, hasBody, maxBytes } = ex;
    const headers = upstreamRequestHeaders(req, ex.requestId, this.ids);
    if (ex.principal !== undefined) Object.assign(headers, this.identityFor(ex.principal));
    applyHeaderOps(headers, match.route.requestHeaders, match.captures);
    const path = match.route.rewritePath(ex.path, match.captures);
    let body: Buffer | Readable | undefined;
    if (ex.body !== undefined) {
      body = ex.body;
      headers['content-length'] = String(ex.body.length);
    } else if (hasBody || !NO_BODY.has(req.method ?? 'GET')) {
      body = maxBytes === undefined ? req : req.pipe(limitStream(maxBytes));
      if (!hasBody) body = undefined;
    }
    return UpstreamCall.start(
      this.agent,
      {
        origin,
        path: ex.query === '' ? path : `${path}?${ex.query}`,
        method: req.method ?? 'GET',
        headers,
        body: body ?? null,
        headersTimeout: Math.max(1, ex.deadline - this.wiring.clock.now()),
        bodyTimeout: 0,
      },
      ex.abort,
    );
  }

  private mapSendError(ex: Exchange, route: CompiledRoute, error: unknown): unknown {
    if (error instanceof UpstreamStatusError || error instanceof BreakerOpenError) return error;
    if (LatticeError.isLatticeError(error) && error.status < 500) return error;
    const reason = ex.abort.reason;
    if ((error as { code?: unknown }).code === 'UND_ERR_HEADERS_TIMEOUT')
      return new GatewayTimeoutError(route.timeoutMs);
    if (reason === ABORT_CLIENT) return new ClientGoneError();
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof GatewayPayloadTooLargeError) return cause;
    if (error instanceof GatewayPayloadTooLargeError) return error;
    if (LatticeError.isLatticeError(error)) return error;
    return new GatewayUpstreamError(route.definition.uri, error);
  }

  private forward(ex: Exchange, response: UpstreamCall): void {
    const { match } = ex;
    const headers = downstreamResponseHeaders(response.rawHeaders);
    if (response.servedByFallback) headers['x-lattice-fallback'] = 'true';
    if (match.route.responseHeaders.length > 0) applyHeaderOps(headers, match.route.responseHeaders, match.captures);
    headers['x-request-id'] = ex.requestId;
    if (ex.corsHeaders !== undefined) Object.assign(headers, ex.corsHeaders);
    response.forwardTo(ex.res, response.statusCode, headers);
  }

  private fail(req: IncomingMessage, res: ServerResponse, requestId: string, error: unknown): void {
    // Drain what the client still sends so a refused request does not stall its connection.
    if (!req.readableEnded) req.resume();
    if (res.destroyed || res.writableEnded || req.socket.destroyed) return;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const instance = (req.url ?? '').split('?')[0]?.slice(0, 256);
    const problem = toProblem(error, instance);
    if (problem.status >= 500 && !LatticeError.isLatticeError(error))
      this.wiring.logger.error({ err: error, path: instance, requestId }, 'gateway request failed');
    const body = JSON.stringify(problem);
    const headers: Record<string, string> = {
      'content-type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
      'content-length': String(Buffer.byteLength(body)),
      'x-request-id': requestId,
    };
    const retryAfterMs = (problem as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof retryAfterMs === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
    if (problem.status === 413 || problem.status === 400) res.shouldKeepAlive = false;
    res.writeHead(problem.status, headers);
    res.end(body);
  }

  private observe(route: string, status: number, started: number): void {
    const duration = this.duration;
    if (duration === undefined) return;
    // One labelled child per route and status (both bounded), made once: prom-client then skips
    // building and checking a label object per request.
    let byStatus = this.observers.get(route);
    if (byStatus === undefined) {
      byStatus = new Map<number, (seconds: number) => void>();
      this.observers.set(route, byStatus);
    }
    let observe = byStatus.get(status);
    if (observe === undefined) {
      const child = duration.labels({ route, status: String(status) });
      byStatus.set(status, (observe = (seconds) => child.observe(seconds)));
    }
    observe((performance.now() - started) / 1000);
  }

  private sleep(ms: number, signal: LightSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.wiring.clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        this.wiring.clock.clearTimeout(timer);
        resolve();
      };
      signal.addEventListener('abort', onAbort);
    });
  }
}

const BEARER_PREFIX = 'Bearer ';

function hasBearerPrefix(header: string | undefined): header is string {
  return (
    header !== undefined &&
    header.length > BEARER_PREFIX.length &&
    header.charCodeAt(BEARER_PREFIX.length - 1) === 32 &&
    header.slice(0, BEARER_PREFIX.length - 1).toLowerCase() === 'bearer'
  );
}

function bearerOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
  return m?.[1];
}

function rateKey(route: CompiledRoute, principal: Principal | undefined, req: IncomingMessage): string {
  const ip = `ip:${req.socket.remoteAddress ?? ''}`;
  switch (route.rateLimit?.keyBy) {
    case 'ip':
      return ip;
    case 'user':
      return principal?.kind === 'user' ? `u:${principal.id}` : ip;
    case 'saas':
      return principal?.saasKey === undefined ? ip : `s:${principal.saasKey}`;
    default:
      if (principal === undefined) return ip;
      return principal.kind === 'user' ? `u:${principal.id}` : `s:${principal.saasKey ?? principal.id}`;
  }
}

/** The statuses an attempt counts as failures: the breaker's (if any) and the retry's (if it may retry). */
function failingStatuses(route: CompiledRoute, breaker: boolean, canRetry: boolean): ReadonlySet<number> | undefined {
  const breakerStatuses = breaker ? (route.breakerStatuses ?? DEFAULT_BREAKER_STATUSES) : undefined;
  const retryStatuses = canRetry ? route.retryStatuses : undefined;
  if (retryStatuses === undefined || retryStatuses.size === 0) return breakerStatuses;
  if (breakerStatuses === undefined) return retryStatuses;
  return new Set([...breakerStatuses, ...retryStatuses]);
}

function isRetryable(error: unknown): boolean {
  if (error instanceof BreakerOpenError) return false;
  if (error instanceof GatewayUpstreamError) return true;
  return LatticeError.isLatticeError(error) ? error.retryable && error.status >= 500 : defaultRecordError(error);
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        reject(new GatewayPayloadTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

function limitStream(maxBytes: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) done(new GatewayPayloadTooLargeError(maxBytes));
      else done(null, chunk);
    },
  });
}

function validateJson(route: CompiledRoute, body: Buffer): void {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new GatewayBodyInvalidError(['body is not valid JSON'], true);
  }
  const validate = route.validateBody;
  if (validate !== undefined && !validate(value)) {
    throw new GatewayBodyInvalidError(
      (validate.errors ?? []).map((e) => `${e.instancePath === '' ? '/' : e.instancePath}: ${e.message ?? 'invalid'}`),
    );
  }
}

function corsFor(
  cors: NonNullable<CompiledRoute['cors']>,
  origin: string | undefined,
): Record<string, string> | undefined {
  if (origin === undefined) return undefined;
  const any = cors.allowedOrigins.includes('*');
  if (!any && !cors.allowedOrigins.includes(origin)) return { vary: 'Origin' };
  return {
    'access-control-allow-origin': any && !cors.allowCredentials ? '*' : origin,
    vary: 'Origin',
    ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
  };
}

function corsPreflight(
  cors: NonNullable<CompiledRoute['cors']>,
  base: Record<string, string> | undefined,
): Record<string, string> {
  if (base?.['access-control-allow-origin'] === undefined) return base ?? {};
  return {
    ...base,
    'access-control-allow-methods': cors.allowedMethods.join(', '),
    'access-control-allow-headers': cors.allowedHeaders.join(', '),
    'access-control-max-age': String(cors.maxAgeSeconds),
  };
}
