import { LatticeError } from '@lattice/core';
import { GATEWAY_MESSAGES } from './gateway.messages.js';

/**
 * No route (or a resource of another home): 404 `GATEWAY_NOT_FOUND`, the same answer either
 * way so that ids cannot be probed.
 *
 * @example
 * ```ts
 * throw new GatewayNotFoundError();
 * ```
 */
export class GatewayNotFoundError extends LatticeError {
  constructor() {
    super('GATEWAY_NOT_FOUND', GATEWAY_MESSAGES.notFound(), { status: 404 });
  }
}

/**
 * A path with traversal, encoded slashes, double encoding or control characters: 400 `GATEWAY_BAD_PATH`.
 *
 * @example
 * ```ts
 * throw new GatewayBadPathError('dot segment');
 * ```
 */
export class GatewayBadPathError extends LatticeError<{ reason: string }> {
  constructor(reason: string) {
    super('GATEWAY_BAD_PATH', GATEWAY_MESSAGES.badPath(reason), { status: 400, data: { reason } });
  }
}

/**
 * Missing or invalid credentials: 401 `GATEWAY_UNAUTHENTICATED` (the reason is a short, safe phrase).
 *
 * @example
 * ```ts
 * throw new GatewayUnauthenticatedError('token expired');
 * ```
 */
export class GatewayUnauthenticatedError extends LatticeError {
  constructor(reason: string, cause?: unknown) {
    super('GATEWAY_UNAUTHENTICATED', GATEWAY_MESSAGES.unauthenticated(reason), { status: 401, cause });
  }
}

/**
 * Valid credentials without the route's role: 403 `GATEWAY_FORBIDDEN`.
 *
 * @example
 * ```ts
 * throw new GatewayForbiddenError();
 * ```
 */
export class GatewayForbiddenError extends LatticeError {
  constructor() {
    super('GATEWAY_FORBIDDEN', GATEWAY_MESSAGES.forbidden(), { status: 403 });
  }
}

/**
 * A body above the route's `requestSize` limit: 413 `GATEWAY_PAYLOAD_TOO_LARGE`.
 *
 * @example
 * ```ts
 * throw new GatewayPayloadTooLargeError(1_048_576);
 * ```
 */
export class GatewayPayloadTooLargeError extends LatticeError<{ maxBytes: number }> {
  constructor(maxBytes: number) {
    super('GATEWAY_PAYLOAD_TOO_LARGE', GATEWAY_MESSAGES.payloadTooLarge(maxBytes), {
      status: 413,
      data: { maxBytes },
    });
  }
}

/**
 * A body that is not JSON (`MALFORMED_BODY`) or fails the route's JSON schema (`GATEWAY_BODY_INVALID`): 400.
 *
 * @example
 * ```ts
 * throw new GatewayBodyInvalidError(['/method: must be string']);
 * ```
 */
export class GatewayBodyInvalidError extends LatticeError<{ errors: readonly string[] }> {
  constructor(errors: readonly string[], malformed = false) {
    super(
      malformed ? 'MALFORMED_BODY' : 'GATEWAY_BODY_INVALID',
      malformed ? GATEWAY_MESSAGES.malformedBody() : GATEWAY_MESSAGES.bodyInvalid(errors.join('; ')),
      { status: 400, data: { errors } },
    );
  }
}

/**
 * The upstream could not be reached or failed mid-response: 502 `GATEWAY_UPSTREAM_UNAVAILABLE` (retryable).
 *
 * @example
 * ```ts
 * throw new GatewayUpstreamError('lb://device', cause);
 * ```
 */
export class GatewayUpstreamError extends LatticeError<{ target: string }> {
  constructor(target: string, cause?: unknown) {
    super('GATEWAY_UPSTREAM_UNAVAILABLE', GATEWAY_MESSAGES.upstreamUnavailable(target), {
      status: 502,
      retryable: true,
      cause,
      data: { target },
    });
  }
}

/**
 * The route's timeout passed before the upstream answered: 504 `GATEWAY_UPSTREAM_TIMEOUT`.
 *
 * @example
 * ```ts
 * throw new GatewayTimeoutError(5_000);
 * ```
 */
export class GatewayTimeoutError extends LatticeError<{ timeoutMs: number }> {
  constructor(timeoutMs: number) {
    super('GATEWAY_UPSTREAM_TIMEOUT', GATEWAY_MESSAGES.upstreamTimeout(timeoutMs), {
      status: 504,
      retryable: true,
      data: { timeoutMs },
    });
  }
}

/**
 * A route table that does not validate; the previous table stays in force. `GATEWAY_ROUTES_INVALID`.
 *
 * @example
 * ```ts
 * throw new GatewayRoutesInvalidError(['routes.0.uri: must be lb://<service> or an http(s) URL']);
 * ```
 */
export class GatewayRoutesInvalidError extends LatticeError<{ problems: readonly string[] }> {
  constructor(problems: readonly string[]) {
    super('GATEWAY_ROUTES_INVALID', GATEWAY_MESSAGES.routesInvalid(problems), { status: 400, data: { problems } });
  }
}
