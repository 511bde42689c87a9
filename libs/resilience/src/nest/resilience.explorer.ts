import { Inject, Injectable, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { InjectLogger, type Logger } from '@lattice/telemetry';
import type { PipelineOptions } from '../pipeline/pipeline.interfaces.js';
import type { ResiliencePipeline } from '../pipeline/resilience-pipeline.js';
import { ResilienceRegistry } from '../registry/resilience-registry.js';
import type { ResilienceModuleOptions } from '../resilience.interfaces.js';
import { RESILIENCE_MODULE_OPTIONS } from '../resilience.module-definition.js';
import { ResilienceConnection } from './resilience-connection.js';
import {
  Bulkhead,
  CircuitBreaker,
  Fallback,
  RateLimit,
  Retry,
  Timeout,
  type FallbackDecoratorOptions,
  type RateLimitDecoratorOptions,
} from './resilience.decorators.js';

type AnyMethod = (...args: unknown[]) => unknown;
type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/**
 * Finds provider methods carrying the resilience decorators at bootstrap and puts each behind
 * its pipeline; subscribes to the live rules; closes everything on shutdown.
 */
@Injectable()
export class ResilienceExplorer implements OnModuleInit, OnApplicationShutdown {
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: ResilienceRegistry,
    private readonly connection: ResilienceConnection,
    @Inject(RESILIENCE_MODULE_OPTIONS) private readonly options: ResilienceModuleOptions,
    @Optional() @InjectLogger() private readonly logger?: Logger,
  ) {}

  onModuleInit(): void {
    if (this.options.rules !== undefined) this.unwatch = this.registry.watch(this.options.rules, this.logger);
    for (const wrapper of this.discovery.getProviders()) this.explore(wrapper);
  }

  async onApplicationShutdown(): Promise<void> {
    this.unwatch?.();
    this.unwatch = undefined;
    await this.registry.close();
    await this.connection.close();
  }

  private explore(wrapper: InstanceWrapper): void {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (
      instance === undefined ||
      instance === null ||
      typeof instance !== 'object' ||
      !wrapper.isDependencyTreeStatic()
    )
      return;
    const prototype = Object.getPrototypeOf(instance) as object | null;
    if (prototype === null) return;
    for (const method of this.scanner.getAllMethodNames(prototype)) {
      const original = instance[method];
      if (typeof original !== 'function') continue;
      const rateLimit = this.discovery.getMetadataByDecorator(RateLimit, wrapper, method);
      const fallback = this.discovery.getMetadataByDecorator(Fallback, wrapper, method);
      const options: PipelineOptions = {};
      const breaker = this.discovery.getMetadataByDecorator(CircuitBreaker, wrapper, method);
      const retry = this.discovery.getMetadataByDecorator(Retry, wrapper, method);
      const bulkhead = this.discovery.getMetadataByDecorator(Bulkhead, wrapper, method);
      const timeout = this.discovery.getMetadataByDecorator(Timeout, wrapper, method);
      if (breaker !== undefined) options.circuitBreaker = breaker;
      if (retry !== undefined) options.retry = retry;
      if (bulkhead !== undefined) options.bulkhead = bulkhead;
      if (timeout !== undefined) options.timeout = timeout;
      if (rateLimit !== undefined) options.rateLimit = withoutDecoratorKeys(rateLimit);
      if (Object.keys(options).length === 0 && fallback === undefined) continue;
      const name = rateLimit?.policy ?? `${instance.constructor.name}.${method}`;
      const pipeline = this.registry.define(name, options);
      instance[method] = wrap(
        pipeline,
        name,
        original as AnyMethod,
        instance,
        rateLimit?.paramFrom as AnyMethod | undefined,
        fallback === undefined ? undefined : toFallback(fallback, instance, name),
      );
      this.logger?.debug(
        { policy: name, policies: [...Object.keys(options), ...(fallback ? ['fallback'] : [])] },
        'resilience policy attached',
      );
    }
  }
}

type FallbackHandler = (args: unknown[], error: unknown) => unknown;

function wrap(
  pipeline: ResiliencePipeline,
  key: string,
  original: AnyMethod,
  instance: object,
  paramFrom: AnyMethod | undefined,
  fallback: FallbackHandler | undefined,
): AnyMethod {
  return (...args: unknown[]) => {
    const result = pipeline.execute(() => original.apply(instance, args), {
      key,
      param: paramFrom === undefined ? undefined : (paramFrom(...args) as string | undefined),
    });
    // Fallback is the outermost policy, so applying it around the pipeline keeps the documented order.
    return fallback === undefined ? result : result.catch((error: unknown) => fallback(args, error));
  };
}

function withoutDecoratorKeys(options: RateLimitDecoratorOptions): PipelineOptions['rateLimit'] {
  const { paramFrom: _paramFrom, policy: _policy, ...rest } = options;
  return rest;
}

function toFallback(
  options: FallbackDecoratorOptions,
  instance: Record<string, unknown>,
  key: string,
): FallbackHandler {
  const { method, handler, value, when } = options;
  const target = method === undefined ? undefined : instance[method];
  if (method !== undefined && typeof target !== 'function')
    throw new TypeError(
      `@Fallback({ method: '${method}' }) on ${instance.constructor.name}: no such method; name a method of the same provider.`,
    );
  return (args, error) => {
    if (when !== undefined && !when(error)) throw error;
    if (target !== undefined) return (target as AnyMethod).call(instance, ...args, error);
    if (handler !== undefined) return handler(error, { key });
    return value;
  };
}
