import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { PushUnauthenticatedError } from '../push.errors.js';

/** The caller, as the gateway vouches for it. */
export interface Identity {
  readonly user: string;
  readonly homes: readonly string[];
  readonly roles: readonly string[];
  readonly saasKey: string;
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * Reads the gateway's identity headers. With a secret, `x-lattice-identity-signature` must be
 * hex HMAC-SHA256(secret, `${user}\n${homes}\n${roles}\n${saasKey}`) over the raw header values,
 * so a token for user A can never act as user B.
 */
export function readIdentity(headers: IncomingHttpHeaders, secret: string | undefined): Identity {
  const user = header(headers, 'x-lattice-user');
  const homes = header(headers, 'x-lattice-homes');
  const roles = header(headers, 'x-lattice-roles');
  const saasKey = header(headers, 'x-lattice-saas-key');
  if (user === '' && saasKey === '') throw new PushUnauthenticatedError('missing');
  if (secret !== undefined && secret !== '') {
    const given = Buffer.from(header(headers, 'x-lattice-identity-signature'), 'hex');
    const expected = signIdentity(secret, user, homes, roles, saasKey);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new PushUnauthenticatedError('signature');
  }
  return { user, homes: list(homes), roles: list(roles), saasKey };
}

/** The gateway's identity signature (raw bytes). */
export function signIdentity(secret: string, user: string, homes: string, roles: string, saasKey: string): Buffer {
  return createHmac('sha256', secret).update(`${user}\n${homes}\n${roles}\n${saasKey}`).digest();
}
