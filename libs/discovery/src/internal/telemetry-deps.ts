import { Injectable, Optional } from '@nestjs/common';
import { InjectLogger, MetricsRegistry, type Logger } from '@lattice/telemetry';

/** The app's metrics and logger when TelemetryModule is present (boot adds it), reached through telemetry's public helpers. */
@Injectable()
export class TelemetryDeps {
  constructor(
    @Optional() readonly metrics?: MetricsRegistry,
    @Optional() @InjectLogger() readonly logger?: Logger,
  ) {}
}
