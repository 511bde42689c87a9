/** Error messages of @lattice/rpc: what happened and how to fix it. */
export const RpcMessages = {
  deadlineExceeded: (method: string, timeoutMs: number): string =>
    `Call ${method} did not finish within its deadline of ${timeoutMs} ms. Raise the deadline (timeoutMs) or find out why the server is slow.`,
  unavailable: (method: string, detail: string): string =>
    `Call ${method} could not reach a server (${detail}). Check that the service has UP instances and that their gRPC port is reachable.`,
  cancelled: (method: string): string => `Call ${method} was cancelled by the caller before it finished.`,
  remote: (method: string, statusName: string, detail: string): string =>
    `Call ${method} failed on the server with ${statusName}: ${detail}`,
  instanceNotFound: (service: string, instanceId: string): string =>
    `No instance "${instanceId}" of service "${service}" is known to discovery. Use an instanceId from discovery's getInstances() and check that the instance is still registered.`,
  unknownService: (serviceName: string, protoPath: string): string =>
    `Service "${serviceName}" is not defined in ${protoPath}. Check the package and service names (e.g. package "lattice.device.v1", service "DeviceService").`,
  unknownMethod: (serviceName: string, method: string): string =>
    `Service "${serviceName}" has no method "${method}". Use a method name from the .proto file.`,
  missingHandler: (serviceName: string, method: string): string =>
    `The implementation of "${serviceName}" has no handler for method "${method}". Add a method named ${method} (or its camelCase form) to the implementation.`,
  noPort: (service: string, instanceId: string, port: string): string =>
    `Instance "${instanceId}" of "${service}" does not advertise a "${port}" port. Register it with ports: { ${port}: <number> } or set the client's portName.`,
  serverNotStarted: (): string =>
    'The gRPC server has not been started yet: call start() (or let the Nest app initialise) first.',
  internal: (): string => 'Internal server error.',
  httpError: (operation: string, verb: string, path: string, status: number, detail: string): string =>
    `${operation} (${verb} ${path}) was answered with HTTP ${status}${detail ? `: ${detail}` : ''}`,
  httpConnection: (operation: string, service: string, reason: string): string =>
    `${operation} could not talk to ${service} (${reason}). Check that the service has UP instances and that their HTTP port is reachable.`,
  httpDecode: (operation: string, status: number): string =>
    `${operation} got HTTP ${status} with a body that is not valid JSON. Check the server's content-type and body.`,
  feignNotBound: (): string =>
    'A declared @FeignClient method was called on the declaration itself. Inject the client that RpcModule.forFeature([...]) provides (or build one with FeignClientFactory).',
  clientNameRequired: (): string =>
    'registerAsync() needs a name: pass { name: "<service>", useFactory, inject } so @InjectGrpcClient(name) finds the client.',
  missingService: (provider: string): string =>
    `@GrpcService() on ${provider} needs { protoPath, package, service }: name the .proto file and the service it implements.`,
} as const;
