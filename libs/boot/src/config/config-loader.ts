import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  appEnvironmentPrefix,
  configTreeAt,
  configTreeFromEnvironment,
  InvalidOptionsError,
  isConfigTree,
  mergeConfigTrees,
  toValidationProblems,
  type ConfigTree,
} from '@lattice/core';
import { parse as parseYaml } from 'yaml';
import { ConfigFileError } from '../boot.errors.js';
import { BOOT_CONFIG_DEFAULTS, bootConfigSchema, type BootConfig } from './boot-config.schema.js';

/** Where configuration comes from; every field is optional. */
export interface ConfigSources {
  /** App name; selects `config/<name>.yaml` and `LATTICE_<NAME>__*` variables. */
  app: string;
  /** The app's own defaults (lowest precedence, above boot's). */
  defaults?: ConfigTree;
  /** YAML files, later ones win. @default LATTICE_CONFIG_FILE (comma-separated) or config/application.yaml + config/<app>.yaml */
  files?: readonly string[];
  /** @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory the default files are looked up in. @default process.cwd() */
  cwd?: string;
}

/** The well-known variables of ARCHITECTURE.md and the key each sets. */
const NAMED_VARIABLES: ReadonlyArray<readonly [string, string]> = [
  ['LATTICE_BACKEND', 'lattice.backend'],
  ['LATTICE_REDIS_URL', 'lattice.redis.url'],
  ['LATTICE_DISCOVERY', 'lattice.discovery'],
  ['LATTICE_ZONE', 'lattice.zone'],
  ['LOG_LEVEL', 'log.level'],
];

/**
 * Merges configuration in the documented precedence — boot defaults < app defaults <
 * YAML files < environment — and validates boot's keys, listing every problem at once.
 */
export function loadConfig(sources: ConfigSources): { tree: ConfigTree; boot: BootConfig; files: string[] } {
  const env = sources.env ?? process.env;
  const files = resolveFiles(sources, env);
  let tree: ConfigTree = mergeConfigTrees(structuredClone(BOOT_CONFIG_DEFAULTS), sources.defaults ?? {});
  for (const file of files) tree = mergeConfigTrees(tree, readYaml(file));
  tree = mergeConfigTrees(tree, fromEnvironment(sources.app, env));

  const parsed = bootConfigSchema.safeParse(tree);
  if (!parsed.success) {
    throw new InvalidOptionsError(`${sources.app} configuration`, toValidationProblems(parsed.error.issues));
  }
  return { tree, boot: parsed.data, files };
}

function resolveFiles(sources: ConfigSources, env: Readonly<Record<string, string | undefined>>): string[] {
  if (sources.files) return sources.files.map((f) => resolve(sources.cwd ?? process.cwd(), f));
  const explicit = env['LATTICE_CONFIG_FILE'];
  if (explicit) return explicit.split(',').map((f) => resolve(sources.cwd ?? process.cwd(), f.trim()));
  const dir = resolve(sources.cwd ?? process.cwd(), 'config');
  return [resolve(dir, 'application.yaml'), resolve(dir, `${sources.app}.yaml`)].filter((f) => existsSync(f));
}

function readYaml(file: string): ConfigTree {
  try {
    const value: unknown = parseYaml(readFileSync(file, 'utf8'));
    if (value === null || value === undefined) return {};
    if (!isConfigTree(value)) throw new Error('the top level must be a mapping of keys');
    return value;
  } catch (error) {
    throw new ConfigFileError(file, error);
  }
}

/**
 * Environment binding: the named variables above; `LATTICE__A__B_C=v` sets `a.bC` for every
 * app in the process; `LATTICE_<APP>__A__B_C=v` sets it for one app and wins over the former.
 */
export function fromEnvironment(app: string, env: Readonly<Record<string, string | undefined>>): ConfigTree {
  let tree: ConfigTree = {};
  for (const [name, key] of NAMED_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') tree = mergeConfigTrees(tree, configTreeAt(key.split('.'), value));
  }
  return mergeConfigTrees(tree, configTreeFromEnvironment(['LATTICE__', appEnvironmentPrefix(app)], env));
}
