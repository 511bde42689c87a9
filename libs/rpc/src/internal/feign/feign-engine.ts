import { Pool } from 'undici';
import type { Attributes, Span } from '@opentelemetry/api';
import { LatticeError, type Clock } from '@lattice/core';
import type { CallHandle, CallOutcome, DiscoveryClient, ServiceBalancer, ServiceInstance } from '@lattice/discovery';
import {
  BreakerOpenError,
  CircuitBreakerPolicy,
  RetryExhaustedError,
  RetryPolicy,
  TimeoutPolicy,
  defaultRecordError,
  isRetryableError,
  type CallContext,
} from '@lattice/resilience';
import type { Histogram, MetricsRegistry } from '@lattice/telemetry';
import {
  RpcHttpConnectionError,
  RpcHttpDecodeError,
  RpcHttpError,
  RpcNoPortError,
  type RpcHttpCallData,
} from '../../rpc.errors.js';
import type {
  FeignClientOptions,
  FeignPolicyOptions,
  FeignRequest,
  FeignRequestInterceptor,
  FeignVerb,
} from '../../feign/feign.interfaces.js';
import { endHttpSpan, propagates, startHttpClientSpan } from '../trace-carrier.js';
import { bufferedRequest } from './buffered-exchange.js';
import type { ParamBinding } from './feign-metadata.js';

/** Defaults of a declarative client (one constant, merged once). */
export const FEIGN_DEFAULTS = {
  path: '',
  portName: 'http',
  balancer: 'p2c',
  connectionsPerInstance: 16,
  keepAliveTimeoutMs: 30_000,
  timeoutMs: 5_000,
  idempotentRetry: { maxAttempts: 3, initialDelayMs: 20 },
} as const;

/** How long after the policy's timeout undici itself gives up on a request (cleanup only). */
const CLEANUP_GRACE_MS = 1_000;

const IDEMPOTENT: ReadonlySet<FeignVerb> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export interface DeclaredMethod {
  readonly name: string;
  readonly verb: FeignVerb;
  readonly path: string;
  readonly params: ReadonlyMap<number, ParamBinding>;
  readonly policy: FeignPolicyOptions | undefined;
}

interface MethodRuntime extends DeclaredMethod {
  readonly operation: string;
  /** `{ key: operation }`, the policies' context for this method (made once). */
  readonly context: CallContext;
  readonly timeout: TimeoutPolicy;
  /** When undici itself gives up on a request: later than the policy's deadline (cleanup only). */
  readonly undiciTimeoutMs: number;
  readonly retry: RetryPolicy | undefined;
  readonly breaker: CircuitBreakerPolicy | undefined;
  readonly segments: readonly (string | { param: number })[];
  /** Bindings of the parameters that fill the query, headers and body, in argument order. */
  readonly bindings: readonly { readonly index: number; readonly binding: ParamBinding }[];
  readonly spanName: string;
  readonly spanAttributes: Attributes;
  /** Duration observers labelled with this method and a status, resolved once each. */
  readonly observers: Map<string, (seconds: number) => void>;
}

interface Target {
  readonly id: string;
  readonly origin: string;
  readonly pool: Pool;
  /** `{ key: id }`, the breaker's context for this instance (made once). */
  readonly context: CallContext;
  /** The discovery entry the origin was last checked against (same object: same origin). */
  checked: ServiceInstance | undefined;
}

/** One call in progress, shared by its attempts. */
interface Exchange {
  readonly m: MethodRuntime;
  readonly request: FeignRequest;
  /** Path with the query string. */
  readonly path: string;
  /** Instances tried so far: the first, then a set from the second on (most calls make one attempt). */
  firstTried: string | undefined;
  moreTried: Set<string> | undefined;
  /** The JSON body, encoded by the first attempt. */
  body: string | undefined;
  encoded: boolean;
}

const OK: CallOutcome = { ok: true };
/** Pick context without a hash key (strategies only read it). */
const NO_KEY: { key?: string } = Object.freeze({});
const FAILED: CallOutcome = { ok: false };

export interface EngineWiring {
  readonly className: string;
  readonly discovery: DiscoveryClient | undefined;
  readonly metrics: MetricsRegistry | undefined;
  readonly clock: Clock;
  readonly interceptors: readonly FeignRequestInterceptor[];
  readonly fallback: object | undefined;
}

