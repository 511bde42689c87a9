/** Messages of the gateway's errors: what happened and how to fix it. */
export const GATEWAY_MESSAGES = {
  notFound: () => 'No resource at this path. Check the method and path against /docs.',
  badPath: (why: string) => `The request path was refused: ${why}. Send a plain, normalised path.`,
  unauthenticated: (why: string) => `Authentication failed: ${why}.`,
  forbidden: () => 'The credentials are valid but lack the role this route requires.',
  payloadTooLarge: (maxBytes: number) => `The request body exceeds ${maxBytes} bytes; send a smaller body.`,
  bodyInvalid: (problems: string) => `The request body does not match the operation's schema: ${problems}.`,
  malformedBody: () => 'The request body is not valid JSON.',
  upstreamUnavailable: (target: string) =>
    `The service behind this route (${target}) could not be reached; retry later.`,
  upstreamTimeout: (timeoutMs: number) => `The service behind this route did not answer within ${timeoutMs} ms.`,
  routesInvalid: (problems: readonly string[]) =>
    `The route table was refused, the previous one stays in force: ${problems.join('; ')}`,
  identitySecretMissing: () =>
    'gateway.identitySecret is required on the redis backend: set it (LATTICE_GATEWAY__GATEWAY__IDENTITY_SECRET) to the secret shared with the services.',
  jwtKeyMissing: () =>
    'auth.jwt has no key: set publicKeyFile (ES256/RS256/EdDSA PEM), secret (HS256) or jwksUrl; only the memory backend generates a dev key.',
} as const;
