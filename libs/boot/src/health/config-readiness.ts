import { Injectable } from '@nestjs/common';
import { ConfigService, type ConfigHealth } from '@lattice/config';
import { ReadinessCheck } from './readiness.decorator.js';

/**
 * Shows where configuration comes from (remote | cache | defaults) in `/health/ready`.
 * Serving from the file cache is degraded, not unready, so it never fails the check.
 */
@Injectable()
export class ConfigReadiness {
  constructor(private readonly config: ConfigService) {}

  @ReadinessCheck('config')
  check(): ConfigHealth {
    return this.config.health();
  }
}
