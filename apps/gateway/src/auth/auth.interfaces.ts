/** Who is calling, as the gateway established it. */
export interface Principal {
  readonly kind: 'user' | 'saas';
  /** JWT `sub`, or the partner's key id. */
  readonly id: string;
  readonly homes: readonly string[];
  readonly roles: readonly string[];
  /** The SaaS partner key, for partners. */
  readonly saasKey?: string;
}

/** `auth.jwt` configuration. */
export interface JwtOptions {
  /** Expected `iss`. @default 'lattice' */
  issuer: string;
  /** Expected `aud`. @default 'lattice-api' */
  audience: string;
  /** The one algorithm accepted (pinned): HS256, RS256, ES256 or EdDSA. @default 'ES256' */
  algorithm: 'HS256' | 'RS256' | 'ES256' | 'EdDSA';
  /** HS256 shared secret. */
  secret?: string;
  /** PEM (SPKI) public key file for RS256/ES256/EdDSA. */
  publicKeyFile?: string;
  /** PEM (PKCS#8) private key file; only used to print the dev token in memory mode. */
  privateKeyFile?: string;
  /** A JWKS URL instead of a key. */
  jwksUrl?: string;
  /** Allowed clock skew. @default 60 */
  clockToleranceSeconds: number;
}

/** `gateway.saas.partners.<key>` */
export interface SaasPartner {
  readonly secret: string;
  readonly homes: readonly string[];
  readonly roles?: readonly string[];
}
