// Node module hooks that run the repository's TypeScript sources directly (swc, same
// settings as jest), so tests can start real child processes from source without a build.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from '@swc/core';

const root = new URL('../../', import.meta.url);
const swc = JSON.parse(readFileSync(new URL('.swcrc', root), 'utf8'));

function workspaceEntry(specifier) {
  const match = /^@lattice(-platform)?\/([a-z0-9-]+)(\/testing)?$/.exec(specifier);
  if (!match) return undefined;
  const entry = new URL(`${match[1] ? 'apps' : 'libs'}/${match[2]}/src/${match[3] ? 'testing' : 'index'}.ts`, root);
  return existsSync(entry) ? entry.href : undefined;
}

export async function resolve(specifier, context, next) {
  const entry = workspaceEntry(specifier);
  if (entry) return { url: entry, shortCircuit: true };
  if (context.parentURL?.endsWith('.ts') && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(candidate)) return { url: candidate.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts') || !url.startsWith('file:')) return next(url, context);
  const filename = fileURLToPath(url);
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...swc, filename, sourceMaps: 'inline' });
  return { format: 'module', source: code, shortCircuit: true };
}
