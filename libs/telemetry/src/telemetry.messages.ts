export function metricConflictMessage(name: string, kind: string, labels: string): string {
  return `Metric "${name}" already exists with another type or label set than ${kind}{${labels}}; give the new metric its own name or reuse the existing one with the same labels.`;
}
