import { SignJWT, importPKCS8, type CryptoKey } from 'jose';
import { systemClock, type Clock } from '@lattice/core';
import { ProviderError } from '../push.errors.js';
import type { PushDevice, PushMessage } from '../push.interfaces.js';
import { Http2Endpoint, retryAfterMs } from './http2-endpoint.js';
import type { PushProvider } from './push-provider.interfaces.js';

/** FCM HTTP v1 settings: a static access token, or a service account to mint one. */
export interface FcmSettings {
  /** `https://fcm.googleapis.com`. */
  endpoint: string;
  /** Firebase project id (`/v1/projects/<id>/messages:send`). */
  projectId: string;
  /** An OAuth 2 access token to use as is (e.g. from workload identity). */
  accessToken?: string;
  /** A service account whose key signs the OAuth assertion (RS256) exchanged at `tokenUri`. */
  serviceAccount?: { clientEmail: string; privateKeyPem: string; tokenUri: string };
  /** Per-request deadline. @default 10000 */
  timeoutMs?: number;
}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

interface FcmErrorBody {
  error?: { status?: string; message?: string; details?: { '@type'?: string; errorCode?: string }[] };
}

/**
 * Firebase Cloud Messaging HTTP v1 over HTTP/2. `UNREGISTERED` (404) and invalid tokens mark the
 * device token dead; 429 `QUOTA_EXCEEDED` and 5xx `UNAVAILABLE`/`INTERNAL` are retryable.
 *
 * @example
 * ```ts
 * const fcm = new FcmProvider({ endpoint: 'https://fcm.googleapis.com', projectId: 'my-app', accessToken });
 * await fcm.send({ deviceId: 'pixel', provider: 'fcm', token }, message, 'alice');
 * ```
 */
export class FcmProvider implements PushProvider {
  readonly name = 'fcm' as const;
  private readonly endpoint: Http2Endpoint;
  private key: Promise<CryptoKey> | undefined;
  private token: { value: string; expiresAtMs: number } | undefined;

  constructor(
    private readonly settings: FcmSettings,
    private readonly clock: Clock = systemClock,
  ) {
    this.endpoint = new Http2Endpoint(settings.endpoint, settings.timeoutMs ?? 10_000);
  }

  async send(device: PushDevice, message: PushMessage): Promise<void> {
    const ttl = Math.max(0, Math.ceil((message.expiresAtMs - this.clock.now()) / 1000));
    const body = JSON.stringify({
      message: {
        token: device.token,
        notification: { title: message.title, body: message.body },
        // FCM data values must be strings.
        data: Object.fromEntries(
          Object.entries({ ...message.data, latticeId: message.id }).map(([k, v]) => [
            k,
            typeof v === 'string' ? v : JSON.stringify(v),
          ]),
        ),
        android: {
          priority: message.priority === 'high' ? 'HIGH' : 'NORMAL',
          ttl: `${ttl}s`,
          ...(message.collapseKey === undefined ? {} : { collapse_key: message.collapseKey }),
        },
      },
    });
    let answer;
    try {
      answer = await this.endpoint.request(
        'POST',
        `/v1/projects/${this.settings.projectId}/messages:send`,
        { authorization: `Bearer ${await this.accessToken()}` },
        body,
      );
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      throw new ProviderError('fcm', 0, error instanceof Error ? error.message : String(error), {
        retryable: true,
        cause: error,
      });
    }
    if (answer.status === 200) return;
    let parsed: FcmErrorBody = {};
    try {
      parsed = JSON.parse(answer.body) as FcmErrorBody;
    } catch {
      // a non-JSON error page: judged by its status alone
    }
    const code =
      parsed.error?.details?.find((d) => d.errorCode !== undefined)?.errorCode ?? parsed.error?.status ?? 'unknown';
    if (answer.status === 401) this.token = undefined;
    throw new ProviderError('fcm', answer.status, code, {
      tokenInvalid: code === 'UNREGISTERED' || (answer.status === 404 && code === 'NOT_FOUND'),
      retryable: answer.status === 429 || answer.status >= 500 || answer.status === 401,
      ...(() => {
        const ms = retryAfterMs(answer.headers['retry-after'], this.clock.now());
        return ms === undefined ? {} : { retryAfterMs: ms };
      })(),
    });
  }

  close(): void {
    this.endpoint.close();
  }

  private async accessToken(): Promise<string> {
    if (this.settings.accessToken !== undefined) return this.settings.accessToken;
    const account = this.settings.serviceAccount;
    if (account === undefined) throw new ProviderError('fcm', 0, 'no accessToken or serviceAccount configured');
    const now = this.clock.now();
    if (this.token !== undefined && this.token.expiresAtMs - 60_000 > now) return this.token.value;
    this.key ??= importPKCS8(account.privateKeyPem, 'RS256');
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(account.clientEmail)
      .setAudience(account.tokenUri)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + 3600)
      .sign(await this.key);
    const response = await fetch(account.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000),
    });
    const json = (await response.json()) as { access_token?: string; expires_in?: number };
    if (!response.ok || typeof json.access_token !== 'string')
      throw new ProviderError('fcm', response.status, 'token exchange failed', { retryable: response.status >= 500 });
    this.token = { value: json.access_token, expiresAtMs: now + (json.expires_in ?? 3600) * 1000 };
    return json.access_token;
  }
}
