import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { InvalidOptionsError, type ValidationProblem } from '@lattice/core';
import type { DiscoveryModuleOptions } from '../discovery.interfaces.js';
import type { InstanceDescriptor } from '../instance/service-instance.js';
import { REGISTRAR_DEFAULTS } from '../registration/instance-registrar.js';
import { KubernetesRegistry } from '../registry/kubernetes-registry.js';
import { MemoryRegistry } from '../registry/memory-registry.js';
import { RedisRegistry } from '../registry/redis-registry.js';
import type { ServiceRegistry } from '../registry/service-registry.interfaces.js';
import { StaticRegistry } from '../registry/static-registry.js';
import { descriptorProblems } from './instances.js';

const BACKENDS = ['memory', 'redis', 'kubernetes', 'static'];

/** Every problem of the module options, as `path: message`. */
export function optionProblems(options: DiscoveryModuleOptions): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const positive = (path: string, value: unknown): void => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0))
      problems.push({ path, message: 'must be a positive number of milliseconds' });
  };
  if (options.backend !== undefined && !BACKENDS.includes(options.backend))
    problems.push({ path: 'backend', message: `must be one of ${BACKENDS.join(', ')}` });
  positive('leaseTtlMs', options.leaseTtlMs);
  positive('renewIntervalMs', options.renewIntervalMs);
  const ttl = options.leaseTtlMs ?? REGISTRAR_DEFAULTS.leaseTtlMs;
  const renew = options.renewIntervalMs ?? REGISTRAR_DEFAULTS.renewIntervalMs;
  if (renew >= ttl)
    problems.push({
      path: 'renewIntervalMs',
      message: `must be shorter than leaseTtlMs (${ttl}); a third of it is usual`,
    });
  const ratio = options.selfPreservation?.thresholdRatio;
  if (ratio !== undefined && !(ratio > 0 && ratio <= 1))
    problems.push({
      path: 'selfPreservation.thresholdRatio',
      message: 'must be in (0, 1]; 1 turns self-preservation off',
    });
  const ejectRatio = options.balancer?.outlierEjection?.maxEjectedRatio;
  if (ejectRatio !== undefined && !(ejectRatio >= 0 && ejectRatio <= 1))
    problems.push({ path: 'balancer.outlierEjection.maxEjectedRatio', message: 'must be in [0, 1]' });
  const failures = options.balancer?.outlierEjection?.consecutiveFailures;
  if (failures !== undefined && !(Number.isInteger(failures) && failures >= 1))
    problems.push({ path: 'balancer.outlierEjection.consecutiveFailures', message: 'must be an integer ≥ 1' });
  if (options.instance !== undefined) {
    for (const problem of descriptorProblems(describeInstance(options, 0)))
      if (!problem.startsWith('ports.http')) {
        const [path, ...rest] = problem.split(': ');
        problems.push({ path: `instance.${path}`, message: rest.join(': ') });
      }
  }
  if (options.backend === 'redis' && options.redis?.client === undefined && options.redis?.url !== undefined) {
    if (!/^rediss?:\/\//.test(options.redis.url))
      problems.push({ path: 'redis.url', message: 'must start with redis:// or rediss://' });
  }
  return problems;
}

export function validateOptions(options: DiscoveryModuleOptions): void {
  const problems = optionProblems(options);
  if (problems.length > 0) throw new InvalidOptionsError('DiscoveryModule', problems);
}

/** This instance's descriptor; `httpPort` fills `ports.http` when not configured. */
export function describeInstance(options: DiscoveryModuleOptions, httpPort: number | undefined): InstanceDescriptor {
  const instance = options.instance!;
  const ports = { ...(instance.ports ?? {}) };
  if (ports['http'] === undefined && httpPort !== undefined) ports['http'] = httpPort;
  const zone = instance.zone ?? options.zone;
  return {
    service: instance.service,
    instanceId:
      instance.instanceId ?? `${instance.service}-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    host: instance.host ?? hostname(),
    ports,
    ...(zone === undefined ? {} : { zone }),
    ...(instance.version === undefined ? {} : { version: instance.version }),
    metadata: instance.metadata ?? {},
  };
}

/** The registry for the options, and whether the module owns (and so closes) it. */
export function createRegistry(options: DiscoveryModuleOptions): { registry: ServiceRegistry; owned: boolean } {
  if (options.registry !== undefined) return { registry: options.registry, owned: false };
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  const selfPreservation = {
    windowMs: options.renewIntervalMs ?? REGISTRAR_DEFAULTS.renewIntervalMs,
    ...options.selfPreservation,
  };
  switch (options.backend ?? 'memory') {
    case 'redis': {
      const redis = options.redis ?? {};
      return {
        registry: new RedisRegistry({
          ...clock,
          selfPreservation,
          ...(redis.client === undefined ? { url: redis.url ?? 'redis://127.0.0.1:6379' } : { client: redis.client }),
          ...(redis.keyPrefix === undefined ? {} : { keyPrefix: redis.keyPrefix }),
          ...(redis.resyncIntervalMs === undefined ? {} : { resyncIntervalMs: redis.resyncIntervalMs }),
          ...(redis.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: redis.sweepIntervalMs }),
        }),
        owned: true,
      };
    }
    case 'kubernetes':
      return { registry: new KubernetesRegistry({ ...clock, ...options.kubernetes }), owned: true };
    case 'static':
      return { registry: new StaticRegistry({ ...clock, services: options.static?.services ?? {} }), owned: true };
    default:
      if (options.memory?.registry !== undefined) return { registry: options.memory.registry, owned: false };
      return { registry: new MemoryRegistry({ ...clock, selfPreservation }), owned: true };
  }
}
