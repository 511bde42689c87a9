export { InstanceStatus } from './instance/service-instance.js';
export type { InstanceDescriptor, ServiceInstance, ServiceSnapshot } from './instance/service-instance.js';
export { ServiceRegistry } from './registry/service-registry.interfaces.js';
export type { LeaseOptions, RegistryHealth, RegistryWatcher } from './registry/service-registry.interfaces.js';
export type { LeaseRegistryOptions, SelfPreservationOptions } from './registry/registry.options.js';
export { MemoryRegistry } from './registry/memory-registry.js';
export type { MemoryRegistryOptions } from './registry/memory-registry.js';
export { RedisRegistry } from './registry/redis-registry.js';
export type { RedisRegistryOptions } from './registry/redis-registry.js';
export { StaticRegistry } from './registry/static-registry.js';
export type { StaticInstanceConfig, StaticRegistryOptions } from './registry/static-registry.js';
export { DiscoveryModule, InjectServiceRegistry } from './discovery.module.js';
export type { DiscoveryBackend, DiscoveryInstanceOptions, DiscoveryModuleOptions } from './discovery.interfaces.js';
export { DiscoveryRegistration } from './registration/discovery-registration.js';
export { KubernetesRegistry } from './registry/kubernetes-registry.js';
export type { KubernetesRegistryOptions } from './registry/kubernetes-registry.js';
export { InstanceRegistrar } from './registration/instance-registrar.js';
export type { RegistrarOptions } from './registration/instance-registrar.js';
export { DiscoveryClient } from './client/discovery-client.js';
export type {
  BalancerOptions,
  DiscoveryClientOptions,
  DiscoveryEvent,
  DiscoveryHealth,
} from './client/discovery-client.js';
export { ServiceBalancer } from './client/service-balancer.js';
export type { CallHandle, CallOutcome } from './client/service-balancer.js';
export { BalancerRegistry, DEFAULT_BALANCER } from './balancers/balancer-registry.js';
export type { BuiltInBalancerName } from './balancers/balancer-registry.js';
export type { BalancerDeps, BalancerFactory, LoadBalancer, PickContext } from './balancers/load-balancer.interfaces.js';
export { InstanceStats } from './balancers/instance-stats.js';
export type { InstanceStatsOptions } from './balancers/instance-stats.js';
export {
  LeastOutstandingBalancer,
  PowerOfTwoChoicesBalancer,
  RandomBalancer,
  RoundRobinBalancer,
  WeightedBalancer,
} from './balancers/simple.balancers.js';
export { ConsistentHashBalancer } from './balancers/consistent-hash.balancer.js';
export type { ConsistentHashOptions } from './balancers/consistent-hash.balancer.js';
export { ZoneAffinityBalancer } from './balancers/zone-affinity.balancer.js';
export type { ZoneAffinityOptions } from './balancers/zone-affinity.balancer.js';
export { OutlierDetector } from './balancers/outlier-detector.js';
export type { OutlierEjectionOptions } from './balancers/outlier-detector.js';
export {
  DiscoveryDuplicateBalancerError,
  DiscoveryInstanceNotFoundError,
  DiscoveryInvalidInstanceError,
  DiscoveryNoInstancesError,
  DiscoveryNotRegisteredError,
  DiscoveryReadOnlyRegistryError,
  DiscoveryRegistryUnavailableError,
  DiscoveryUnknownBalancerError,
} from './discovery.errors.js';
export { runRegistryCli } from './cli/registry-commands.js';
export type { CliIo, RegistryCliOptions } from './cli/registry-commands.js';
