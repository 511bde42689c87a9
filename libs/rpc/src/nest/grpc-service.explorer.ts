import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { RpcContractError } from '../rpc.errors.js';
import { RpcMessages } from '../rpc.messages.js';
import { loadGrpcService } from '../grpc/proto-loading.js';
import { GrpcServer } from '../server/grpc-server.js';
import { GrpcMethodMarker, GrpcServiceMarker } from './grpc.decorators.js';
import type { GrpcServiceDecoratorOptions } from './grpc-nest.interfaces.js';

type AnyMethod = (...args: unknown[]) => unknown;

/** Finds `@GrpcService()` providers at bootstrap, adds them to the server and starts it. */
@Injectable()
export class GrpcServiceExplorer implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly server: GrpcServer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const wrapper of this.discovery.getProviders({ metadataKey: GrpcServiceMarker.KEY })) {
      const instance = wrapper.instance as Record<string, unknown> | null | undefined;
      if (instance === null || instance === undefined || typeof instance !== 'object') continue;
      const options: GrpcServiceDecoratorOptions | undefined = this.discovery.getMetadataByDecorator(
        GrpcServiceMarker,
        wrapper,
      );
      const name = String(wrapper.name);
      if (options === undefined) throw new RpcContractError(name, RpcMessages.missingService(name));
      const contract = loadGrpcService({
        protoPath: options.protoPath,
        package: options.package,
        service: options.service,
        ...(options.includeDirs === undefined ? {} : { includeDirs: options.includeDirs }),
      });
      const handlers: Record<string, AnyMethod> = {};
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn: unknown = instance[method];
        if (typeof fn !== 'function') continue;
        const marked = this.discovery.getMetadataByDecorator(GrpcMethodMarker, wrapper, method);
        const bound = (fn as AnyMethod).bind(instance);
        if (marked !== undefined) handlers[marked.rpc ?? method.charAt(0).toUpperCase() + method.slice(1)] = bound;
        else handlers[method] ??= bound;
      }
      this.server.addService<Record<string, never>>(contract, handlers);
    }
    await this.server.start();
  }
}
