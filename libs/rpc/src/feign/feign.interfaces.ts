import type { Type } from '@nestjs/common';
import type { Clock } from '@lattice/core';
import type { DiscoveryClient } from '@lattice/discovery';
import type { CircuitBreakerOptions, RetryOptions } from '@lattice/resilience';
import type { MetricsRegistry } from '@lattice/telemetry';

/** HTTP verbs of a declarative client method. */
export type FeignVerb = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/**
 * Resilience of a declarative client's calls; set on the client (`@FeignClient`) and
 * overridden per method (`@FeignPolicy`). They compose as
 * fallback ∘ retry ∘ (pick instance) ∘ breaker(instance + method) ∘ timeout ∘ HTTP call.
 *
 * @example
 * ```ts
 * const policy: FeignPolicyOptions = { timeoutMs: 2_000, retry: { maxAttempts: 2 }, circuitBreaker: { minimumCalls: 10 } };
 * ```
 */
export interface FeignPolicyOptions {
  /** Deadline of one attempt, in ms. @default 5000 */
  timeoutMs?: number;
  /**
   * Retries of retryable failures (502/503/504, connection errors, timeouts), each on another
   * instance when there is one; `false` = none. On `@FeignClient` it applies to idempotent verbs
   * (GET, HEAD, PUT, DELETE, OPTIONS) only; POST and PATCH retry only with a method-level `@FeignPolicy({ retry })`.
   * @default { maxAttempts: 3, initialDelayMs: 20 } for idempotent verbs; none for POST and PATCH
   */
  retry?: Omit<RetryOptions, 'clock'> | false;
  /** Breaker per instance + method (5xx and connection errors count, 4xx do not); `false` = off. @default resilience defaults */
  circuitBreaker?: Omit<CircuitBreakerOptions, 'clock'> | false;
}

/**
 * What a request interceptor sees and may change before the request leaves (Feign's
 * `RequestInterceptor`): add headers, rewrite query parameters.
 *
 * @example
 * ```ts
 * const request: FeignRequest = { client: 'DeviceApi', method: 'getDevice', verb: 'GET', path: '/v1/devices/d1', query: {}, headers: {}, body: undefined };
 * ```
 */
export interface FeignRequest {
  /** The declaring class's name. */
  readonly client: string;
  /** The called method's name. */
  readonly method: string;
  readonly verb: FeignVerb;
  /** Path with parameters filled in (before the query string). */
  path: string;
  /** Query parameters; arrays become repeated parameters. */
  readonly query: Record<string, string | string[]>;
  /** Request headers (lower-case names). */
  readonly headers: Record<string, string>;
  /** The body (sent as JSON), or undefined. */
  body: unknown;
}

/**
 * Runs before every request of a client (auth headers, tenant ids, ...). In Nest, list
 * classes: they are taken from the module's providers, or built with their dependencies.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class ServiceTokenInterceptor implements FeignRequestInterceptor {
 *   constructor(private readonly tokens: TokenService) {}
 *   async intercept(request: FeignRequest) { request.headers['authorization'] = `Bearer ${await this.tokens.get()}`; }
 * }
 * ```
 */
export interface FeignRequestInterceptor {
  intercept(request: FeignRequest): void | Promise<void>;
}

/**
 * Options of `@FeignClient()`: where the service is and how to call it.
 *
 * @example
 * ```ts
 * @FeignClient({ service: 'device', path: '/v1', timeoutMs: 2_000, interceptors: [ServiceTokenInterceptor], fallback: DeviceApiFallback })
 * export abstract class DeviceApi { ... }
 * ```
 */
export interface FeignClientOptions extends FeignPolicyOptions {
  /** Service name in discovery. Required unless `url` is set. */
  service?: string;
  /** A fixed base URL (`http://host:port`) instead of discovery. @default none */
  url?: string;
  /** Path prefix of every method, e.g. `/v1`. @default '' */
  path?: string;
  /** Name of the instance port carrying HTTP. @default 'http' */
  portName?: string;
  /** Load-balancing strategy name from discovery's balancer registry. @default 'p2c' */
  balancer?: string;
  /** Keep-alive connections per instance. @default 16 */
  connectionsPerInstance?: number;
  /** Idle keep-alive connections are closed after this long, in ms. @default 30000 */
  keepAliveTimeoutMs?: number;
  /** Headers sent with every request. @default {} */
  headers?: Readonly<Record<string, string>>;
  /** Request interceptors, run in order (classes resolved through Nest, or instances). @default [] */
  interceptors?: readonly (Type<FeignRequestInterceptor> | FeignRequestInterceptor)[];
  /**
   * A class with the same methods, answering when a call fails with a server-side failure
   * (5xx, connection error, timeout, open breaker); 4xx errors are never replaced. Its
   * methods get the call's arguments followed by the error. @default none
   */
  fallback?: Type<object> | object;
}

/**
 * What {@link FeignClientFactory} needs besides the declarations.
 *
 * @example
 * ```ts
 * const factory = new FeignClientFactory({ discovery, metrics });
 * ```
 */
export interface FeignFactoryOptions {
  /** Discovery client for clients declared with `service`. @default none (only `url` clients work) */
  discovery?: DiscoveryClient;
  /** `lattice_rpc_http_client_duration_seconds{service,method,status}` and breaker metrics go here. @default none */
  metrics?: MetricsRegistry;
  /** Interceptors run before every client's own. @default [] */
  interceptors?: readonly FeignRequestInterceptor[];
  /** Resolves interceptor and fallback classes (Nest passes the module's injector). @default `new Class()` */
  resolve?: <T>(type: Type<T>) => Promise<T>;
  /** Time source of breakers, timeouts and back-off. @default systemClock */
  clock?: Clock;
}
