import { createHash } from 'node:crypto';
import { Command, type Redis } from 'ioredis';

/** A Lua script with its SHA1, computed once where the script is defined. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

/** Defines a script (its SHA1 is computed here, once). */
export function defineScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Sends one command straight to the connection. The scheduler's hot calls are already one
 * per turn (see TurnBatch), so an auto-pipelining connection's extra pipeline per turn
 * would cost more than it gathers; order on the connection is still the order of sending.
 */
export function sendNow(redis: Redis, name: string, args: readonly (string | number)[]): Promise<unknown> {
  return redis.sendCommand(
    new Command(name, [...args], { replyEncoding: 'utf8', keyPrefix: redis.options.keyPrefix }),
  ) as Promise<unknown>;
}

/** EVALSHA (the script is sent once per server, not with every call), EVAL on NOSCRIPT. */
export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await sendNow(redis, 'evalsha', [script.sha, keys.length, ...keys, ...args]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return sendNow(redis, 'eval', [script.source, keys.length, ...keys, ...args]);
  }
}
