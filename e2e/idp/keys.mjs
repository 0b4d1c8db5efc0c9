// Signing keys: an RS256 key made at start (dev only), or the private JWKS in IDP_JWKS_FILE.
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

export async function loadSigningKeys(jwksFile) {
  let keys;
  if (jwksFile) {
    const parsed = JSON.parse(await readFile(jwksFile, 'utf8'));
    keys = Array.isArray(parsed) ? parsed : parsed.keys;
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new Error(`IDP_JWKS_FILE ${jwksFile}: expected a JWKS ({"keys": [...]}) of private keys`);
    }
    if (!keys.some((k) => k.kty === 'RSA' && k.d && (!k.alg || k.alg === 'RS256'))) {
      throw new Error(`IDP_JWKS_FILE ${jwksFile}: needs a private RSA key usable for RS256`);
    }
  } else {
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const jwk = await exportJWK(privateKey);
    jwk.kid = await calculateJwkThumbprint(jwk);
    jwk.alg = 'RS256';
    jwk.use = 'sig';
    keys = [jwk];
  }
  for (const k of keys) {
    if (!k.kid) k.kid = await calculateJwkThumbprint(k);
  }

  const publicKeys = keys.map((k) => {
    const pub = { ...k };
    for (const m of PRIVATE_MEMBERS) delete pub[m];
    return pub;
  });

  return {
    privateJwks: { keys },
    publicJwks: { keys: publicKeys },
    // A jose key resolver over the provider's own public keys (for the userinfo endpoint).
    keySet: createLocalJWKSet({ keys: publicKeys }),
  };
}

export function loadCookieKeys(configured) {
  return configured.length ? configured : [randomBytes(32).toString('base64url')];
}
