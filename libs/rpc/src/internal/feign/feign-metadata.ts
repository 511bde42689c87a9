import type { FeignClientOptions, FeignPolicyOptions, FeignVerb } from '../../feign/feign.interfaces.js';

/** How one argument of a declared method is sent. */
export type ParamBinding =
  | { readonly kind: 'path'; readonly name: string }
  | { readonly kind: 'query'; readonly name: string | undefined }
  | { readonly kind: 'header'; readonly name: string | undefined }
  | { readonly kind: 'body' };

export interface MethodMetadata {
  verb?: FeignVerb;
  path?: string;
  policy?: FeignPolicyOptions;
  readonly params: Map<number, ParamBinding>;
}

export interface ClassMetadata {
  client?: FeignClientOptions;
  readonly methods: Map<string, MethodMetadata>;
}

// Declarations live on the declaring class itself (like Reflect metadata), under a private key.
const KEY = Symbol('lattice.rpc.feign');

type Carrier = { [KEY]?: ClassMetadata };

export function classMetadata(target: object, create: true): ClassMetadata;
export function classMetadata(target: object, create?: false): ClassMetadata | undefined;
export function classMetadata(target: object, create = false): ClassMetadata | undefined {
  const carrier = target as Carrier;
  if (Object.hasOwn(carrier, KEY)) return carrier[KEY];
  if (!create) return undefined;
  const meta: ClassMetadata = { methods: new Map() };
  Object.defineProperty(carrier, KEY, { value: meta, enumerable: false });
  return meta;
}

export function methodMetadata(prototype: object, method: string | symbol): MethodMetadata {
  const meta = classMetadata((prototype as { constructor: object }).constructor, true);
  const name = String(method);
  let entry = meta.methods.get(name);
  if (entry === undefined) {
    entry = { params: new Map() };
    meta.methods.set(name, entry);
  }
  return entry;
}
