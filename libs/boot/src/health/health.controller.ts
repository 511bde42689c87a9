import {
  Controller,
  Get,
  HttpStatus,
  Inject,
  Res,
  ServiceUnavailableException,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import type { ServerResponse } from 'node:http';
import { ApplicationLifecycle } from '../lifecycle/lifecycle.js';
import { ReadinessCheck } from './readiness.decorator.js';

const CHECK_TIMEOUT_MS = 2_000;

/** `/health/live` (the process answers) and `/health/ready` (started, not draining, checks pass). */
@Controller('health')
export class HealthController implements OnModuleInit {
  private readinessChecks: HealthIndicatorFunction[] = [];

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(ApplicationLifecycle) private readonly lifecycle: ApplicationLifecycle,
  ) {}

  onModuleInit(): void {
    const lifecycleCheck: HealthIndicatorFunction = () => {
      const check = this.indicators.check('lifecycle');
      return this.lifecycle.isReady
        ? check.up({ state: this.lifecycle.state })
        : check.down({ state: this.lifecycle.state });
    };
    this.readinessChecks = [lifecycleCheck, ...this.discoverChecks()];
  }

  @Get('live')
  async live(@Res() res: ServerResponse): Promise<void> {
    await this.run([], res);
  }

  @Get('ready')
  async ready(@Res() res: ServerResponse): Promise<void> {
    await this.run(this.readinessChecks, res);
  }

  private async run(checks: HealthIndicatorFunction[], res: ServerResponse): Promise<void> {
    let status: number = HttpStatus.OK;
    let result: HealthCheckResult;
    try {
      result = await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      status = HttpStatus.SERVICE_UNAVAILABLE;
      result = error.getResponse() as HealthCheckResult;
    }
    res.statusCode = status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    res.end(JSON.stringify(result));
  }

  private discoverChecks(): HealthIndicatorFunction[] {
    const checks: HealthIndicatorFunction[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!wrapper.isDependencyTreeStatic() || typeof instance !== 'object' || instance === null) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const name = this.discovery.getMetadataByDecorator(ReadinessCheck, wrapper, method);
        if (name === undefined) continue;
        const fn = (instance as Record<string, () => unknown>)[method]!.bind(instance);
        checks.push(() =>
          this.indicators
            .check(name)
            .attempt(async () => {
              const details = await fn();
              return typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined;
            })
            .withTimeout(CHECK_TIMEOUT_MS),
        );
      }
    }
    return checks;
  }
}
