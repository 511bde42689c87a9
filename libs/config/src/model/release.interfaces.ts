/**
 * A JSON value a property can hold: string, number, boolean, null, array or object.
 *
 * @example
 * ```ts
 * const limit: PropertyValue = { rps: 100, paths: ['/a'] };
 * ```
 */
export type PropertyValue =
  string | number | boolean | null | readonly PropertyValue[] | { readonly [key: string]: PropertyValue };

/**
 * The properties of a namespace: property name → value.
 *
 * @example
 * ```ts
 * const properties: Properties = { 'feature.newUi': true, rateLimit: { rps: 100 } };
 * ```
 */
export type Properties = { readonly [key: string]: PropertyValue };

/**
 * Where a namespace lives: app id + cluster + namespace name. Names are letters, digits,
 * `.`, `_` and `-` (e.g. `device` / `prod-sh` / `gateway.routes`).
 *
 * @example
 * ```ts
 * const at: ConfigCoordinates = { appId: 'device', cluster: 'prod-sh', namespace: 'application' };
 * ```
 */
export interface ConfigCoordinates {
  readonly appId: string;
  readonly cluster: string;
  readonly namespace: string;
}

/**
 * Which instances a gray release reaches: an instance matches when its id is listed, or
 * when it carries every label given (both may be set; either match is enough).
 *
 * @example
 * ```ts
 * const targets: GrayTargets = { instanceIds: ['device-7'], labels: { canary: 'true' } };
 * ```
 */
export interface GrayTargets {
  readonly instanceIds?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * How a release came to be.
 *
 * @example
 * ```ts
 * if (release.kind === 'rollback') console.log(`restored ${release.rollbackOf}`);
 * ```
 */
export type ReleaseKind = 'publish' | 'rollback' | 'gray' | 'promote';

/**
 * An immutable release of a namespace. `version` grows by one with every change of the
 * namespace (publish, rollback, gray, promote, abandon), so versions are unique per namespace.
 *
 * @example
 * ```ts
 * const [latest] = await store.history(at, 1);
 * console.log(latest?.version, latest?.author, new Date(latest?.createdAtMs ?? 0));
 * ```
 */
export interface Release extends ConfigCoordinates {
  readonly version: number;
  readonly kind: ReleaseKind;
  readonly properties: Properties;
  readonly author: string;
  readonly comment: string;
  /** When it was published (epoch ms, from the store's clock). */
  readonly createdAtMs: number;
  /** For `rollback`: the version whose properties were restored. */
  readonly rollbackOf?: number;
  /** For `promote`: the gray version that became the main release. */
  readonly promotedFrom?: number;
  /** For `gray`: who receives it. */
  readonly targets?: GrayTargets;
}

/**
 * What a namespace serves now: its main release, and the active gray release if any.
 *
 * @example
 * ```ts
 * const { revision, main, gray } = await store.state(at);
 * ```
 */
export interface NamespaceState {
  /** Bumped by every change, including abandoning a gray release; 0 before the first. */
  readonly revision: number;
  readonly main: Release | null;
  readonly gray: Release | null;
}

/**
 * Who made a change and why.
 *
 * @example
 * ```ts
 * await store.rollback(at, 3, { author: 'ops', comment: 'v4 broke checkout' });
 * ```
 */
export interface ReleaseMeta {
  readonly author: string;
  /** @default '' */
  readonly comment?: string;
}

/**
 * A new main release.
 *
 * @example
 * ```ts
 * await store.publish({ ...at, properties: { rps: 100 }, author: 'ops', expectedRevision: 4 });
 * ```
 */
export interface PublishInput extends ConfigCoordinates, ReleaseMeta {
  readonly properties: Properties;
  /** Refuse with `CONFIG_REVISION_CONFLICT` unless the namespace is still at this revision. */
  readonly expectedRevision?: number;
}

/**
 * A new gray release for some instances.
 *
 * @example
 * ```ts
 * await store.publishGray({ ...at, properties: { rps: 200 }, targets: { labels: { canary: 'true' } }, author: 'ops' });
 * ```
 */
export interface GrayPublishInput extends PublishInput {
  readonly targets: GrayTargets;
}

/**
 * One property that differs between two sets of properties.
 *
 * @example
 * ```ts
 * for (const change of diffProperties(a, b).changed) console.log(change.key, change.before, '→', change.after);
 * ```
 */
export interface PropertyChange {
  readonly key: string;
  readonly before?: PropertyValue;
  readonly after?: PropertyValue;
}

/**
 * The difference between two releases (or two sets of properties).
 *
 * @example
 * ```ts
 * const { added, removed, changed } = diffProperties(v1.properties, v2.properties);
 * ```
 */
export interface PropertiesDiff {
  readonly added: readonly PropertyChange[];
  readonly removed: readonly PropertyChange[];
  readonly changed: readonly PropertyChange[];
}
