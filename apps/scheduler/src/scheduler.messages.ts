import type { ValidationProblem } from '@lattice/core';

export const invalidRuleMessage = (problems: readonly ValidationProblem[]): string =>
  `The rule is invalid: ${problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ')}. Fix the listed fields and send it again.`;
export const ruleNotFoundMessage = (ruleId: string): string =>
  `Rule ${ruleId} does not exist in your homes; list your rules with GET /api/v1/rules.`;
export const unauthenticatedMessage = (): string =>
  'The request carries no caller identity (x-lattice-user, x-lattice-homes); call the scheduler through the gateway.';
export const invalidCronMessage = (expression: string, reason: string): string =>
  `Cron expression "${expression}" is invalid (${reason}); use six fields "sec min hour day month weekday", e.g. "0 30 7 * * 1-5".`;
export const versionConflictMessage = (ruleId: string, expected: number, actual: number): string =>
  `Rule ${ruleId} is at version ${actual}, not ${expected}; read it again and reapply your change.`;
export const actionFailedMessage = (action: string, reason: string): string => `Action ${action} failed: ${reason}.`;
