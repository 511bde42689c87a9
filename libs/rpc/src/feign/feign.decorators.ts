import { RpcFeignNotBoundError } from '../rpc.errors.js';
import { classMetadata, methodMetadata, type ParamBinding } from '../internal/feign/feign-metadata.js';
import type { FeignClientOptions, FeignPolicyOptions, FeignVerb } from './feign.interfaces.js';

/**
 * Declares a class as a declarative HTTP client (OpenFeign's `@FeignClient`). Its methods carry a
 * verb decorator and parameter decorators; `RpcModule.forFeature([Class])` provides an instance
 * whose methods make the calls (instances from discovery, P2C, keep-alive pools, resilience).
 *
 * @example
 * ```ts
 * @FeignClient({ service: 'device', path: '/v1' })
 * export abstract class DeviceApi {
 *   @GetMapping('/devices/:id')
 *   getDevice(@PathVariable('id') id: string): Promise<Device> {
 *     return declared();
 *   }
 * }
 * ```
 */
export function FeignClient(options: FeignClientOptions): ClassDecorator {
  return (target) => {
    classMetadata(target, true).client = options;
  };
}

function mapping(verb: FeignVerb) {
  return (path = ''): MethodDecorator =>
    (prototype, method) => {
      const meta = methodMetadata(prototype, method);
      meta.verb = verb;
      meta.path = path;
    };
}

/**
 * `GET <client path><path>`; `:name` segments are filled from `@PathVariable('name')`.
 *
 * @example
 * ```ts
 * @GetMapping('/devices/:id') getDevice(@PathVariable('id') id: string): Promise<Device> { return declared(); }
 * ```
 */
export const GetMapping = mapping('GET');
/**
 * `POST` (not retried unless `@FeignPolicy({ retry })` says so).
 *
 * @example
 * ```ts
 * @PostMapping('/devices') create(@RequestBody() body: NewDevice): Promise<Device> { return declared(); }
 * ```
 */
export const PostMapping = mapping('POST');
/**
 * `PUT` (idempotent: retried).
 *
 * @example
 * ```ts
 * @PutMapping('/devices/:id') replace(@PathVariable('id') id: string, @RequestBody() d: Device): Promise<Device> { return declared(); }
 * ```
 */
export const PutMapping = mapping('PUT');
/**
 * `PATCH` (not retried unless declared).
 *
 * @example
 * ```ts
 * @PatchMapping('/devices/:id') rename(@PathVariable('id') id: string, @RequestBody() p: { name: string }): Promise<Device> { return declared(); }
 * ```
 */
export const PatchMapping = mapping('PATCH');
/**
 * `DELETE` (idempotent: retried).
 *
 * @example
 * ```ts
 * @DeleteMapping('/devices/:id') remove(@PathVariable('id') id: string): Promise<void> { return declared(); }
 * ```
 */
export const DeleteMapping = mapping('DELETE');
/**
 * `HEAD` (idempotent; resolves with undefined).
 *
 * @example
 * ```ts
 * @HeadMapping('/devices/:id') exists(@PathVariable('id') id: string): Promise<void> { return declared(); }
 * ```
 */
export const HeadMapping = mapping('HEAD');

function param(binding: ParamBinding): ParameterDecorator {
  return (prototype, method, index) => {
    if (method === undefined) return;
    methodMetadata(prototype, method).params.set(index, binding);
  };
}

/**
 * Fills the `:name` segment of the path with this argument (URI-encoded).
 *
 * @example
 * ```ts
 * @GetMapping('/homes/:homeId/devices') list(@PathVariable('homeId') homeId: string): Promise<Device[]> { return declared(); }
 * ```
 */
export const PathVariable = (name: string): ParameterDecorator => param({ kind: 'path', name });
/**
 * Sends this argument as query parameter `name` (arrays repeat it, undefined leaves it out); without
 * a name the argument is an object of parameters.
 *
 * @example
 * ```ts
 * list(@RequestParam('limit') limit: number, @RequestParam() filter: { model?: string }): Promise<Device[]> { return declared(); }
 * ```
 */
export const RequestParam = (name?: string): ParameterDecorator => param({ kind: 'query', name });
/**
 * Sends this argument as header `name` (undefined leaves it out); without a name the argument
 * is an object of headers.
 *
 * @example
 * ```ts
 * get(@PathVariable('id') id: string, @RequestHeader('x-tenant') tenant: string): Promise<Device> { return declared(); }
 * ```
 */
export const RequestHeader = (name?: string): ParameterDecorator =>
  param({ kind: 'header', name: name?.toLowerCase() });
/**
 * Sends this argument as the JSON body.
 *
 * @example
 * ```ts
 * @PostMapping('/devices') create(@RequestBody() body: NewDevice): Promise<Device> { return declared(); }
 * ```
 */
export const RequestBody = (): ParameterDecorator => param({ kind: 'body' });

/**
 * Per-method resilience, merged over the client's (`@FeignClient`) options.
 *
 * @example
 * ```ts
 * @FeignPolicy({ retry: { maxAttempts: 2 }, timeoutMs: 10_000 }) // a POST that is safe to retry
 * @PostMapping('/commands') send(@RequestBody() c: Command): Promise<Result> { return declared(); }
 * ```
 */
export function FeignPolicy(policy: FeignPolicyOptions): MethodDecorator {
  return (prototype, method) => {
    methodMetadata(prototype, method).policy = policy;
  };
}

/**
 * The body of a declared method: the real implementation is made by `RpcModule.forFeature()`
 * (or `FeignClientFactory`); calling the declaration itself rejects with `RpcFeignNotBoundError`.
 *
 * @example
 * ```ts
 * @GetMapping('/devices/:id')
 * getDevice(@PathVariable('id') id: string): Promise<Device> {
 *   return declared();
 * }
 * ```
 */
export function declared<T>(): Promise<T> {
  return Promise.reject(new RpcFeignNotBoundError());
}