/** Runs the calls of one declared client: request building, balancing, pools, policies, decoding. */
export class FeignEngine {
  private readonly targets = new Map<string, Target>();
  private readonly instances = new Map<string, ServiceInstance>();
  private readonly methods = new Map<string, MethodRuntime>();
  private readonly balancer: ServiceBalancer | undefined;
  private readonly unwatch: (() => void) | undefined;
  private readonly duration: Histogram<'service' | 'method' | 'status'> | undefined;
  private readonly serviceLabel: string;
  private readonly staticHeaders: Readonly<Record<string, string>>;

  constructor(
    private readonly options: FeignClientOptions,
    declared: readonly DeclaredMethod[],
    private readonly wiring: EngineWiring,
  ) {
    this.serviceLabel = options.service ?? options.url ?? 'unknown';
    this.staticHeaders = lowerKeys(options.headers ?? {});
    this.duration = wiring.metrics?.histogram({
      name: 'lattice_rpc_http_client_duration_seconds',
      help: 'Duration of outgoing declarative HTTP calls by service, method and status',
      labelNames: ['service', 'method', 'status'],
    });
    for (const method of declared) this.methods.set(method.name, this.runtime(method));
    if (options.url === undefined && wiring.discovery !== undefined && options.service !== undefined) {
      const service = options.service;
      this.balancer = wiring.discovery.balancer(service, { strategy: options.balancer ?? FEIGN_DEFAULTS.balancer });
      this.unwatch = wiring.discovery.watch(service, (event) => {
        const live = new Set(event.instances.map((i) => i.instanceId));
        for (const id of [...this.targets.keys()]) if (!live.has(id)) this.dropTarget(id);
      });
    }
  }

  /**
   * Makes the call of `method` with the declared method's arguments. Promise chains rather than
   * async functions on the way of a call without interceptors, so that a call needs no frames of
   * its own; interceptors (which may be async) run first in {@link callIntercepted}.
   */
  call(method: string, args: readonly unknown[]): Promise<unknown> {
    const m = this.methods.get(method);
    if (m === undefined) return Promise.reject(new Error(`unreachable: ${method} is not declared`));
    const startedAt = performance.now();
    try {
      const request = this.buildRequest(m, args);
      if (this.wiring.interceptors.length > 0) return this.callIntercepted(m, args, request, startedAt);
      return this.dispatch(m, args, request, startedAt);
    } catch (error) {
      return this.failed(m, args, error, startedAt);
    }
  }

  private async callIntercepted(
    m: MethodRuntime,
    args: readonly unknown[],
    request: FeignRequest,
    startedAt: number,
  ): Promise<unknown> {
    try {
      for (const interceptor of this.wiring.interceptors) {
        const pending = interceptor.intercept(request);
        if (pending !== undefined) await pending;
      }
      return this.dispatch(m, args, request, startedAt);
    } catch (error) {
      return this.failed(m, args, error, startedAt);
    }
  }

  /** Retry ∘ attempts, then the outcome: the result, or {@link failed}. */
  private dispatch(
    m: MethodRuntime,
    args: readonly unknown[],
    request: FeignRequest,
    startedAt: number,
  ): Promise<unknown> {
    const exchange: Exchange = {
      m,
      request,
      path: hasKeys(request.query) ? request.path + queryString(request.query) : request.path,
      firstTried: undefined,
      moreTried: undefined,
      body: undefined,
      encoded: false,
    };
    const pending = m.retry ? m.retry.execute(() => this.attempt(exchange), m.context) : this.attempt(exchange);
    return pending.then(
      (result) => {
        this.observe(m, 'OK', startedAt);
        return result;
      },
      // After the last attempt the caller sees the last failure itself, with its status.
      (error: unknown) =>
        this.failed(m, args, error instanceof RetryExhaustedError ? (error.cause ?? error) : error, startedAt),
    );
  }

