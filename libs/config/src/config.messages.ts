function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

export function releaseInvalidMessage(what: string, problems: readonly string[]): string {
  return `The release content is not valid ${what}; nothing was published. Fix it and publish again:\n${problems.map((p) => `  ${p}`).join('\n')}`;
}

export function releaseNotFoundMessage(coordinates: string, version: number): string {
  return `Release ${version} of ${coordinates} does not exist; list the releases with \`lattice config history\` and pick one of them.`;
}

export function rollbackTargetMessage(coordinates: string, version: number, why: string): string {
  return `Cannot roll ${coordinates} back to release ${version}: ${why}. Pick an earlier main release from the history.`;
}

export function noGrayReleaseMessage(coordinates: string): string {
  return `${coordinates} has no active gray release to promote or abandon; publish one with \`lattice config gray\` first.`;
}

export function revisionConflictMessage(coordinates: string, expected: number, actual: number): string {
  return `${coordinates} changed while you were editing it (expected revision ${expected}, found ${actual}); reload the current release and apply your change again.`;
}

export function backendUnavailableMessage(operation: string, cause: unknown): string {
  return `The config backend did not answer while ${operation} (${reason(cause)}); check that Redis is reachable (LATTICE_REDIS_URL) and retry.`;
}

export function namespaceInvalidMessage(namespace: string, problems: readonly string[]): string {
  return `Namespace "${namespace}" does not match the schema this service declares, even from its defaults and local files; fix the defaults, files or environment:\n${problems.map((p) => `  ${p}`).join('\n')}`;
}

export function unknownNamespaceMessage(namespace: string, declared: readonly string[]): string {
  return `Namespace "${namespace}" is not declared by this service (declared: ${declared.join(', ')}); add it to ConfigModule's \`namespaces\` option.`;
}

export function cliUsageMessage(problem: string): string {
  return `${problem}\nRun \`lattice-config help\` for the commands and their options.`;
}

export function badRequestMessage(problems: readonly string[]): string {
  return `The request is invalid; nothing was changed:\n${problems.map((p) => `  ${p}`).join('\n')}`;
}
