import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayUnauthenticatedError } from '../gateway.errors.js';
import type { Principal, SaasPartner } from './auth.interfaces.js';
import type { NonceStore } from './nonce-store.js';

/** The replay window: timestamps further than this from now are refused. */
export const SAAS_WINDOW_MS = 5 * 60_000;

/** The string a partner signs (ARCHITECTURE.md): `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nhex(sha256(body))`. */
export function saasStringToSign(
  method: string,
  pathAndQuery: string,
  timestamp: string,
  nonce: string,
  body: Buffer,
): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `${method}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${bodyHash}`;
}

/**
 * Signs a request the way partners do (tests, partner SDKs, the docs' example).
 *
 * @example
 * ```ts
 * const headers = signSaasRequest({ key: 'acme', secret }, 'POST', '/api/v1/push/messages', body);
 * ```
 */
export function signSaasRequest(
  partner: { key: string; secret: string },
  method: string,
  pathAndQuery: string,
  body: Buffer = Buffer.alloc(0),
  timestampMs: number = Date.now(),
  nonce: string = createHash('sha256')
    .update(String(Math.random()) + String(timestampMs))
    .digest('hex')
    .slice(0, 32),
): Record<string, string> {
  const timestamp = String(Math.floor(timestampMs / 1000));
  const signature = createHmac('sha256', partner.secret)
    .update(saasStringToSign(method, pathAndQuery, timestamp, nonce, body))
    .digest('hex');
  return {
    'x-lattice-key': partner.key,
    'x-lattice-timestamp': timestamp,
    'x-lattice-nonce': nonce,
    'x-lattice-signature': signature,
  };
}

/**
 * Checks the signed SaaS scheme: known key, timestamp (seconds) within 5 minutes, HMAC over
 * method, path and query, timestamp, nonce and body hash, and a nonce never seen in the window.
 *
 * @example
 * ```ts
 * const principal = await saas.verify('POST', '/api/v1/push/messages', req.headers, body);
 * ```
 */
export class SaasVerifier {
  constructor(
    private readonly partners: () => Readonly<Record<string, SaasPartner>>,
    private readonly nonces: NonceStore,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(method: string, pathAndQuery: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Principal> {
    const key = single(headers['x-lattice-key']);
    const timestamp = single(headers['x-lattice-timestamp']);
    const nonce = single(headers['x-lattice-nonce']);
    const signature = single(headers['x-lattice-signature']);
    if (key === undefined || timestamp === undefined || nonce === undefined || signature === undefined)
      throw new GatewayUnauthenticatedError('missing SaaS signature headers');
    const partner = Object.hasOwn(this.partners(), key) ? this.partners()[key] : undefined;
    if (partner === undefined) throw new GatewayUnauthenticatedError('unknown key');
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(Number(timestamp) * 1000 - this.now()) > SAAS_WINDOW_MS)
      throw new GatewayUnauthenticatedError('timestamp outside the 5-minute window');
    if (!/^[A-Za-z0-9_-]{8,128}$/.test(nonce)) throw new GatewayUnauthenticatedError('malformed nonce');
    const expected = createHmac('sha256', partner.secret)
      .update(saasStringToSign(method, pathAndQuery, timestamp, nonce, body))
      .digest();
    const given = /^[0-9a-fA-F]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new GatewayUnauthenticatedError('bad signature');
    // Claimed only after the signature holds, so forged requests cannot burn a partner's nonces.
    if (!(await this.nonces.claim(`${key}:${nonce}`, SAAS_WINDOW_MS * 2)))
      throw new GatewayUnauthenticatedError('nonce reused');
    return { kind: 'saas', id: key, saasKey: key, homes: partner.homes, roles: partner.roles ?? ['saas'] };
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}