  /** A failed call: the fallback's answer for failures that count (never 4xx), else the error. */
  private failed(m: MethodRuntime, args: readonly unknown[], error: unknown, startedAt: number): Promise<unknown> {
    try {
      const fallback = this.wiring.fallback as Record<string, unknown> | undefined;
      const handler = fallback?.[m.name];
      if (typeof handler === 'function' && defaultRecordError(error)) {
        return Promise.resolve((handler as (...a: unknown[]) => unknown).call(fallback, ...args, error));
      }
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the call's own failure, passed on unchanged
      return Promise.reject(error);
    } catch (fallbackError) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the fallback's own failure, passed on unchanged
      return Promise.reject(fallbackError);
    } finally {
      this.observe(m, statusLabel(error), startedAt);
    }
  }

  /** Records the call's duration under its status (never throws). */
  private observe(m: MethodRuntime, status: string, startedAt: number): void {
    if (this.duration === undefined) return;
    try {
      this.observer(m, status)((performance.now() - startedAt) / 1000);
    } catch {
      // Telemetry never throws into the request path.
    }
  }

  async close(): Promise<void> {
    this.unwatch?.();
    const pools = [...this.targets.values()].map((t) => t.pool);
    this.targets.clear();
    this.instances.clear();
    for (const m of this.methods.values()) m.breaker?.close();
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
  }

  private runtime(method: DeclaredMethod): MethodRuntime {
    const merged: FeignPolicyOptions = { ...pickPolicy(this.options), ...(method.policy ?? {}) };
    const operation = `${this.wiring.className}.${method.name}`;
    const wiring = { name: operation, ...(this.wiring.metrics ? { metrics: this.wiring.metrics } : {}) };
    const clock = this.wiring.clock;
    // The client's retry applies to idempotent verbs only; POST and PATCH retry when the method says so.
    const retryOptions =
      method.policy?.retry ??
      (IDEMPOTENT.has(method.verb) ? (this.options.retry ?? FEIGN_DEFAULTS.idempotentRetry) : false);
    const full = (this.options.path ?? FEIGN_DEFAULTS.path) + method.path;
    const timeoutMs = merged.timeoutMs ?? FEIGN_DEFAULTS.timeoutMs;
    return {
      ...method,
      operation,
      context: { key: operation },
      timeout: new TimeoutPolicy({ timeoutMs, clock }, wiring),
      undiciTimeoutMs: timeoutMs + CLEANUP_GRACE_MS,
      retry:
        retryOptions === false
          ? undefined
          : new RetryPolicy(
              {
                retryOn: (e) => isRetryableError(e) || e instanceof BreakerOpenError,
                ...retryOptions,
                clock,
              },
              wiring,
            ),
      breaker:
        merged.circuitBreaker === false
          ? undefined
          : new CircuitBreakerPolicy(
              {
                recordError: (e) => defaultRecordError(e) && !(e instanceof BreakerOpenError),
                ...(merged.circuitBreaker ?? {}),
                clock,
              },
              wiring,
            ),
      segments: compilePath(full, method.params),
      bindings: [...method.params]
        .filter(([, binding]) => binding.kind !== 'path')
        .map(([index, binding]) => ({ index, binding })),
      spanName: `${method.verb} ${operation}`,
      spanAttributes: Object.freeze({ 'http.request.method': method.verb }),
      observers: new Map(),
    };
  }

  /** The duration histogram's child for a method and status, labelled once. */
  private observer(m: MethodRuntime, status: string): (seconds: number) => void {
    let observe = m.observers.get(status);
    if (observe === undefined) {
      const child = this.duration?.labels({ service: this.serviceLabel, method: m.name, status });
      observe = child === undefined ? () => undefined : (seconds) => child.observe(seconds);
      m.observers.set(status, observe);
    }
    return observe;
  }

  private buildRequest(m: MethodRuntime, args: readonly unknown[]): FeignRequest {
    const query: Record<string, string | string[]> = {};
    const headers: Record<string, string> = { ...this.staticHeaders };
    let body: unknown;
    for (const { index, binding } of m.bindings) {
      const value = args[index];
      if (binding.kind === 'body') body = value;
      else if (binding.kind === 'query') addQuery(query, binding.name, value);
      else if (binding.kind === 'header') addHeaders(headers, binding.name, value);
    }
    let path = '';
    for (const segment of m.segments) {
      path += typeof segment === 'string' ? segment : encodeURIComponent(String(args[segment.param]));
    }
    return { client: this.wiring.className, method: m.name, verb: m.verb, path, query, headers, body };
  }

  /**
   * One attempt of the retry policy: pick an instance, then breaker ∘ timeout ∘ HTTP. An open
   * breaker refused before anything was sent, so moving to another instance is safe for every
   * verb (and is not a retry). Promise chains rather than an async function: once discovery has
   * loaded, picking is synchronous and the attempt needs no frame of its own.
   */
  private attempt(x: Exchange): Promise<unknown> {
    try {
      const picked = this.pick(x);
      return picked instanceof Promise ? picked.then((target) => this.attemptOn(target, x)) : this.attemptOn(picked, x);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on unchanged
      return Promise.reject(error);
    }
  }

  private attemptOn(target: Target, x: Exchange): Promise<unknown> {
    const m = x.m;
    markTried(x, target.id);
    const instance = this.instances.get(target.id);
    const handle: CallHandle | undefined = instance === undefined ? undefined : this.balancer?.begin(instance);
    const known = instance !== undefined;
    // The timeout policy decides (TimeoutError at the deadline); undici's own per-request
    // timers then tear the request down, which spares an AbortSignal per call (measured ~15%).
    const send = (): Promise<unknown> => m.timeout.execute(() => this.send(target, known, x), m.context);
    return (m.breaker ? m.breaker.execute(send, target.context) : send()).then(
      (result) => {
        handle?.end(OK);
        return result;
      },
      (error: unknown) => {
        handle?.end(!defaultRecordError(error) || error instanceof BreakerOpenError ? OK : FAILED);
        if (!(error instanceof BreakerOpenError) || !this.hasUntried(x)) throw error;
        return this.attempt(x);
      },
    );
  }

  private hasUntried(x: Exchange): boolean {
    return this.balancer?.currentCandidates().some((i) => !wasTried(x, i.instanceId)) ?? false;
  }

  /** What errors of a call on `target` carry (built only when one is thrown); `known`: a discovered instance. */
  private callData(target: Target, known: boolean, x: Exchange): RpcHttpCallData {
    return {
      service: this.serviceLabel,
      operation: x.m.operation,
      verb: x.m.verb,
      path: x.path,
      ...(known ? { instanceId: target.id } : {}),
    };
  }

  private async send(target: Target, known: boolean, x: Exchange): Promise<unknown> {
    const m = x.m;
    // The request's own headers object is sent as is unless a propagator adds trace context,
    // which then goes into a copy per attempt (each attempt has its own span).
    const tracing = propagates();
    const headers = tracing ? { ...x.request.headers } : x.request.headers;
    const span: Span = startHttpClientSpan(m.spanName, m.spanAttributes, tracing ? headers : undefined);
    if (!x.encoded) {
      x.body = x.request.body === undefined ? undefined : JSON.stringify(x.request.body);
      x.encoded = true;
    }
    if (x.body !== undefined) headers['content-type'] ??= 'application/json';
    let statusCode: number | undefined;
    let stage = 'request';
    try {
      const response = await bufferedRequest(target.pool, {
        method: m.verb,
        path: x.path,
        headers,
        // Later than the policy's deadline, so callers always see the policy's TimeoutError.
        headersTimeout: m.undiciTimeoutMs,
        bodyTimeout: m.undiciTimeoutMs,
        body: x.body ?? null,
      });
      statusCode = response.statusCode;
      const json = String(response.headers['content-type'] ?? '').includes('json');
      const text = response.body.toString('utf8');
      stage = 'decode';
      if (statusCode >= 400) {
        throw new RpcHttpError(
          this.callData(target, known, x),
          statusCode,
          json ? parseProblem(text) : undefined,
          text,
        );
      }
      endHttpSpan(span, statusCode, undefined);
      if (text === '' || m.verb === 'HEAD') return undefined;
      if (!json) return text;
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new RpcHttpDecodeError(this.callData(target, known, x), statusCode, error);
      }
    } catch (error) {
      // Anything thrown before the answer was read is the connection's fault.
      const typed =
        stage === 'request' && !LatticeError.isLatticeError(error)
          ? new RpcHttpConnectionError(this.callData(target, known, x), reasonOf(error), error)
          : error;
      endHttpSpan(span, statusCode, typed instanceof Error ? typed.message : String(typed));
      throw typed;
    }
  }

  private pick(x: Exchange): Target | Promise<Target> {
    if (this.options.url !== undefined) return this.target('url', this.options.url);
    const balancer = this.balancer;
    if (balancer === undefined) throw new Error('unreachable: no discovery');
    // Once discovery has answered, picking is synchronous (no promise per call).
    if (this.loaded) return this.targetFor(balancer.pick(NO_KEY), x);
    return balancer.choose(NO_KEY).then((instance) => {
      this.loaded = true;
      return this.targetFor(instance, x);
    });
  }

  private loaded = false;

  private targetFor(chosen: ServiceInstance, x: Exchange): Target {
    const balancer = this.balancer!;
    let instance = chosen;
    if (wasTried(x, instance.instanceId)) {
      // A retry goes to an instance not tried yet, chosen by the same strategy.
      const fresh = balancer.currentCandidates().filter((i) => !wasTried(x, i.instanceId));
      instance = (fresh.length > 0 ? balancer.strategy.pick(fresh, {}) : undefined) ?? instance;
    }
    const known = this.targets.get(instance.instanceId);
    // Same discovery entry as last time: same origin, no string to build and compare.
    if (known !== undefined && known.checked === instance) return known;
    const portName = this.options.portName ?? FEIGN_DEFAULTS.portName;
    const port = instance.ports[portName];
    if (port === undefined) throw new RpcNoPortError(balancer.service, instance.instanceId, portName);
    this.instances.set(instance.instanceId, instance);
    const host = instance.host.includes(':') ? `[${instance.host}]` : instance.host;
    const target = this.target(instance.instanceId, `http://${host}:${port}`);
    target.checked = instance;
    return target;
  }

  private target(id: string, origin: string): Target {
    const existing = this.targets.get(id);
    if (existing !== undefined && existing.origin === origin) return existing;
    if (existing !== undefined) this.dropTarget(id);
    const pool = new Pool(origin, {
      connections: this.options.connectionsPerInstance ?? FEIGN_DEFAULTS.connectionsPerInstance,
      keepAliveTimeout: this.options.keepAliveTimeoutMs ?? FEIGN_DEFAULTS.keepAliveTimeoutMs,
      pipelining: 1,
    });
    const target: Target = { id, origin, pool, context: { key: id }, checked: undefined };
    this.targets.set(id, target);
    return target;
  }

  private dropTarget(id: string): void {
    const target = this.targets.get(id);
    if (target === undefined) return;
    this.targets.delete(id);
    this.instances.delete(id);
    void target.pool.destroy().catch(() => undefined);
  }
}

