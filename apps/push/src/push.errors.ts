import { LatticeError } from '@lattice/core';
import { PushMessages } from './push.messages.js';

/**
 * The request has no identity from the gateway, or its identity signature does not verify (401).
 *
 * @example
 * ```ts
 * if (!headers['x-lattice-user']) throw new PushUnauthenticatedError('missing');
 * ```
 */
export class PushUnauthenticatedError extends LatticeError<{ readonly reason: 'missing' | 'signature' }> {
  constructor(reason: 'missing' | 'signature') {
    super(
      'PUSH_UNAUTHENTICATED',
      reason === 'missing' ? PushMessages.missingIdentity() : PushMessages.badIdentitySignature(),
      { data: { reason }, status: 401 },
    );
  }
}

/**
 * A push message (or a directory update) does not validate; every problem is listed (400).
 *
 * @example
 * ```ts
 * throw new InvalidPushMessageError(['title: required']);
 * ```
 */
export class InvalidPushMessageError extends LatticeError<{ readonly problems: readonly string[] }> {
  constructor(problems: readonly string[]) {
    super('PUSH_INVALID_MESSAGE', PushMessages.invalidMessage(problems), { data: { problems }, status: 400 });
  }
}

/**
 * The caller may not address this target (broadcast without admin, a foreign home) (403).
 *
 * @example
 * ```ts
 * throw new PushForbiddenError('broadcast');
 * ```
 */
export class PushForbiddenError extends LatticeError<{ readonly target: string }> {
  constructor(target: string) {
    super(
      'PUSH_FORBIDDEN_TARGET',
      target === 'broadcast' ? PushMessages.broadcastForbidden() : PushMessages.homeForbidden(target),
      { data: { target }, status: 403 },
    );
  }
}

/**
 * No push message with this id (never accepted, or its retention ended) (404).
 *
 * @example
 * ```ts
 * throw new PushMessageNotFoundError('m-1');
 * ```
 */
export class PushMessageNotFoundError extends LatticeError<{ readonly id: string }> {
  constructor(id: string) {
    super('PUSH_MESSAGE_NOT_FOUND', PushMessages.messageNotFound(id), { data: { id }, status: 404 });
  }
}

/**
 * An offline provider answered with an error. `tokenInvalid` means the device token is dead
 * (APNs 410 Unregistered, FCM UNREGISTERED) and is removed; `retryable` ones are retried with
 * back-off (429, 5xx), honouring `retryAfterMs` when the provider sent one.
 *
 * @example
 * ```ts
 * throw new ProviderError('apns', 410, 'Unregistered', { tokenInvalid: true });
 * ```
 */
export class ProviderError extends LatticeError<{
  readonly provider: string;
  readonly status: number;
  readonly reason: string;
  readonly tokenInvalid: boolean;
  readonly retryAfterMs: number | undefined;
}> {
  constructor(
    provider: string,
    status: number,
    reason: string,
    options: { tokenInvalid?: boolean; retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(
      'PUSH_PROVIDER_REJECTED',
      status === 0
        ? PushMessages.providerUnavailable(provider, reason)
        : PushMessages.providerRejected(provider, status, reason),
      {
        data: {
          provider,
          status,
          reason,
          tokenInvalid: options.tokenInvalid ?? false,
          retryAfterMs: options.retryAfterMs,
        },
        retryable: options.retryable ?? false,
        status: 502,
        ...(options.cause === undefined ? {} : { cause: options.cause }),
      },
    );
  }
}

/**
 * A back-off strategy name that is not registered.
 *
 * @example
 * ```ts
 * backoffs.get('fibonacci'); // throws UnknownBackoffError
 * ```
 */
export class UnknownBackoffError extends LatticeError<{ readonly name: string }> {
  constructor(name: string, known: readonly string[]) {
    super('PUSH_UNKNOWN_BACKOFF', PushMessages.unknownBackoff(name, known), { data: { name }, status: 500 });
  }
}
