import { Controller, Get } from '@nestjs/common';
import { GatewayRuntime } from '../gateway.runtime.js';

/**
 * The gateway's admin view (admin role): routes in effect, breaker states, limiter stats.
 * The config center's admin API is mounted beside it under `/config`.
 */
@Controller('admin')
export class AdminController {
  constructor(private readonly runtime: GatewayRuntime) {}

  @Get('routes')
  routes(): unknown {
    const table = this.runtime.proxy.routes;
    return {
      version: table.version,
      routes: table.routes.map((r) => r.definition),
      lastRefusal: this.runtime.lastRefusal ?? null,
    };
  }

  @Get('breakers')
  breakers(): unknown {
    return this.runtime.policySnapshot().breakers;
  }

  @Get('limiters')
  limiters(): unknown {
    return this.runtime.policySnapshot().limiters;
  }
}