function markTried(x: Exchange, id: string): void {
  if (x.firstTried === undefined) x.firstTried = id;
  else if (x.firstTried !== id) (x.moreTried ??= new Set()).add(id);
}

function wasTried(x: Exchange, id: string): boolean {
  return x.firstTried === id || (x.moreTried?.has(id) ?? false);
}

function pickPolicy(options: FeignPolicyOptions): FeignPolicyOptions {
  const out: FeignPolicyOptions = {};
  if (options.timeoutMs !== undefined) out.timeoutMs = options.timeoutMs;
  if (options.retry !== undefined) out.retry = options.retry;
  if (options.circuitBreaker !== undefined) out.circuitBreaker = options.circuitBreaker;
  return out;
}

/** Splits `/v1/devices/:id/state` into literal parts and argument slots. */
export function compilePath(path: string, params: ReadonlyMap<number, ParamBinding>): (string | { param: number })[] {
  const slots = new Map<string, number>();
  for (const [index, binding] of params) if (binding.kind === 'path') slots.set(binding.name, index);
  const out: (string | { param: number })[] = [];
  let literal = '';
  for (const part of path.split(/(:[A-Za-z_][A-Za-z0-9_]*)/)) {
    const slot = part.startsWith(':') ? slots.get(part.slice(1)) : undefined;
    if (slot === undefined) literal += part;
    else {
      if (literal) out.push(literal);
      literal = '';
      out.push({ param: slot });
    }
  }
  if (literal) out.push(literal);
  return out;
}

