export type {
  BidiStreamStubMethod,
  ClientStreamStubMethod,
  GrpcImplementation,
  GrpcServiceContract,
  GrpcStub,
  RpcCallOptions,
  ServerCallContext,
  ServerStreamStubMethod,
  UnaryStubMethod,
} from './grpc/grpc.interfaces.js';
export { loadGrpcService, PROTO_LOADER_OPTIONS } from './grpc/proto-loading.js';
export type { LoadGrpcServiceOptions } from './grpc/proto-loading.js';
export { GrpcServer } from './server/grpc-server.js';
export { GRPC_SERVER_DEFAULTS } from './server/grpc-server.interfaces.js';
export type { GrpcServerOptions } from './server/grpc-server.interfaces.js';
export { GrpcClient } from './client/grpc-client.js';
export { GRPC_CLIENT_DEFAULTS } from './client/grpc-client.interfaces.js';
export type { GrpcClientOptions } from './client/grpc-client.interfaces.js';
export {
  RpcCancelledError,
  RpcContractError,
  RpcDeadlineExceededError,
  RpcInstanceNotFoundError,
  RpcNoPortError,
  RpcRemoteError,
  RpcUnavailableError,
} from './rpc.errors.js';
export type { RpcCallErrorData } from './rpc.errors.js';
