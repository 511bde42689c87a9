import { Controller, Get, Res } from '@nestjs/common';
import { MetricsRegistry } from '@lattice/telemetry';
import type { ServerResponse } from 'node:http';

/** `GET /metrics`: the app's Prometheus registry in text exposition format. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  async scrape(@Res() res: ServerResponse): Promise<void> {
    const body = await this.metrics.render();
    res.statusCode = 200;
    res.setHeader('content-type', this.metrics.contentType);
    res.end(body);
  }
}
