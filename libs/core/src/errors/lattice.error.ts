/** Context attached to an error; it is part of the error's public contract. */
export type ErrorData = Readonly<Record<string, unknown>>;

/** Options shared by every {@link LatticeError}. */
export interface LatticeErrorOptions<D extends ErrorData = ErrorData> {
  /** Typed, read-only context that callers may act on (it is sent to clients in problem+json). */
  data?: D;
  /** The error that caused this one; kept for logs, never sent to clients. */
  cause?: unknown;
  /** Whether repeating the same call may succeed. @default false */
  retryable?: boolean;
  /** HTTP status used when the error reaches an HTTP edge. @default 500 */
  status?: number;
}

/**
 * The base of every error Lattice throws on purpose.
 *
 * `code` is stable and never reused (prefixed by the lib: `BOOT_`, `DISCOVERY_`, ...),
 * so callers branch on it instead of parsing messages. At an HTTP edge the error becomes
 * an RFC 9457 problem+json body carrying the code (see {@link toProblem}).
 *
 * @example
 * ```ts
 * export class HubOfflineError extends LatticeError<{ hubId: string }> {
 *   constructor(hubId: string) {
 *     super('HUB_OFFLINE', `Hub ${hubId} is offline; queue the command with a TTL to deliver it on reconnect.`, {
 *       data: { hubId },
 *       status: 409,
 *     });
 *   }
 * }
 * ```
 */
export class LatticeError<D extends ErrorData = ErrorData> extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly data: D;
  readonly status: number;

  constructor(code: string, message: string, options: LatticeErrorOptions<D> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.data = Object.freeze({ ...(options.data ?? {}) }) as D;
    this.status = options.status ?? 500;
  }

  /** True for any LatticeError, including ones from another copy of this package. */
  static isLatticeError(value: unknown): value is LatticeError {
    if (value instanceof LatticeError) return true;
    return (
      value instanceof Error &&
      typeof (value as Partial<LatticeError>).code === 'string' &&
      typeof (value as Partial<LatticeError>).retryable === 'boolean' &&
      typeof (value as Partial<LatticeError>).status === 'number'
    );
  }
}
