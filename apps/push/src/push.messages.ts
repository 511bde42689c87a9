/**
 * Every message the push app puts into its errors: what happened and how to fix it.
 *
 * @example
 * ```ts
 * throw new LatticeError('PUSH_X', PushMessages.draining());
 * ```
 */
export const PushMessages = {
  missingIdentity: (): string =>
    'The request carries no caller identity (x-lattice-user or x-lattice-saas-key header); call through the gateway.',
  badIdentitySignature: (): string =>
    'The identity headers are not signed with gateway.identitySecret (x-lattice-identity-signature); call through the gateway.',
  invalidMessage: (problems: readonly string[]): string =>
    `The push message is invalid: ${problems.join('; ')}. Fix the listed fields and send it again.`,
  broadcastForbidden: (): string =>
    'Only callers with the admin role may broadcast; target users, homes, tags or aliases.',
  homeForbidden: (homeId: string): string =>
    `Home ${homeId} is not among the caller's homes (x-lattice-homes); target only your own homes.`,
  messageNotFound: (id: string): string =>
    `Push message ${id} does not exist or its retention ended; messages are kept for their TTL plus push.store.retentionSeconds.`,
  providerRejected: (provider: string, status: number, reason: string): string =>
    `${provider} refused the notification with ${status} ${reason}.`,
  providerUnavailable: (provider: string, reason: string): string =>
    `${provider} is not reachable (${reason}); the notification is retried with back-off.`,
  unknownBackoff: (name: string, known: readonly string[]): string =>
    `Unknown back-off strategy "${name}"; use one of ${known.join(', ')} or register() your own.`,
  draining: (): string => 'this push instance is shutting down; reconnect with your last offset and epoch',
} as const;
