import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LatticeError } from '@lattice/core';
import { stringify as toYaml } from 'yaml';
import { ConfigAdmin, type ReleaseContent } from '../admin/config-admin.js';
import { cliUsageMessage } from '../config.messages.js';
import type { ConfigCoordinates, Release } from '../model/release.interfaces.js';
import { RedisConfigStore } from '../store/redis-config-store.js';

/**
 * Where the CLI writes: standard output and standard error.
 *
 * @example
 * ```ts
 * const io: ConfigCliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };
 * ```
 */
export interface ConfigCliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const HELP = `lattice-config <command> --app <appId> [--cluster default] [--namespace application] [options]

Commands:
  publish   --file <release.yaml|.json> [--comment <text>] [--expect-revision <n>]   publish a main release
  get       [--version <n>]                                            show the current (or one) release
  history   [--limit <n>]                                              list releases, newest first
  diff      --from <n> [--to <n>]                                      compare two releases (to: current)
  rollback  --to <n> [--comment <text>]                                publish release <n>'s properties again
  gray      --file <f> (--instances <id,id> | --labels <k=v,k=v>)      publish a gray release for some instances
  promote   [--comment <text>]                                         make the gray release the main release
  abandon   [--comment <text>]                                         drop the gray release

Options: --redis <url> (default LATTICE_REDIS_URL or redis://127.0.0.1:6379), --prefix <key prefix>,
         --author <name> (default $USER), --json (machine-readable output)
Exit status: 0 done, 1 refused or failed (nothing changed), 2 usage error.`;

const COMMANDS = new Set(['publish', 'get', 'history', 'diff', 'rollback', 'gray', 'promote', 'abandon']);

class UsageError extends Error {}

/**
 * The `lattice-config` command line (also `lattice config` through the platform's
 * dispatcher): publish from YAML/JSON, get, history, diff, rollback, gray, promote, abandon
 * against the Redis config store. Invalid content is refused with the parse problems and
 * nothing is published. Resolves to the exit status.
 *
 * @example
 * ```ts
 * const code = await runConfigCli(
 *   ['publish', '--app', 'device', '--file', 'device.yaml', '--comment', 'raise limit'],
 *   { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
 * );
 * ```
 */
