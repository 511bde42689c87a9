import type { ValidationProblem } from '@lattice/core';

export function breakerOpenMessage(key: string, retryAfterMs: number): string {
  return `Circuit breaker "${key}" is open after too many failed or slow calls; calls are refused for about ${Math.ceil(retryAfterMs)} ms. Fix or wait for the dependency, or give the call a fallback.`;
}

export function rateLimitedMessage(key: string, retryAfterMs: number): string {
  return `Rate limit "${key}" reached; retry after ${Math.ceil(retryAfterMs)} ms, or raise the limit in the resilience rules if the traffic is expected.`;
}

export function bulkheadFullMessage(key: string, maxConcurrent: number, maxQueue: number): string {
  return `Bulkhead "${key}" is full (${maxConcurrent} running, ${maxQueue} queued); shed the load or raise maxConcurrent/maxQueue.`;
}

export function timeoutMessage(key: string, timeoutMs: number): string {
  return `Call "${key}" did not finish within ${timeoutMs} ms and was aborted; raise timeoutMs or make the callee faster.`;
}

export function retryExhaustedMessage(key: string, attempts: number, reason: 'attempts' | 'budget'): string {
  return reason === 'budget'
    ? `Call "${key}" failed after ${attempts} attempt(s); no retry was made because the retry budget is spent (too many retries in the window), which protects a failing dependency.`
    : `Call "${key}" failed on all ${attempts} attempt(s); the last error is the cause. Check the dependency or raise maxAttempts.`;
}

export function invalidRulesMessage(problems: readonly ValidationProblem[]): string {
  const lines = problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`);
  return `Resilience rule set refused as a whole (${problems.length} problem${problems.length === 1 ? '' : 's'}); the previous rules stay in force. Fix the rules in "resilience.rules":\n${lines.join('\n')}`;
}

export function unknownStrategyMessage(kind: string, name: string, known: readonly string[]): string {
  return `Unknown ${kind} "${name}"; use one of ${known.map((k) => `"${k}"`).join(', ')} or register it first with register().`;
}

export function unknownPolicyMessage(name: string, known: readonly string[]): string {
  return `No resilience policy named "${name}"; define it in ResilienceModule options, with registry.define(), or in the live rules. Known: ${known.length === 0 ? '(none)' : known.join(', ')}.`;
}
