import { GatewayBadPathError } from '../gateway.errors.js';

/** A request target split and checked. */
export interface CheckedTarget {
  /** The raw (still percent-encoded) path, safe to forward. */
  readonly path: string;
  /** The raw query without `?` ('' when none). */
  readonly query: string;
}

const MAX_TARGET = 8192;

/**
 * Refuses path tricks before routing: anything not origin-form, control characters,
 * backslashes, encoded slashes/backslashes/NUL, malformed or double percent-encoding, `.`/`..`
 * and empty segments (raw or encoded). Throws {@link GatewayBadPathError} (400).
 */
export function checkRequestTarget(url: string | undefined): CheckedTarget {
  if (url === undefined || url.length === 0 || url.charCodeAt(0) !== 47)
    throw new GatewayBadPathError('not an absolute path');
  if (url.length > MAX_TARGET) throw new GatewayBadPathError('too long');
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  if (isPlainPath(path)) {
    // eslint-disable-next-line no-control-regex
    if (query !== '' && /[\u0000-\u0020\u007f-\uffff#]/.test(query))
      throw new GatewayBadPathError('control character in the query');
    return { path, query };
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\uffff\\#]/.test(path))
    throw new GatewayBadPathError('control character, space or backslash');
  if (path.includes('%')) {
    if (/%(2f|5c|00)/i.test(path)) throw new GatewayBadPathError('encoded slash, backslash or NUL');
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      throw new GatewayBadPathError('malformed percent-encoding');
    }
    if (/%[0-9a-f]{2}/i.test(decoded)) throw new GatewayBadPathError('double percent-encoding');
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(decoded)) throw new GatewayBadPathError('encoded control character');
    checkSegments(decoded);
  } else checkSegments(path);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\uffff#]/.test(query)) throw new GatewayBadPathError('control character in the query');
  return { path, query };
}

function checkSegments(path: string): void {
  if (path === '/') return;
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    if (s === '.' || s === '..') throw new GatewayBadPathError('dot segment');
    if (s === '' && i !== segments.length - 1) throw new GatewayBadPathError('empty segment');
  }
}

/**
 * The common case in one pass: only printable ASCII without `%`, `\\` or `#`, and no empty
 * (except a trailing slash) or dot segment. False sends the path through the full checks.
 */
function isPlainPath(path: string): boolean {
  const n = path.length;
  let segmentStart = 1;
  for (let i = 1; i <= n; i++) {
    const c = i < n ? path.charCodeAt(i) : 47;
    if (c === 47) {
      const length = i - segmentStart;
      if (length === 0 ? i !== n : length <= 2 && isDots(path, segmentStart, length)) return false;
      segmentStart = i + 1;
    } else if (c <= 32 || c >= 127 || c === 37 || c === 92 || c === 35) return false;
  }
  return true;
}

function isDots(path: string, start: number, length: number): boolean {
  return path.charCodeAt(start) === 46 && (length === 1 || path.charCodeAt(start + 1) === 46);
}
