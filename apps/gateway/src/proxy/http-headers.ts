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
  // Not a header a service means; as a key it would set the object's prototype.
  '__proto__',
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

/**
 * Response headers from undici's raw list (name, value, …) without hop-by-hop ones, in one
 * pass: names lower-cased, values read as latin1, a repeated name becomes an array.
 */
export function downstreamResponseHeaders(raw: readonly Buffer[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  let connection: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    if (DROPPED_RESPONSE.has(name)) {
      if (name === 'connection') connection = connection === undefined ? value : `${connection},${value}`;
      continue;
    }
    const prior = out[name];
    if (prior === undefined) out[name] = value;
    else if (typeof prior === 'string') out[name] = [prior, value];
    else prior.push(value);
  }
  const listed = connectionListed(connection);
  if (listed !== undefined) for (const name of listed) delete out[name];
  return out;
}