function addQuery(query: Record<string, string | string[]>, name: string | undefined, value: unknown): void {
  if (value === undefined || value === null) return;
  if (name === undefined) {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value)) addQuery(query, k, v);
    return;
  }
  query[name] = Array.isArray(value) ? value.map((v) => scalar(v)) : scalar(value);
}

function addHeaders(headers: Record<string, string>, name: string | undefined, value: unknown): void {
  if (value === undefined || value === null) return;
  if (name === undefined) {
    if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value))
        if (v !== undefined && v !== null) headers[k.toLowerCase()] = scalar(v);
    }
    return;
  }
  headers[name] = scalar(value);
}

/** A parameter value as text: objects as JSON, everything else with String(). */
function scalar(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function hasKeys(record: object): boolean {
  for (const _ in record) return true;
  return false;
}

function queryString(query: Record<string, string | string[]>): string {
  let out = '';
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      out += `${out ? '&' : '?'}${encodeURIComponent(key)}=${encodeURIComponent(v)}`;
    }
  }
  return out;
}

function lowerKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function parseProblem(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}

function statusLabel(error: unknown): string {
  if (error instanceof RpcHttpError) return String(error.data.httpStatus);
  if (LatticeError.isLatticeError(error)) return error.code;
  return 'ERROR';
}
