import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConfigAdminModule } from '@lattice/config';
import { AdminAuthMiddleware } from './admin/admin-auth.middleware.js';
import { AdminController } from './admin/admin.controller.js';
import { DocsController } from './docs/docs.controller.js';
import { ConfigurableGatewayModule } from './gateway.module-definition.js';
import { GatewayRuntime } from './gateway.runtime.js';

/**
 * The public API gateway (HTTP and WebSocket for apps and SaaS partners): live routes from
 * `gateway.routes`, JWT and signed SaaS auth, tenant isolation, resilience filters, OpenAPI
 * docs at `/docs`, admin at `/admin` and `/config` (admin role).
 *
 * @example
 * ```ts
 * await LatticeApplication.create(GatewayModule.forRoot({ serviceRegistry }), { name: 'gateway' });
 * ```
 */
@Module({
  imports: [ConfigAdminModule.forRoot({})],
  controllers: [DocsController, AdminController],
  providers: [GatewayRuntime, AdminAuthMiddleware],
  exports: [GatewayRuntime],
})
export class GatewayModule extends ConfigurableGatewayModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminAuthMiddleware).forRoutes('admin/*path', 'config/*path');
  }
}
