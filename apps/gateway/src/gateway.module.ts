import { Module } from '@nestjs/common';

/** The public API gateway (HTTP and WebSocket for apps and SaaS partners). */
@Module({})
export class GatewayModule {}
