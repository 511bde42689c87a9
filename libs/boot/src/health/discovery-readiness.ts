import { Injectable } from '@nestjs/common';
import { DiscoveryClient } from '@lattice/discovery';
import { ReadinessCheck } from './readiness.decorator.js';

/**
 * Shows discovery's state in `/health/ready`. A stale cache or self-preservation is
 * degraded, not unready: the instance still serves with the last known instances.
 */
@Injectable()
export class DiscoveryReadiness {
  constructor(private readonly discovery: DiscoveryClient) {}

  @ReadinessCheck('discovery')
  check(): Record<string, unknown> {
    // Terminus owns the `status` key of a check; discovery's own status is shown as `state`.
    const { status, ...rest } = this.discovery.health();
    return { state: status, ...rest };
  }
}
