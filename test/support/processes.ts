import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const register = fileURLToPath(new URL('../../scripts/jest/ts-register.mjs', import.meta.url));

/** A child process running a TypeScript entry from source, with its output collected. */
export interface TsProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern` (rejects on exit or timeout). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** SIGKILLs the process if it is still running and waits for it. */
  kill(): Promise<void>;
}

/** Starts `node --import ts-register <entry>`, as a production process would run the built file. */
export function spawnTs(entry: string, env: Record<string, string> = {}, args: readonly string[] = []): TsProcess {
  const child = spawn(process.execPath, ['--import', register, entry, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const lineWaiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const waiter of lineWaiters) waiter();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const waiter of lineWaiters) waiter();
      resolve(code ?? signal ?? -1);
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`no line matching ${pattern} within ${timeoutMs} ms\n${out}\n${err}`)),
          timeoutMs,
        );
        const check = (): void => {
          const line = out.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) done(undefined, line);
          else if (child.exitCode !== null || child.signalCode !== null)
            done(new Error(`process exited before printing ${pattern}\n${out}\n${err}`));
        };
        const done = (error?: Error, line?: string): void => {
          clearTimeout(timer);
          lineWaiters.delete(check);
          if (error) reject(error);
          else resolve(line!);
        };
        lineWaiters.add(check);
        check();
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
