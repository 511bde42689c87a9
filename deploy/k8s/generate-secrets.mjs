#!/usr/bin/env node
// Generates the per-environment secret files an overlay's secretGenerator reads:
//
//   node deploy/k8s/generate-secrets.mjs dev|prod|<overlay directory>
//
// into <overlay>/secrets/ (git-ignored, mode 0600):
//   jwt-private.pem, jwt-public.pem  ES256 (P-256) key pair for the gateway's tokens
//   hub-secret-pepper                32 random bytes (base64url) mixed into hub-secret hashes
//   identity-secret                  32 random bytes (base64url): the gateway signs the identity
//                                    headers it forwards with it, the services verify them
//   redis-username, redis-password   $REDIS_USERNAME / $REDIS_PASSWORD when set (an external
//                                    Redis), otherwise empty / 32 random bytes (base64url)
//
// Existing files are kept, so running it again never rotates a key by accident; delete a
// file to have it generated anew. Nothing is printed but file names.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = process.argv[2];
if (!target || process.argv.length > 3) {
  console.error('usage: node deploy/k8s/generate-secrets.mjs dev|prod|<overlay directory>');
  process.exit(2);
}
const overlay = ['dev', 'prod'].includes(target) ? join(here, 'overlays', target) : resolve(target);
if (!existsSync(join(overlay, 'kustomization.yaml'))) {
  console.error(`${overlay} is not a kustomize overlay (no kustomization.yaml there)`);
  process.exit(2);
}

const dir = join(overlay, 'secrets');
mkdirSync(dir, { recursive: true, mode: 0o700 });

const randomSecret = () => randomBytes(32).toString('base64url');
const redisPassword = process.env.REDIS_PASSWORD;
if (redisPassword !== undefined && !/^[A-Za-z0-9._~-]+$/.test(redisPassword)) {
  console.error('REDIS_PASSWORD must be URL-safe (A-Z a-z 0-9 . _ ~ -): it is placed in LATTICE_REDIS_URL as is');
  process.exit(2);
}

// The key pair is one unit: both files are written together or neither.
const jwtFiles = ['jwt-private.pem', 'jwt-public.pem'].map((name) => existsSync(join(dir, name)));
if (jwtFiles[0] !== jwtFiles[1]) {
  console.error(`${dir} holds only one of jwt-private.pem and jwt-public.pem: delete it to generate a new pair`);
  process.exit(1);
}
let keyPair;
const jwtKeys = () => {
  keyPair ??= generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return keyPair;
};

const files = [
  ['jwt-private.pem', () => jwtKeys().privateKey],
  ['jwt-public.pem', () => jwtKeys().publicKey],
  ['hub-secret-pepper', randomSecret],
  ['identity-secret', randomSecret],
  ['redis-username', () => process.env.REDIS_USERNAME ?? ''],
  ['redis-password', () => redisPassword ?? randomSecret()],
];

for (const [name, make] of files) {
  const file = join(dir, name);
  if (existsSync(file)) {
    console.log(`kept      ${file}`);
    continue;
  }
  writeFileSync(file, make(), { mode: 0o600, flag: 'wx' });
  console.log(`generated ${file}`);
}
