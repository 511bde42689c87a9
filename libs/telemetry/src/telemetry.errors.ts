import { LatticeError } from '@lattice/core';
import { metricConflictMessage } from './telemetry.messages.js';

/** A metric was requested twice with the same name but a different type or label set. */
export class MetricConflictError extends LatticeError<{ readonly name: string }> {
  constructor(name: string, kind: string, labels: string) {
    super('TELEMETRY_METRIC_CONFLICT', metricConflictMessage(name, kind, labels), { data: { name } });
  }
}
