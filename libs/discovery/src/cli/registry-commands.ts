import { DiscoveryInstanceNotFoundError } from '../discovery.errors.js';
import { messages } from '../discovery.messages.js';
import type { ServiceInstance } from '../instance/service-instance.js';
import { isInstanceStatus } from '../internal/instances.js';
import { KubernetesRegistry } from '../registry/kubernetes-registry.js';
import { RedisRegistry } from '../registry/redis-registry.js';
import type { ServiceRegistry } from '../registry/service-registry.interfaces.js';

/**
 * Where the CLI writes.
 *
 * @example
 * ```ts
 * await runRegistryCli(['ls'], { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
 * ```
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/**
 * Extra inputs of {@link runRegistryCli}, for embedding and tests.
 *
 * @example
 * ```ts
 * await runRegistryCli(['ls'], io, { registry: myRegistry });
 * ```
 */
export interface RegistryCliOptions {
  /** The environment to read `LATTICE_*` from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Use this registry instead of building one from flags and environment (it is not closed). */
  registry?: ServiceRegistry;
  /** @default Date.now */
  now?: () => number;
}

const USAGE = `usage: lattice registry <command> [flags]

commands:
  ls [service]                                   instances with status, zone, version and lease age
  status <service> <instance> OUT_OF_SERVICE|UP  set an instance's status (drain it by hand, or bring it back)

flags:
  --backend redis|kubernetes   registry to read (default: LATTICE_DISCOVERY, then LATTICE_BACKEND)
  --redis-url <url>            default: LATTICE_REDIS_URL or redis://127.0.0.1:6379
  --key-prefix <prefix>        default: lattice:discovery:
  --namespace <namespace>      Kubernetes namespace (default: from the kubeconfig context or 'default')
  -h, --help`;

/**
 * `lattice registry ls [service]` and `lattice registry status <service> <instance>
 * OUT_OF_SERVICE|UP`, against the Redis or Kubernetes registry. Returns the exit code:
 * 0 done, 1 failed (unknown instance, registry unreachable), 2 usage error.
 *
 * @example
 * ```ts
 * const code = await runRegistryCli(['ls', 'device'], { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
 * process.exitCode = code;
 * ```
 */
export async function runRegistryCli(argv: string[], io: CliIo, options: RegistryCliOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  let parsed: { positional: string[]; flags: Map<string, string> };
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { positional, flags } = parsed;
  const [command, ...args] = positional;
  if (flags.has('help') || command === undefined || command === 'help') {
    const misuse = command === undefined && !flags.has('help');
    if (misuse) io.err(`${USAGE}\n`);
    else io.out(`${USAGE}\n`);
    return misuse ? 2 : 0;
  }
  if (command !== 'ls' && command !== 'status') {
    io.err(`unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }
  if (command === 'ls' && args.length > 1) {
    io.err(`ls takes at most one service\n\n${USAGE}\n`);
    return 2;
  }
  if (command === 'status' && (args.length !== 3 || !['OUT_OF_SERVICE', 'UP'].includes(args[2]!))) {
    io.err(
      `${args[2] !== undefined && !isInstanceStatus(args[2]) ? `${messages.invalidStatus(args[2])}\n` : ''}status needs <service> <instance> OUT_OF_SERVICE|UP\n\n${USAGE}\n`,
    );
    return 2;
  }
  const backend = flags.get('backend') ?? env['LATTICE_DISCOVERY'] ?? env['LATTICE_BACKEND'] ?? 'redis';
  let registry = options.registry;
  if (registry === undefined) {
    if (backend === 'redis') {
      registry = new RedisRegistry({
        url: flags.get('redis-url') ?? env['LATTICE_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        ...(flags.has('key-prefix') ? { keyPrefix: flags.get('key-prefix')! } : {}),
        sweepIntervalMs: 0,
        resyncIntervalMs: 0,
      });
    } else if (backend === 'kubernetes') {
      registry = new KubernetesRegistry(flags.has('namespace') ? { namespace: flags.get('namespace')! } : {});
    } else {
      io.err(
        `the ${backend} registry lives inside each application process (or its configuration); the CLI reads the redis or kubernetes registry: pass --backend redis|kubernetes\n`,
      );
      return 2;
    }
  }
  try {
    if (command === 'ls') await list(registry, args[0], io, options.now ?? Date.now);
    else {
      const [service, instanceId, status] = args as [string, string, 'OUT_OF_SERVICE' | 'UP'];
      if (!(await registry.setStatus(service, instanceId, status)))
        throw new DiscoveryInstanceNotFoundError(service, instanceId);
      io.out(`${messages.statusSet(service, instanceId, status)}\n`);
    }
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    io.err(`${typeof code === 'string' ? `${code}: ` : ''}${(error as Error).message}\n`);
    return 1;
  } finally {
    if (options.registry === undefined) await registry.close();
  }
}

async function list(
  registry: ServiceRegistry,
  service: string | undefined,
  io: CliIo,
  now: () => number,
): Promise<void> {
  const services = service === undefined ? await registry.services() : [service];
  const rows: string[][] = [['SERVICE', 'INSTANCE', 'STATUS', 'ZONE', 'VERSION', 'ADDRESS', 'LEASE AGE']];
  const preserving: string[] = [];
  for (const name of services) {
    const snapshot = await registry.snapshot(name);
    if (snapshot.selfPreservation) preserving.push(name);
    for (const i of snapshot.instances) rows.push(row(i, now()));
  }
  if (rows.length === 1) {
    io.out(service === undefined ? 'no services registered\n' : `no instances of ${service}\n`);
    return;
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows)
    io.out(
      `${r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  for (const name of preserving)
    io.out(
      `\n${name}: SELF-PRESERVATION — most leases lapsed at once; expired instances are kept until renewals resume\n`,
    );
}

function row(i: ServiceInstance, now: number): string[] {
  const ports = Object.entries(i.ports)
    .map(([name, port]) => `${name}=${port}`)
    .join(',');
  let age = '-';
  if (i.leaseExpiresAtMs !== undefined && i.leaseTtlMs !== undefined) {
    const renewedAt = i.leaseExpiresAtMs - i.leaseTtlMs;
    age = `${((now - renewedAt) / 1_000).toFixed(1)}s${now >= i.leaseExpiresAtMs ? ' (expired)' : ''}`;
  }
  return [
    i.service,
    i.instanceId,
    i.status,
    i.zone ?? '-',
    i.version ?? '-',
    `${i.host}${ports ? ` ${ports}` : ''}`,
    age,
  ];
}

function parseArgs(argv: string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  const valued = new Set(['backend', 'redis-url', 'key-prefix', 'namespace']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') flags.set('help', 'true');
    else if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      if (!valued.has(name)) throw new Error(`unknown flag --${name}`);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      flags.set(name, value);
    } else positional.push(arg);
  }
  return { positional, flags };
}
