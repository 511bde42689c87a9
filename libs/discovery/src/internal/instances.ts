import { DiscoveryInvalidInstanceError } from '../discovery.errors.js';
import type { InstanceDescriptor, InstanceStatus, ServiceInstance } from '../instance/service-instance.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const STATUSES: readonly InstanceStatus[] = ['STARTING', 'UP', 'OUT_OF_SERVICE', 'DOWN'];

export function isInstanceStatus(value: unknown): value is InstanceStatus {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

/** Every problem of a descriptor as `path: message`. */
export function descriptorProblems(d: InstanceDescriptor): string[] {
  const problems: string[] = [];
  if (typeof d.service !== 'string' || !NAME.test(d.service))
    problems.push('service: must be 1-63 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');
  if (
    typeof d.instanceId !== 'string' ||
    d.instanceId.length === 0 ||
    d.instanceId.length > 253 ||
    /\s/.test(d.instanceId)
  )
    problems.push('instanceId: must be a non-empty string of at most 253 characters without spaces');
  if (typeof d.host !== 'string' || d.host.length === 0) problems.push('host: must be a non-empty string');
  if (typeof d.ports !== 'object' || d.ports === null) problems.push('ports: must be an object of named ports');
  else
    for (const [name, port] of Object.entries(d.ports))
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        problems.push(`ports.${name}: must be an integer 0..65535`);
  for (const [key, value] of Object.entries(d.metadata ?? {}))
    if (typeof value !== 'string') problems.push(`metadata.${key}: must be a string`);
  if (d.status !== undefined && !isInstanceStatus(d.status))
    problems.push('status: must be one of STARTING, UP, OUT_OF_SERVICE, DOWN');
  return problems;
}

export function assertDescriptor(d: InstanceDescriptor): void {
  const problems = descriptorProblems(d);
  if (problems.length > 0) throw new DiscoveryInvalidInstanceError(problems);
}

/** Builds the stored instance from a descriptor (copies, so callers cannot mutate it later). */
export function toInstance(
  d: InstanceDescriptor,
  registeredAtMs: number,
  lease?: { leaseTtlMs: number; leaseExpiresAtMs: number },
): ServiceInstance {
  return {
    service: d.service,
    instanceId: d.instanceId,
    host: d.host,
    ports: { ...d.ports },
    ...(d.zone === undefined ? {} : { zone: d.zone }),
    ...(d.version === undefined ? {} : { version: d.version }),
    metadata: { ...(d.metadata ?? {}) },
    status: d.status ?? 'UP',
    registeredAtMs,
    ...(lease === undefined ? {} : lease),
  };
}

/** Identity of what matters to callers (lease times excluded), to tell real changes from renewals. */
export function snapshotFingerprint(instances: readonly ServiceInstance[], selfPreservation: boolean): string {
  return JSON.stringify([
    selfPreservation,
    instances.map((i) => [i.instanceId, i.status, i.host, i.ports, i.zone, i.version, i.metadata]),
  ]);
}

export function byInstanceId(a: ServiceInstance, b: ServiceInstance): number {
  return a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0;
}

/** Runs synchronous work as a promise, so a throw becomes a rejection like in the async registries. */
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
