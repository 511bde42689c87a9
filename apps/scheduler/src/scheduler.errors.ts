import { LatticeError, type ValidationProblem } from '@lattice/core';
import {
  actionFailedMessage,
  invalidCronMessage,
  invalidRuleMessage,
  ruleNotFoundMessage,
  unauthenticatedMessage,
  versionConflictMessage,
} from './scheduler.messages.js';

/**
 * A rule body does not validate; `problems` lists every field path with its message.
 *
 * @example
 * ```ts
 * throw new InvalidRuleError([{ path: 'triggers.0.timeZone', message: 'must be an IANA time zone' }]);
 * ```
 */
export class InvalidRuleError extends LatticeError<{ readonly problems: readonly ValidationProblem[] }> {
  constructor(problems: readonly ValidationProblem[]) {
    super('SCHEDULER_INVALID_RULE', invalidRuleMessage(problems), { data: { problems }, status: 400 });
  }
}

/**
 * The rule does not exist or belongs to a home the caller cannot reach (404 either way).
 *
 * @example
 * ```ts
 * throw new RuleNotFoundError('r-1');
 * ```
 */
export class RuleNotFoundError extends LatticeError<{ readonly ruleId: string }> {
  constructor(ruleId: string) {
    super('SCHEDULER_RULE_NOT_FOUND', ruleNotFoundMessage(ruleId), { data: { ruleId }, status: 404 });
  }
}

/**
 * The request has no caller identity headers (it did not come through the gateway).
 *
 * @example
 * ```ts
 * throw new UnauthenticatedError();
 * ```
 */
export class UnauthenticatedError extends LatticeError {
  constructor() {
    super('SCHEDULER_UNAUTHENTICATED', unauthenticatedMessage(), { status: 401 });
  }
}

/**
 * A cron expression cannot be parsed.
 *
 * @example
 * ```ts
 * throw new InvalidCronError('61 * * * * *', 'second out of range');
 * ```
 */
export class InvalidCronError extends LatticeError<{ readonly expression: string }> {
  constructor(expression: string, reason: string) {
    super('SCHEDULER_INVALID_CRON', invalidCronMessage(expression, reason), { data: { expression }, status: 400 });
  }
}

/**
 * An update named a version (`If-Match`) that is no longer current.
 *
 * @example
 * ```ts
 * throw new RuleVersionConflictError('r-1', 2, 3);
 * ```
 */
export class RuleVersionConflictError extends LatticeError<{ readonly ruleId: string; readonly version: number }> {
  constructor(ruleId: string, expected: number, actual: number) {
    super('SCHEDULER_VERSION_CONFLICT', versionConflictMessage(ruleId, expected, actual), {
      data: { ruleId, version: actual },
      status: 409,
    });
  }
}

/**
 * An outbound action (webhook, push, device command) failed; retryable when the far side may recover.
 *
 * @example
 * ```ts
 * throw new ActionFailedError('webhook', 'HTTP 503', true);
 * ```
 */
export class ActionFailedError extends LatticeError<{ readonly action: string }> {
  constructor(action: string, reason: string, retryable: boolean, cause?: unknown) {
    super('SCHEDULER_ACTION_FAILED', actionFailedMessage(action, reason), {
      data: { action },
      retryable,
      status: 502,
      cause,
    });
  }
}
