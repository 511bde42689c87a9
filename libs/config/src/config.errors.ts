import { LatticeError } from '@lattice/core';
import {
  backendUnavailableMessage,
  badRequestMessage,
  namespaceInvalidMessage,
  noGrayReleaseMessage,
  releaseInvalidMessage,
  releaseNotFoundMessage,
  revisionConflictMessage,
  rollbackTargetMessage,
  unknownNamespaceMessage,
} from './config.messages.js';

function label(c: { appId: string; cluster: string; namespace: string }): string {
  return `${c.appId}/${c.cluster}/${c.namespace}`;
}

type At = {
  readonly appId: string;
  readonly cluster: string;
  readonly namespace: string;
};

/**
 * The content of a release is not valid YAML/JSON, or not a mapping of property names to
 * values. Nothing was published.
 *
 * @example
 * ```ts
 * try { await admin.publishText(at, 'a: [1,', { author: 'ops' }); }
 * catch (e) { if (e instanceof ConfigReleaseInvalidError) console.error(e.data.problems); }
 * ```
 */
export class ConfigReleaseInvalidError extends LatticeError<{ readonly problems: readonly string[] }> {
  constructor(what: string, problems: readonly string[], cause?: unknown) {
    super('CONFIG_RELEASE_INVALID', releaseInvalidMessage(what, problems), {
      data: { problems },
      status: 400,
      cause,
    });
  }
}

/**
 * The requested release version does not exist for the namespace.
 *
 * @example
 * ```ts
 * await store.rollback(at, 999, { author: 'ops' }); // throws ConfigReleaseNotFoundError
 * ```
 */
export class ConfigReleaseNotFoundError extends LatticeError<At & { readonly version: number }> {
  constructor(at: At, version: number) {
    super('CONFIG_RELEASE_NOT_FOUND', releaseNotFoundMessage(label(at), version), {
      data: { appId: at.appId, cluster: at.cluster, namespace: at.namespace, version },
      status: 404,
    });
  }
}

/**
 * A rollback target exists but cannot be rolled back to (a gray release, or not older than
 * the current main release).
 *
 * @example
 * ```ts
 * await store.rollback(at, currentVersion, { author: 'ops' }); // throws ConfigRollbackTargetError
 * ```
 */
export class ConfigRollbackTargetError extends LatticeError<At & { readonly version: number }> {
  constructor(at: At, version: number, why: string) {
    super('CONFIG_ROLLBACK_TARGET_INVALID', rollbackTargetMessage(label(at), version, why), {
      data: { appId: at.appId, cluster: at.cluster, namespace: at.namespace, version },
      status: 409,
    });
  }
}

/**
 * Promote or abandon was asked for a namespace without an active gray release.
 *
 * @example
 * ```ts
 * await store.promoteGray(at, { author: 'ops' }); // throws ConfigNoGrayReleaseError when none is active
 * ```
 */
export class ConfigNoGrayReleaseError extends LatticeError<At> {
  constructor(at: At) {
    super('CONFIG_NO_GRAY_RELEASE', noGrayReleaseMessage(label(at)), {
      data: { appId: at.appId, cluster: at.cluster, namespace: at.namespace },
      status: 409,
    });
  }
}

/**
 * A publish carried `expectedRevision` and the namespace had changed since.
 *
 * @example
 * ```ts
 * await store.publish({ ...at, properties, author: 'ops', expectedRevision: 3 }); // throws when revision is not 3
 * ```
 */
export class ConfigRevisionConflictError extends LatticeError<
  At & { readonly expectedRevision: number; readonly actualRevision: number }
> {
  constructor(at: At, expected: number, actual: number) {
    super('CONFIG_REVISION_CONFLICT', revisionConflictMessage(label(at), expected, actual), {
      data: {
        appId: at.appId,
        cluster: at.cluster,
        namespace: at.namespace,
        expectedRevision: expected,
        actualRevision: actual,
      },
      status: 409,
      retryable: true,
    });
  }
}

/**
 * The config backend (Redis) did not answer in time. Clients keep serving their last
 * good values; administrative calls should be retried.
 *
 * @example
 * ```ts
 * if (error instanceof ConfigBackendUnavailableError && error.retryable) setTimeout(retry, 1_000);
 * ```
 */
export class ConfigBackendUnavailableError extends LatticeError<{ readonly operation: string }> {
  constructor(operation: string, cause: unknown) {
    super('CONFIG_BACKEND_UNAVAILABLE', backendUnavailableMessage(operation, cause), {
      data: { operation },
      status: 503,
      retryable: true,
      cause,
    });
  }
}

/**
 * At start-up, a namespace fails the service's schema even without the config center's
 * values (defaults, files, mounted directory and environment are wrong).
 *
 * @example
 * ```ts
 * // ConfigModule.forRoot({ appId: 'device', namespaces: [{ name: 'application', schema }] }) fails
 * // to start with CONFIG_NAMESPACE_INVALID when the defaults do not satisfy `schema`.
 * ```
 */
export class ConfigNamespaceInvalidError extends LatticeError<{
  readonly namespace: string;
  readonly problems: readonly string[];
}> {
  constructor(namespace: string, problems: readonly string[]) {
    super('CONFIG_NAMESPACE_INVALID', namespaceInvalidMessage(namespace, problems), {
      data: { namespace, problems },
      status: 500,
    });
  }
}

/**
 * A namespace was read or watched that the service did not declare.
 *
 * @example
 * ```ts
 * config.namespace('not.declared'); // throws ConfigUnknownNamespaceError
 * ```
 */
export class ConfigUnknownNamespaceError extends LatticeError<{ readonly namespace: string }> {
  constructor(namespace: string, declared: readonly string[]) {
    super('CONFIG_UNKNOWN_NAMESPACE', unknownNamespaceMessage(namespace, declared), {
      data: { namespace },
      status: 500,
    });
  }
}

/**
 * An administrative request (HTTP API or CLI) is malformed: missing author, bad
 * coordinates, a non-numeric version. Nothing was changed.
 *
 * @example
 * ```ts
 * // POST /config/device/default/application/rollback with {} → 400 CONFIG_BAD_REQUEST
 * ```
 */
export class ConfigBadRequestError extends LatticeError<{ readonly problems: readonly string[] }> {
  constructor(problems: readonly string[]) {
    super('CONFIG_BAD_REQUEST', badRequestMessage(problems), { data: { problems }, status: 400 });
  }
}
