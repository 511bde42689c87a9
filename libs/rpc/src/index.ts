export type {
  BidiStreamStubMethod,
  ClientStreamStubMethod,
  GrpcImplementation,
  GrpcServiceContract,
  GrpcStub,
  RpcCallOptions,
  ServerCallContext,
  ServerRequestStream,
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
  RpcFeignNotBoundError,
  RpcHttpConnectionError,
  RpcHttpDecodeError,
  RpcHttpError,
  RpcContractError,
  RpcDeadlineExceededError,
  RpcInstanceNotFoundError,
  RpcNoPortError,
  RpcRemoteError,
  RpcUnavailableError,
} from './rpc.errors.js';
export type { RpcCallErrorData, RpcHttpCallData } from './rpc.errors.js';
export { GrpcClientModule, InjectGrpcClient } from './nest/grpc-client.module.js';
export type { GrpcClientModuleExtras } from './nest/grpc-client.module-definition.js';
export { GrpcServerModule } from './nest/grpc-server.module.js';
export { GrpcMethod, GrpcService } from './nest/grpc.decorators.js';
export type {
  GrpcClientModuleOptions,
  GrpcServerModuleOptions,
  GrpcServiceDecoratorOptions,
} from './nest/grpc-nest.interfaces.js';
export {
  declared,
  DeleteMapping,
  FeignClient,
  FeignPolicy,
  GetMapping,
  HeadMapping,
  PatchMapping,
  PathVariable,
  PostMapping,
  PutMapping,
  RequestBody,
  RequestHeader,
  RequestParam,
} from './feign/feign.decorators.js';
export type {
  FeignClientOptions,
  FeignFactoryOptions,
  FeignPolicyOptions,
  FeignRequest,
  FeignRequestInterceptor,
  FeignVerb,
} from './feign/feign.interfaces.js';
export { FeignClientFactory } from './feign/feign-client.factory.js';
export { RpcModule } from './feign/rpc.module.js';
export type { RpcFeatureOptions } from './feign/rpc.module.js';
