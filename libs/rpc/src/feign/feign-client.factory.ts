import type { Type } from '@nestjs/common';
import { InvalidOptionsError, systemClock, type ValidationProblem } from '@lattice/core';
import { classMetadata, type ClassMetadata } from '../internal/feign/feign-metadata.js';
import { FeignEngine, type DeclaredMethod } from '../internal/feign/feign-engine.js';
import type { FeignFactoryOptions, FeignRequestInterceptor } from './feign.interfaces.js';

/** A class (abstract or not) declared with `@FeignClient`. */
type Declaration<T> = abstract new (...args: never[]) => T;

/**
 * Builds declarative HTTP clients from `@FeignClient` classes; what `RpcModule.forFeature()`
 * uses, and usable on its own outside Nest. Owns the clients' keep-alive pools: `close()` (or
 * Nest's shutdown) closes them.
 *
 * @example
 * ```ts
 * const factory = new FeignClientFactory({ discovery });
 * const devices = await factory.create(DeviceApi);
 * const device = await devices.getDevice('d1');
 * await factory.close();
 * ```
 */
export class FeignClientFactory {
  private readonly engines: FeignEngine[] = [];

  constructor(private readonly options: FeignFactoryOptions = {}) {}

  /**
   * Validates the declaration (every problem listed) and returns an instance of it whose
   * declared methods make the HTTP calls.
   *
   * @example
   * ```ts
   * const devices: DeviceApi = await factory.create(DeviceApi);
   * ```
   */
  async create<T extends object>(declaration: Declaration<T>): Promise<T> {
    const name = declaration.name;
    const meta = inheritedMetadata(declaration);
    const client = meta?.client;
    const problems: ValidationProblem[] = [];
    if (meta === undefined || client === undefined) {
      problems.push({ path: name, message: 'is not decorated with @FeignClient({ service, path })' });
    } else {
      if (client.url === undefined && client.service === undefined) {
        problems.push({ path: 'service', message: 'set a discovery service name or a fixed url' });
      }
      if (client.url === undefined && client.service !== undefined && this.options.discovery === undefined) {
        problems.push({ path: 'service', message: 'needs a DiscoveryClient (import DiscoveryModule)' });
      }
      if (client.timeoutMs !== undefined && !(client.timeoutMs > 0)) {
        problems.push({ path: 'timeoutMs', message: 'must be > 0' });
      }
    }
    const declared: DeclaredMethod[] = [];
    for (const [method, m] of meta?.methods ?? []) {
      if (m.verb === undefined || m.path === undefined) {
        problems.push({ path: method, message: 'has parameter decorators but no @GetMapping/@PostMapping/...' });
        continue;
      }
      const bound = new Set([...m.params.values()].flatMap((p) => (p.kind === 'path' ? [p.name] : [])));
      const full = (client?.path ?? '') + m.path;
      for (const match of full.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)) {
        if (!bound.has(match[1]!)) problems.push({ path: method, message: `no @PathVariable('${match[1]}')` });
      }
      if ([...m.params.values()].filter((p) => p.kind === 'body').length > 1) {
        problems.push({ path: method, message: 'has more than one @RequestBody()' });
      }
      if (m.policy?.timeoutMs !== undefined && !(m.policy.timeoutMs > 0)) {
        problems.push({ path: `${method}.timeoutMs`, message: 'must be > 0' });
      }
      declared.push({ name: method, verb: m.verb, path: m.path, params: m.params, policy: m.policy });
    }
    if (problems.length > 0 || client === undefined) throw new InvalidOptionsError(`@FeignClient ${name}`, problems);

    const resolve = this.options.resolve ?? (<R>(type: Type<R>) => Promise.resolve(new type()));
    const interceptors: FeignRequestInterceptor[] = [...(this.options.interceptors ?? [])];
    for (const i of client.interceptors ?? []) {
      interceptors.push(typeof i === 'function' ? await resolve(i) : i);
    }
    const fallback =
      client.fallback === undefined
        ? undefined
        : typeof client.fallback === 'function'
          ? await resolve(client.fallback as Type<object>)
          : client.fallback;
    const engine = new FeignEngine(client, declared, {
      className: name,
      discovery: this.options.discovery,
      metrics: this.options.metrics,
      clock: this.options.clock ?? systemClock,
      interceptors,
      fallback,
    });
    this.engines.push(engine);
    // An instance of the declaration (instanceof holds) whose declared methods call out.
    const instance = Object.create(declaration.prototype as object) as Record<string, unknown>;
    for (const method of declared) {
      const key = method.name;
      Object.defineProperty(instance, key, {
        value: (...args: unknown[]) => engine.call(key, args),
        enumerable: false,
      });
    }
    return instance as T;
  }

  /** Closes every client's pools and breakers. */
  async close(): Promise<void> {
    const engines = this.engines.splice(0);
    await Promise.all(engines.map((e) => e.close()));
  }

  /** Nest hook. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

/** The declarations of a class and its ancestors: the nearest @FeignClient, methods overridden by subclasses. */
function inheritedMetadata(declaration: object): ClassMetadata | undefined {
  const chain: ClassMetadata[] = [];
  for (
    let c: object | null = declaration;
    c !== null && c !== Function.prototype;
    c = Object.getPrototypeOf(c) as object | null
  ) {
    const own = classMetadata(c);
    if (own !== undefined) chain.push(own);
  }
  if (chain.length === 0) return undefined;
  const merged: ClassMetadata = { methods: new Map() };
  for (const own of chain.reverse()) {
    if (own.client !== undefined) merged.client = own.client;
    for (const [method, m] of own.methods) merged.methods.set(method, m);
  }
  return merged;
}
