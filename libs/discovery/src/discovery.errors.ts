import { LatticeError } from '@lattice/core';
import { messages } from './discovery.messages.js';

/**
 * No instance of a service can take a call: none registered, none UP, or all ejected.
 * Retryable: instances come and go.
 *
 * @example
 * ```ts
 * try {
 *   await balancer.choose();
 * } catch (error) {
 *   if (error instanceof DiscoveryNoInstancesError) return fallback();
 *   throw error;
 * }
 * ```
 */
export class DiscoveryNoInstancesError extends LatticeError<{ readonly service: string; readonly known: number }> {
  constructor(service: string, known: number) {
    super('DISCOVERY_NO_INSTANCES', messages.noInstances(service, known), {
      data: { service, known },
      retryable: true,
      status: 503,
    });
  }
}

/**
 * The registry could not be read and the client has nothing cached for the service yet.
 * (Once something is cached the client serves it, marked stale, instead of failing.)
 *
 * @example
 * ```ts
 * await expect(client.getInstances('device')).rejects.toBeInstanceOf(DiscoveryRegistryUnavailableError);
 * ```
 */
export class DiscoveryRegistryUnavailableError extends LatticeError<{ readonly service: string }> {
  constructor(service: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('DISCOVERY_REGISTRY_UNAVAILABLE', messages.registryUnavailable(service, reason), {
      data: { service },
      cause,
      retryable: true,
      status: 503,
    });
  }
}

/**
 * A load balancer was asked for by a name nobody registered.
 *
 * @example
 * ```ts
 * new BalancerRegistry().create('fastest'); // throws DiscoveryUnknownBalancerError (DISCOVERY_UNKNOWN_BALANCER)
 * ```
 */
export class DiscoveryUnknownBalancerError extends LatticeError<{
  readonly name: string;
  readonly known: readonly string[];
}> {
  constructor(name: string, known: readonly string[]) {
    super('DISCOVERY_UNKNOWN_BALANCER', messages.unknownBalancer(name, known), { data: { name, known } });
  }
}

/**
 * A load balancer name was registered twice.
 *
 * @example
 * ```ts
 * balancers.register('random', () => new MyRandom()); // throws: 'random' is built in
 * ```
 */
export class DiscoveryDuplicateBalancerError extends LatticeError<{ readonly name: string }> {
  constructor(name: string) {
    super('DISCOVERY_DUPLICATE_BALANCER', messages.duplicateBalancer(name), { data: { name } });
  }
}

/**
 * An operation named an instance the registry does not hold.
 *
 * @example
 * ```ts
 * await registry.setStatus('device', 'gone', 'UP'); // false; the CLI turns it into this error
 * ```
 */
export class DiscoveryInstanceNotFoundError extends LatticeError<{
  readonly service: string;
  readonly instanceId: string;
}> {
  constructor(service: string, instanceId: string) {
    super('DISCOVERY_INSTANCE_NOT_FOUND', messages.instanceNotFound(service, instanceId), {
      data: { service, instanceId },
      status: 404,
    });
  }
}

/**
 * An instance description failed validation (empty service name, bad port, ...).
 *
 * @example
 * ```ts
 * await registry.register({ service: '', instanceId: 'a', host: 'h', ports: { http: 70000 } }, { leaseTtlMs: 15_000 });
 * // DiscoveryInvalidInstanceError: service: must be ..., ports.http: must be an integer 0..65535
 * ```
 */
export class DiscoveryInvalidInstanceError extends LatticeError<{ readonly problems: readonly string[] }> {
  constructor(problems: readonly string[]) {
    super('DISCOVERY_INVALID_INSTANCE', messages.invalidInstance(problems), { data: { problems }, status: 400 });
  }
}

/**
 * A write (register, status change) was sent to a registry whose instances come from
 * elsewhere (static configuration, Kubernetes EndpointSlices).
 *
 * @example
 * ```ts
 * await kubernetesRegistry.setStatus('device', 'pod-1', 'OUT_OF_SERVICE'); // DISCOVERY_READ_ONLY_REGISTRY
 * ```
 */
export class DiscoveryReadOnlyRegistryError extends LatticeError<{
  readonly kind: string;
  readonly operation: string;
}> {
  constructor(kind: string, operation: string) {
    super('DISCOVERY_READ_ONLY_REGISTRY', messages.readOnlyRegistry(kind, operation), {
      data: { kind, operation },
      status: 409,
    });
  }
}

/**
 * The instance's own registration was used before it registered (e.g. setting
 * OUT_OF_SERVICE during start-up).
 *
 * @example
 * ```ts
 * await registration.setStatus('OUT_OF_SERVICE'); // before onRegister: DISCOVERY_NOT_REGISTERED
 * ```
 */
export class DiscoveryNotRegisteredError extends LatticeError<{ readonly operation: string }> {
  constructor(operation: string) {
    super('DISCOVERY_NOT_REGISTERED', messages.notRegistered(operation), { data: { operation }, status: 409 });
  }
}
