import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { DISCOVERY_MODULE_OPTIONS } from '../discovery.module-definition.js';
import type { DiscoveryModuleOptions } from '../discovery.interfaces.js';
import { DiscoveryNotRegisteredError } from '../discovery.errors.js';
import type { InstanceStatus, ServiceInstance } from '../instance/service-instance.js';
import { describeInstance } from '../internal/module-options.js';
import { DiscoveryClient } from '../client/discovery-client.js';
import { ServiceRegistry } from '../registry/service-registry.interfaces.js';
import { InstanceRegistrar } from './instance-registrar.js';
import { OWNS_REGISTRY } from '../internal/tokens.js';
import { TelemetryDeps } from '../internal/telemetry-deps.js';

/**
 * This application's registration, driven by boot: `onRegister()` after the servers
 * listen (register, then renew the lease on an interval), `onDeregister()` first on
 * shutdown (before draining), and {@link setStatus} for operators (OUT_OF_SERVICE drains
 * the instance by hand, UP brings it back). Boot finds these methods by name; nothing
 * here imports boot. It also closes the module's client and registry on shutdown.
 *
 * @example
 * ```ts
 * @Controller('admin')
 * export class AdminController {
 *   constructor(private readonly registration: DiscoveryRegistration) {}
 *   @Post('out-of-service')
 *   drain() {
 *     return this.registration.setStatus('OUT_OF_SERVICE');
 *   }
 * }
 * ```
 */
@Injectable()
export class DiscoveryRegistration implements OnApplicationShutdown {
  private registrar: InstanceRegistrar | undefined;

  constructor(
    @Inject(DISCOVERY_MODULE_OPTIONS) private readonly options: DiscoveryModuleOptions,
    @Inject(ServiceRegistry) private readonly registry: ServiceRegistry,
    @Inject(OWNS_REGISTRY) private readonly ownsRegistry: boolean,
    private readonly client: DiscoveryClient,
    private readonly telemetry: TelemetryDeps,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** The registered instance's status, or undefined when not registered. */
  get status(): InstanceStatus | undefined {
    return this.registrar?.registered ? this.registrar.status : undefined;
  }

  /** Whom this application registers as (undefined without `instance` options or before onRegister). */
  get instanceId(): string | undefined {
    return this.registrar?.descriptor.instanceId;
  }

  /** Boot hook: registers this instance (if `instance` is configured) and starts lease renewal. */
  async onRegister(): Promise<ServiceInstance | undefined> {
    if (this.options.instance === undefined || this.registrar?.registered) return undefined;
    const descriptor = describeInstance(this.options, this.listeningHttpPort());
    this.registrar = new InstanceRegistrar(this.registry, descriptor, {
      ...(this.options.leaseTtlMs === undefined ? {} : { leaseTtlMs: this.options.leaseTtlMs }),
      ...(this.options.renewIntervalMs === undefined ? {} : { renewIntervalMs: this.options.renewIntervalMs }),
      ...(this.options.clock === undefined ? {} : { clock: this.options.clock }),
      ...(this.telemetry.logger === undefined ? {} : { logger: this.telemetry.logger }),
    });
    return this.registrar.start();
  }

  /** Boot hook: deregisters first on shutdown, so callers stop picking this instance before it drains. */
  async onDeregister(_signal?: string): Promise<void> {
    await this.registrar?.stop();
  }

  /** Sets this instance's status in the registry (e.g. OUT_OF_SERVICE to drain it by hand). */
  async setStatus(status: InstanceStatus): Promise<void> {
    if (this.registrar === undefined) throw new DiscoveryNotRegisteredError(`set the status to ${status}`);
    await this.registrar.setStatus(status);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.registrar?.stop();
    await this.client.close();
    if (this.ownsRegistry) await this.registry.close();
  }

  private listeningHttpPort(): number | undefined {
    try {
      const server = this.adapterHost?.httpAdapter?.getHttpServer() as
        { address(): AddressInfo | string | null; listening?: boolean } | undefined;
      const address = server?.listening ? server.address() : null;
      return typeof address === 'object' && address !== null ? address.port : undefined;
    } catch {
      return undefined; // no HTTP server (a worker or a pure gRPC app)
    }
  }
}
