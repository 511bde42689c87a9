import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal } from './auth.interfaces.js';

/** The identity headers the gateway owns: stripped from every incoming request, set for authenticated ones. */
export const IDENTITY_HEADERS = [
  'x-lattice-user',
  'x-lattice-homes',
  'x-lattice-roles',
  'x-lattice-saas-key',
  'x-lattice-identity-signature',
] as const;

/** The string the identity signature covers. */
function identityPayload(user: string, homes: string, roles: string, saasKey: string): string {
  return `${user}\n${homes}\n${roles}\n${saasKey}`;
}

/**
 * The identity headers for a principal, signed with HMAC-SHA256(secret, user\nhomes\nroles\nsaasKey).
 *
 * @example
 * ```ts
 * Object.assign(upstreamHeaders, identityHeaders(principal, secret));
 * ```
 */
export function identityHeaders(principal: Principal, secret: string): Record<string, string> {
  const user = principal.kind === 'user' ? principal.id : '';
  const homes = principal.homes.join(',');
  const roles = principal.roles.join(',');
  const saasKey = principal.saasKey ?? '';
  const headers: Record<string, string> = {
    'x-lattice-homes': homes,
    'x-lattice-roles': roles,
    'x-lattice-identity-signature': createHmac('sha256', secret)
      .update(identityPayload(user, homes, roles, saasKey))
      .digest('hex'),
  };
  if (user !== '') headers['x-lattice-user'] = user;
  if (saasKey !== '') headers['x-lattice-saas-key'] = saasKey;
  return headers;
}

/**
 * What a service behind the gateway calls to check that the identity headers came from it.
 *
 * @example
 * ```ts
 * if (!verifyIdentityHeaders(req.headers, secret)) throw new UnauthorizedException();
 * ```
 */
export function verifyIdentityHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  secret: string,
): boolean {
  const read = (name: string): string => {
    const v = headers[name];
    return typeof v === 'string' ? v : '';
  };
  const expected = createHmac('sha256', secret)
    .update(
      identityPayload(
        read('x-lattice-user'),
        read('x-lattice-homes'),
        read('x-lattice-roles'),
        read('x-lattice-saas-key'),
      ),
    )
    .digest();
  const given = Buffer.from(read('x-lattice-identity-signature'), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
