import type { InstanceStatus } from './instance/service-instance.js';

export const messages = {
  noInstances: (service: string, known: number): string =>
    known === 0
      ? `No instance of service "${service}" is registered; start one, or check that callers and instances use the same registry and service name.`
      : `Service "${service}" has ${known} known instance(s) but none can take traffic (none UP, or all ejected); check their status with \`lattice registry ls ${service}\`.`,
  registryUnavailable: (service: string, reason: string): string =>
    `The service registry could not be read for "${service}" and nothing is cached yet (${reason}); check that the registry (Redis or the Kubernetes API) is reachable.`,
  unknownBalancer: (name: string, known: readonly string[]): string =>
    `No load balancer is registered as "${name}"; use one of ${known.map((k) => `"${k}"`).join(', ')}, or register yours with BalancerRegistry.register().`,
  duplicateBalancer: (name: string): string =>
    `A load balancer named "${name}" is already registered; pick another name for yours.`,
  instanceNotFound: (service: string, instanceId: string): string =>
    `Instance "${instanceId}" of service "${service}" is not registered (or its lease expired); list instances with \`lattice registry ls ${service}\`.`,
  invalidInstance: (problems: readonly string[]): string =>
    `The instance description is invalid; fix these and register again:\n${problems.map((p) => `  ${p}`).join('\n')}`,
  readOnlyRegistry: (kind: string, operation: string): string =>
    `The ${kind} registry does not support ${operation}: its instances come from ${kind === 'kubernetes' ? 'EndpointSlices (Kubernetes registers pods)' : 'configuration'}; change them there.`,
  notRegistered: (operation: string): string =>
    `Cannot ${operation} before this instance has registered; wait for the application to be ready (boot calls onRegister after the servers listen).`,
  invalidStatus: (value: string): string =>
    `"${value}" is not an instance status; use one of UP, OUT_OF_SERVICE, STARTING, DOWN.`,
  statusSet: (service: string, instanceId: string, status: InstanceStatus): string =>
    `${service}/${instanceId} is now ${status}`,
};
