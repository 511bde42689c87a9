import { loadSync, type MethodDefinition, type Options, type PackageDefinition } from '@grpc/proto-loader';
import type * as grpc from '@grpc/grpc-js';
import { RpcContractError } from '../rpc.errors.js';
import { RpcMessages } from '../rpc.messages.js';
import type { GrpcServiceContract } from './grpc.interfaces.js';

/** Where and how to load a gRPC service from a .proto file. */
export interface LoadGrpcServiceOptions {
  /** Path of the .proto file (absolute, or relative to one of includeDirs). */
  protoPath: string;
  /** Protobuf package, e.g. `lattice.test.v1`. */
  package: string;
  /** Service name inside the package, e.g. `Echo`. */
  service: string;
  /** Import roots for `import` statements in the .proto. @default [] */
  includeDirs?: readonly string[];
}

/**
 * The loader options every Lattice service uses; the generated TypeScript types must be made
 * with the matching flags (`--longs String --enums String --defaults --oneofs`).
 */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/**
 * Loads one service from a .proto file at run time (pure JavaScript, no protoc).
 *
 * @example
 * ```ts
 * const echo = loadGrpcService({ protoPath: 'proto/lattice/test/v1/echo.proto', package: 'lattice.test.v1', service: 'Echo' });
 * server.addService(echo, implementation);
 * ```
 */
export function loadGrpcService(options: LoadGrpcServiceOptions): GrpcServiceContract {
  const packageDefinition = loadSync(options.protoPath, {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [...(options.includeDirs ?? [])],
  });
  const name = `${options.package}.${options.service}`;
  return contractFrom(packageDefinition, name, options.protoPath);
}

/** Builds a contract for `name` out of an already loaded package definition. */
export function contractFrom(packageDefinition: PackageDefinition, name: string, source = name): GrpcServiceContract {
  const entry = packageDefinition[name];
  if (entry === undefined || !isServiceDefinition(entry)) {
    throw new RpcContractError(name, RpcMessages.unknownService(name, source));
  }
  const idempotent = new Set<string>();
  for (const [method, def] of Object.entries(entry)) {
    const level = (def as MethodDefinition<unknown, unknown>).options?.idempotency_level;
    if (String(level) === 'IDEMPOTENT' || String(level) === 'NO_SIDE_EFFECTS') idempotent.add(method);
  }
  return {
    name,
    definition: entry as unknown as grpc.ServiceDefinition,
    idempotentMethods: idempotent,
    packageDefinition,
  };
}

function isServiceDefinition(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || 'format' in value) return false;
  return Object.values(value).every((m) => typeof m === 'object' && m !== null && 'path' in m);
}
