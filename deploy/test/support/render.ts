import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** deploy/k8s of this checkout. */
export const K8S_DIR = fileURLToPath(new URL('../../k8s', import.meta.url));

/** A rendered Kubernetes object; the fields every object has, the rest left open. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * A private copy of deploy/k8s with freshly generated secrets, so the test never reads or
 * writes the secret files of the working tree. `remove()` deletes it.
 */
export interface Workspace {
  dir: string;
  remove(): void;
}

/** Copies deploy/k8s (without any generated secret) to a temporary directory. */
export function copyDeployTree(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-k8s-'));
  cpSync(K8S_DIR, dir, {
    recursive: true,
    filter: (source) => basename(dirname(source)) !== 'secrets' || basename(source) === '.gitignore',
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs deploy/k8s/generate-secrets.mjs (the copy in `workspace`) for one overlay. */
export async function generateSecrets(
  workspace: Workspace,
  overlay: string,
  env: Record<string, string> = {},
): Promise<string> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name !== 'REDIS_PASSWORD' && name !== 'REDIS_USERNAME'),
  );
  const { stdout } = await run(
    process.execPath,
    [join(workspace.dir, 'generate-secrets.mjs'), join(workspace.dir, 'overlays', overlay)],
    { env: { ...clean, ...env } },
  );
  return stdout;
}

/** Writes an extra kustomization (e.g. an overlay plus components) into the workspace. */
export function addKustomization(workspace: Workspace, path: string, content: string): string {
  const dir = join(workspace.dir, path);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'kustomization.yaml'), content);
  return dir;
}

/** `kubectl kustomize <dir>`, parsed into objects. */
export async function kustomize(dir: string): Promise<K8sObject[]> {
  let stdout: string;
  try {
    ({ stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 32 * 1024 * 1024 }));
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: string };
    if (code === 'ENOENT')
      throw new Error('kubectl is not installed: the deploy test renders with `kubectl kustomize`', { cause: error });
    throw new Error(`kubectl kustomize ${dir} failed: ${stderr ?? String(error)}`, { cause: error });
  }
  return parseObjects(stdout);
}

/** Parses a multi-document YAML stream; every document must be one Kubernetes object. */
export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text).map((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`document ${index}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (!isObject(value) || typeof value['apiVersion'] !== 'string' || typeof value['kind'] !== 'string')
      throw new Error(`document ${index} is not a Kubernetes object`);
    const metadata = value['metadata'];
    if (!isObject(metadata) || typeof metadata['name'] !== 'string')
      throw new Error(`document ${index} (${value['kind']}) has no metadata.name`);
    return value as K8sObject;
  });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
