import { randomUUID } from 'node:crypto';
import { SignJWT, importPKCS8, type CryptoKey } from 'jose';
import { systemClock, type Clock } from '@lattice/core';
import { ProviderError } from '../push.errors.js';
import type { PushDevice, PushMessage } from '../push.interfaces.js';
import { Http2Endpoint, retryAfterMs } from './http2-endpoint.js';
import type { PushProvider } from './push-provider.interfaces.js';

/** APNs token-based connection settings. */
export interface ApnsSettings {
  /** `https://api.push.apple.com` (or `https://api.sandbox.push.apple.com`). */
  endpoint: string;
  /** Apple Developer team id (`iss` of the provider token). */
  teamId: string;
  /** Id of the .p8 signing key (`kid`). */
  keyId: string;
  /** The .p8 key (PKCS#8 PEM, P-256). */
  privateKeyPem: string;
  /** The app's bundle id (`apns-topic`). */
  topic: string;
  /** Per-request deadline. @default 10000 */
  timeoutMs?: number;
}

// Apple refuses provider tokens older than an hour and throttles refreshing more often than
// every 20 minutes; 50 minutes sits between.
const TOKEN_LIFETIME_MS = 50 * 60_000;
const INVALID_TOKEN_REASONS = new Set(['Unregistered', 'BadDeviceToken', 'DeviceTokenNotForTopic']);

/**
 * Apple Push Notification service over HTTP/2 with an ES256 provider token (JWT). 410
 * Unregistered (and BadDeviceToken) mark the device token dead; 429 and 5xx are retryable.
 *
 * @example
 * ```ts
 * const apns = new ApnsProvider({ endpoint: 'https://api.push.apple.com', teamId, keyId, privateKeyPem, topic: 'com.example.app' });
 * await apns.send({ deviceId: 'phone', provider: 'apns', token }, message, 'alice');
 * ```
 */
export class ApnsProvider implements PushProvider {
  readonly name = 'apns' as const;
  private readonly endpoint: Http2Endpoint;
  private key: Promise<CryptoKey> | undefined;
  private token: { jwt: string; issuedAtMs: number } | undefined;

  constructor(
    private readonly settings: ApnsSettings,
    private readonly clock: Clock = systemClock,
  ) {
    this.endpoint = new Http2Endpoint(settings.endpoint, settings.timeoutMs ?? 10_000);
  }

  async send(device: PushDevice, message: PushMessage): Promise<void> {
    const body = JSON.stringify({
      aps: { alert: { title: message.title, body: message.body }, sound: 'default' },
      ...message.data,
      lattice: { id: message.id },
    });
    const headers = {
      authorization: `bearer ${await this.providerToken(false)}`,
      'apns-topic': this.settings.topic,
      'apns-push-type': 'alert',
      'apns-priority': message.priority === 'high' ? '10' : '5',
      'apns-expiration': String(Math.floor(message.expiresAtMs / 1000)),
      'apns-id': randomUUID(),
      ...(message.collapseKey === undefined ? {} : { 'apns-collapse-id': message.collapseKey.slice(0, 64) }),
    };
    let answer;
    try {
      answer = await this.endpoint.request('POST', `/3/device/${device.token ?? ''}`, headers, body);
    } catch (error) {
      throw new ProviderError('apns', 0, error instanceof Error ? error.message : String(error), {
        retryable: true,
        cause: error,
      });
    }
    if (answer.status === 200) return;
    const reason = parseReason(answer.body);
    if (answer.status === 403 && reason === 'ExpiredProviderToken') this.token = undefined;
    throw new ProviderError('apns', answer.status, reason, {
      tokenInvalid: answer.status === 410 || INVALID_TOKEN_REASONS.has(reason),
      retryable: answer.status === 429 || answer.status >= 500 || reason === 'ExpiredProviderToken',
      ...optional(retryAfterMs(answer.headers['retry-after'], this.clock.now())),
    });
  }

  close(): void {
    this.endpoint.close();
  }

  private async providerToken(refresh: boolean): Promise<string> {
    const now = this.clock.now();
    if (!refresh && this.token !== undefined && now - this.token.issuedAtMs < TOKEN_LIFETIME_MS) return this.token.jwt;
    this.key ??= importPKCS8(this.settings.privateKeyPem, 'ES256');
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.settings.keyId })
      .setIssuer(this.settings.teamId)
      .setIssuedAt(Math.floor(now / 1000))
      .sign(await this.key);
    this.token = { jwt, issuedAtMs: now };
    return jwt;
  }
}

function parseReason(body: string): string {
  try {
    const reason = (JSON.parse(body) as { reason?: unknown }).reason;
    return typeof reason === 'string' ? reason : 'unknown';
  } catch {
    return 'unknown';
  }
}

function optional(ms: number | undefined): { retryAfterMs?: number } {
  return ms === undefined ? {} : { retryAfterMs: ms };
}
