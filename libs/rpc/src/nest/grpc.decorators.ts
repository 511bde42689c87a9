import { DiscoveryService } from '@nestjs/core';
import type { GrpcServiceDecoratorOptions } from './grpc-nest.interfaces.js';

/** @internal the discoverable marker behind {@link GrpcService}. */
export const GrpcServiceMarker = DiscoveryService.createDecorator<GrpcServiceDecoratorOptions>();

/** @internal the discoverable marker behind {@link GrpcMethod}. */
export const GrpcMethodMarker = DiscoveryService.createDecorator<{ rpc: string | undefined }>();

/**
 * Marks a Nest provider as the implementation of a gRPC service; `GrpcServerModule` finds it
 * at bootstrap and serves it. Each rpc is handled by the method marked `@GrpcMethod('<Rpc>')`,
 * or else by the method named like the rpc (`Say` or `say`). Handlers receive the request (an
 * async iterable for client/bidi streams) and a `ServerCallContext`; unary ones return the reply,
 * server/bidi-streaming ones return an async iterable.
 *
 * @example
 * ```ts
 * @GrpcService({ protoPath: ECHO_PROTO, package: 'lattice.test.v1', service: 'Echo' })
 * @Injectable()
 * export class EchoHandlers {
 *   @GrpcMethod('Say')
 *   say(request: EchoRequest, context: ServerCallContext): EchoReply {
 *     return { message: request.message, caller: context.caller ?? '' };
 *   }
 * }
 * ```
 */
export const GrpcService = (options: GrpcServiceDecoratorOptions): ClassDecorator => GrpcServiceMarker(options);

/**
 * Binds a provider method to an rpc of its `@GrpcService` (by default the rpc named like the
 * method with its first letter upper-cased).
 *
 * @example
 * ```ts
 * @GrpcMethod('ListDevices')
 * async list(request: ListDevicesRequest): Promise<ListDevicesResponse> { ... }
 * ```
 */
export const GrpcMethod = (rpc?: string): MethodDecorator => GrpcMethodMarker({ rpc });
