import type { RandomHex } from './ids.js';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { IDENTITY_HEADERS } from '../auth/identity-headers.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the ones the gateway owns or replaces. */
const DROPPED_REQUEST = new Set<string>([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'authorization',
  'x-lattice-signature',
  'x-request-id',
  'traceparent',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'forwarded',
  ...IDENTITY_HEADERS,
]);

const DROPPED_RESPONSE = new Set<string>([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Names listed in a Connection header are hop-by-hop too. */
function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  // The common values list no other header: skip the split.
  if (value === undefined || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive') return undefined;
  const names = (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '' && v !== 'close' && v !== 'keep-alive' && v !== 'upgrade');
  return names.length === 0 ? undefined : new Set(names);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when it is sane, else a new one. */
export function requestIdOf(headers: IncomingHttpHeaders, random: RandomHex): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : random.next(12);
}

/** A `traceparent` for the upstream hop: the caller's trace continued with a new span id, or a new trace. */
export function nextTraceparent(headers: IncomingHttpHeaders, random: RandomHex): string {
  const given = headers.traceparent;
  const m = typeof given === 'string' ? TRACEPARENT.exec(given) : null;
  const span = random.next(8);
  if (m !== null && m[1] !== '00000000000000000000000000000000') return `00-${m[1]}-${span}-${m[3]}`;
  return `00-${random.next(16)}-${span}-01`;
}

/** Upstream request headers: end-to-end ones copied, ours added (X-Forwarded-*, request id, traceparent). */
export function upstreamRequestHeaders(
  req: IncomingMessage,
  requestId: string,
  random: RandomHex,
  keepUpgrade = false,
): Record<string, string | string[]> {
  const listed = connectionListed(req.headers.connection);
  const out: Record<string, string | string[]> = {};
  const incoming = req.headers;
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined) continue;
    if (DROPPED_REQUEST.has(name) && !(keepUpgrade && (name === 'upgrade' || name === 'connection'))) continue;
    if (listed?.has(name) === true) continue;
    out[name] = value;
  }
  const remote = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = typeof prior === 'string' && prior !== '' ? `${prior}, ${remote}` : remote;
  out['x-forwarded-proto'] = (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
  if (req.headers.host !== undefined) out['x-forwarded-host'] = req.headers.host;
  out['x-request-id'] = requestId;
  out['traceparent'] = nextTraceparent(req.headers, random);
  return out;
}

/** Response headers without hop-by-hop ones. */
export function downstreamResponseHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const listed = connectionListed(headers['connection']);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || DROPPED_RESPONSE.has(name) || listed?.has(name) === true) continue;
    out[name] = value;
  }
  return out;
}
