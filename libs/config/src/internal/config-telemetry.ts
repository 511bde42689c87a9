import { Injectable, Optional } from '@nestjs/common';
import { InjectLogger, MetricsRegistry, type Logger } from '@lattice/telemetry';

/** The application's logger and metrics when TelemetryModule is present (boot adds it). */
@Injectable()
export class ConfigTelemetry {
  constructor(
    @Optional() readonly metrics?: MetricsRegistry,
    @Optional() @InjectLogger() readonly logger?: Logger,
  ) {}
}
