import * as k8s from '@kubernetes/client-node';
import { isObject, type K8sObject } from './render.js';

/**
 * Offline validation of rendered objects against the Kubernetes API schemas, in two passes:
 *
 * 1. kubernetes-models (JSON schemas of the Kubernetes 1.27 OpenAPI, compiled with ajv):
 *    required fields, types, formats (int32, int-or-string, ...).
 * 2. The models of @kubernetes/client-node (generated from the Kubernetes 1.34 OpenAPI):
 *    every field must exist in the API, so a misspelt or misplaced field (`readinesProbe`,
 *    a probe under the pod instead of the container) fails. Pass 1 cannot see those: its
 *    schemas allow unknown properties, as the API server does without strict validation.
 *
 * Returns every problem as `Kind/name: path: message`; an empty list means valid.
 */
export async function validateObjects(objects: readonly K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const where = `${object.kind}/${object.metadata.name}`;
    for (const problem of await validateWithJsonSchema(object)) problems.push(`${where}: ${problem}`);
    for (const problem of validateKnownFields(object)) problems.push(`${where}: ${problem}`);
  }
  return problems;
}

interface ModelInstance {
  validate(): void;
}
type ModelClass = new (data: unknown) => ModelInstance;

interface AjvIssue {
  instancePath: string;
  message?: string;
}

/** Pass 1: the kubernetes-models class of the object's apiVersion and kind. */
export async function validateWithJsonSchema(object: K8sObject): Promise<string[]> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const specifier = `kubernetes-models/${group ? `${group}/` : ''}${version}`;
  let models: Record<string, unknown>;
  try {
    models = (await import(specifier)) as Record<string, unknown>;
  } catch {
    return [`no schema for apiVersion ${object.apiVersion}`];
  }
  const Model = models[object.kind] as ModelClass | undefined;
  if (typeof Model !== 'function') return [`no schema for ${object.apiVersion} ${object.kind}`];
  try {
    new Model(asDecoded(object)).validate();
    return [];
  } catch (error) {
    const issues = (error as { errors?: AjvIssue[] }).errors;
    if (!Array.isArray(issues)) return [String(error)];
    return issues.map((issue) => `${issue.instancePath || '/'}: ${issue.message ?? 'invalid'}`);
  }
}

/**
 * kustomize wraps long base64 values (Secret data) over several lines; the API server's
 * decoder (Go's encoding/base64) ignores the line breaks, so the schema check does too.
 */
function asDecoded(object: K8sObject): K8sObject {
  const copy = structuredClone(object);
  const data = copy['data'];
  if (copy.kind === 'Secret' && isObject(data)) {
    for (const [key, value] of Object.entries(data))
      if (typeof value === 'string') data[key] = value.replace(/[\r\n]/g, '');
  }
  return copy;
}

interface Attribute {
  baseName: string;
  type: string;
}
interface GeneratedModel {
  getAttributeTypeMap(): Attribute[];
}

const generatedModels = k8s as unknown as Record<string, unknown>;

function generatedModel(name: string): GeneratedModel | undefined {
  const candidate = generatedModels[name] as Partial<GeneratedModel> | undefined;
  return typeof candidate?.getAttributeTypeMap === 'function' ? (candidate as GeneratedModel) : undefined;
}

/** `apps/v1` + `Deployment` → `V1Deployment`, `autoscaling/v2` + `HorizontalPodAutoscaler` → `V2HorizontalPodAutoscaler`. */
function modelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').pop() ?? apiVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/** Resource quantities may be written as YAML numbers (`cpu: 1`). */
const QUANTITY_MAPS = new Set(['limits', 'requests']);

/** Pass 2: every field known to the API, with the right shape. */
export function validateKnownFields(object: K8sObject): string[] {
  const name = modelName(object.apiVersion, object.kind);
  if (!generatedModel(name)) return [`no Kubernetes model ${name} for ${object.apiVersion} ${object.kind}`];
  const problems: string[] = [];
  walk(object, name, '', problems);
  return problems;
}

function walk(value: unknown, type: string, path: string, problems: string[]): void {
  if (value === null || value === undefined || type === 'any') return;
  const at = path || '/';
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return void problems.push(`${at}: must be a list`);
    value.forEach((item, index) => walk(item, array[1]!, `${path}/${index}`, problems));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!isObject(value)) return void problems.push(`${at}: must be a mapping`);
    const quantities = QUANTITY_MAPS.has(path.split('/').pop() ?? '');
    for (const [key, item] of Object.entries(value)) {
      if (quantities && typeof item === 'number') continue;
      walk(item, map[1]!, `${path}/${key}`, problems);
    }
    return;
  }
  switch (type) {
    case 'string':
    case 'Date':
      if (typeof value !== 'string') problems.push(`${at}: must be a string`);
      return;
    case 'number':
      if (typeof value !== 'number') problems.push(`${at}: must be a number`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${at}: must be true or false`);
      return;
    case 'IntOrString':
      if (typeof value !== 'string' && typeof value !== 'number') problems.push(`${at}: must be a number or a string`);
      return;
  }
  const model = generatedModel(type);
  if (!model) return void problems.push(`${at}: no Kubernetes model ${type}`);
  if (!isObject(value)) return void problems.push(`${at}: must be a mapping (${type})`);
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [key, item] of Object.entries(value)) {
    const fieldType = attributes.get(key);
    if (fieldType === undefined) problems.push(`${path}/${key}: unknown field of ${type}`);
    else walk(item, fieldType, `${path}/${key}`, problems);
  }
}
