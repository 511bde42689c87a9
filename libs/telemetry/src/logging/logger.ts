import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { currentTraceIds } from '../tracing/spans.js';

export type { Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Written as `app` on every line. */
  app: string;
  /** @default 'info' (or `LOG_LEVEL`) */
  level?: LevelWithSilent;
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
}

/**
 * A pino logger writing one JSON object per line. Inside a span, each line carries
 * `trace_id` and `span_id`, so logs and traces join in any backend.
 *
 * @example
 * ```ts
 * const log = createLogger({ app: 'device' });
 * log.info({ hubId }, 'hub connected'); // {"level":30,"app":"device","trace_id":"…","hubId":"…","msg":"hub connected"}
 * ```
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? (process.env['LOG_LEVEL'] as LevelWithSilent | undefined) ?? 'info';
  return pino(
    {
      level,
      base: { app: options.app },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label, number) => ({ level: number, severity: label }) },
      mixin() {
        const ids = currentTraceIds();
        return ids === undefined ? {} : { trace_id: ids.traceId, span_id: ids.spanId };
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

const NEST_TO_PINO: Record<NestLogLevel, 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal'> = {
  log: 'info',
  error: 'error',
  warn: 'warn',
  debug: 'debug',
  verbose: 'trace',
  fatal: 'fatal',
};

// Nest's start-up chatter (one line per module and route) is useful only when debugging.
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/**
 * Nest's `LoggerService` on a pino logger, so framework and application logs share one
 * JSON format (with trace ids). Boot installs it; use it directly only in custom bootstraps.
 */
export class LatticeLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: NestLogLevel, message: unknown, params: unknown[]): void {
    const rest = [...params];
    // Nest passes the context last, and for errors a stack string before it.
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const method =
      level === 'log' && context !== undefined && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : NEST_TO_PINO[level];
    if (!this.pino.isLevelEnabled(method)) return;
    const fields: Record<string, unknown> = {};
    if (context !== undefined) fields['context'] = context;
    if (level === 'error' && typeof rest[0] === 'string' && rest[0].includes('\n    at '))
      fields['stack'] = rest.shift();
    if (rest.length > 0) fields['details'] = rest.length === 1 ? rest[0] : rest;
    if (message instanceof Error) {
      this.pino[method]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[method]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.pino[method](fields, String(message));
    }
  }
}