export async function runConfigCli(argv: string[], io: ConfigCliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.out(`${HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  let store: RedisConfigStore | undefined;
  try {
    if (!COMMANDS.has(command)) throw new UsageError(`Unknown command "${command}".`);
    const { values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        app: { type: 'string' },
        cluster: { type: 'string', default: 'default' },
        namespace: { type: 'string', default: 'application' },
        file: { type: 'string' },
        format: { type: 'string' },
        comment: { type: 'string', default: '' },
        author: { type: 'string' },
        version: { type: 'string' },
        limit: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        instances: { type: 'string' },
        labels: { type: 'string' },
        'expect-revision': { type: 'string' },
        redis: { type: 'string' },
        prefix: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (values.app === undefined) throw new UsageError('--app is required.');
    const at: ConfigCoordinates = { appId: values.app, cluster: values.cluster, namespace: values.namespace };
    const meta = { author: values.author ?? process.env['USER'] ?? 'cli', comment: values.comment };
    // Read and parse files before connecting, so a bad file fails without touching Redis.
    const content =
      command === 'publish' || command === 'gray' ? await readContent(values.file, values.format) : undefined;

    store = new RedisConfigStore({
      url: values.redis ?? process.env['LATTICE_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      ...(values.prefix === undefined ? {} : { keyPrefix: values.prefix }),
      connectionName: 'lattice:config:cli',
    });
    const admin = new ConfigAdmin(store);
    const print = (value: unknown, text: () => string): void =>
      io.out(values.json ? `${JSON.stringify(value, null, 2)}\n` : text());

    switch (command) {
      case 'publish': {
        const expected =
          values['expect-revision'] === undefined ? undefined : int('--expect-revision', values['expect-revision']);
        const release = await admin.publish(at, content!, meta, expected);
        print(release, () => `published ${label(at)} version ${release.version}\n`);
        break;
      }
      case 'gray': {
        const targets = {
          instanceIds: list(values.instances),
          labels: Object.fromEntries(
            list(values.labels).map((pair) => {
              const i = pair.indexOf('=');
              if (i <= 0) throw new UsageError(`--labels expects name=value pairs, got "${pair}".`);
              return [pair.slice(0, i), pair.slice(i + 1)];
            }),
          ),
        };
        const release = await admin.gray(at, content!, targets, meta);
        print(
          release,
          () => `published gray release ${release.version} of ${label(at)} for ${describeTargets(release)}\n`,
        );
        break;
      }
      case 'get': {
        if (values.version !== undefined) {
          const release = await admin.release(at, int('--version', values.version));
          print(release, () => renderRelease(release));
        } else {
          const state = await admin.state(at);
          print(state, () =>
            state.main === null && state.gray === null
              ? `# ${label(at)} has no release yet\n`
              : [state.main, state.gray]
                  .filter((r): r is Release => r !== null)
                  .map(renderRelease)
                  .join('---\n'),
          );
        }
        break;
      }
      case 'history': {
        const releases = await admin.history(at, values.limit === undefined ? undefined : int('--limit', values.limit));
        print(
          releases,
          () =>
            releases
              .map(
                (r) =>
                  `${String(r.version).padStart(5)}  ${r.kind.padEnd(8)}  ${new Date(r.createdAtMs).toISOString()}  ${r.author}  ${r.comment}\n`,
              )
              .join('') || `# ${label(at)} has no release yet\n`,
        );
        break;
      }
      case 'diff': {
        if (values.from === undefined) throw new UsageError('diff needs --from <version>.');
        const diff = await admin.diff(
          at,
          int('--from', values.from),
          values.to === undefined ? undefined : int('--to', values.to),
        );
        print(diff, () => {
          const lines = [`# ${label(at)}: ${diff.from} -> ${diff.to}`];
          for (const c of diff.added) lines.push(`+ ${c.key}: ${JSON.stringify(c.after)}`);
          for (const c of diff.removed) lines.push(`- ${c.key}: ${JSON.stringify(c.before)}`);
          for (const c of diff.changed)
            lines.push(`~ ${c.key}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`);
          if (lines.length === 1) lines.push('(no differences)');
          return `${lines.join('\n')}\n`;
        });
        break;
      }
      case 'rollback': {
        if (values.to === undefined) throw new UsageError('rollback needs --to <version>.');
        const release = await admin.rollback(at, int('--to', values.to), meta);
        print(release, () => `rolled ${label(at)} back to version ${values.to} as version ${release.version}\n`);
        break;
      }
      case 'promote': {
        const release = await admin.promote(at, meta);
        print(
          release,
          () => `promoted gray release ${release.promotedFrom} of ${label(at)} as version ${release.version}\n`,
        );
        break;
      }
      case 'abandon': {
        const release = await admin.abandon(at, meta);
        print(release, () => `abandoned gray release ${release.version} of ${label(at)}\n`);
        break;
      }
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${cliUsageMessage((error as Error).message)}\n`);
      return 2;
    }
    if (LatticeError.isLatticeError(error)) {
      io.err(`error ${error.code}: ${error.message}\n`);
      return 1;
    }
    io.err(`error: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}

async function readContent(file: string | undefined, format: string | undefined): Promise<ReleaseContent> {
  if (file === undefined) throw new UsageError('--file <release.yaml|.json> is required.');
  if (format !== undefined && format !== 'yaml' && format !== 'json') throw new UsageError('--format is yaml or json.');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as Error).message}.`);
  }
  return { text, format: format ?? (file.endsWith('.json') ? 'json' : 'yaml') };
}

function int(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} expects a positive integer, got "${value}".`);
  return Number(value);
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function label(at: ConfigCoordinates): string {
  return `${at.appId}/${at.cluster}/${at.namespace}`;
}

function describeTargets(release: Release): string {
  const parts = [...(release.targets?.instanceIds ?? [])];
  for (const [k, v] of Object.entries(release.targets?.labels ?? {})) parts.push(`${k}=${v}`);
  return parts.join(', ');
}

function renderRelease(release: Release): string {
  const header = [
    `# ${label(release)} version ${release.version} (${release.kind}) by ${release.author} at ${new Date(release.createdAtMs).toISOString()}`,
  ];
  if (release.comment) header.push(`# ${release.comment}`);
  if (release.kind === 'gray') header.push(`# gray release for ${describeTargets(release)}`);
  const body = Object.keys(release.properties).length === 0 ? '{}\n' : toYaml(release.properties);
  return `${header.join('\n')}\n${body}`;
}
