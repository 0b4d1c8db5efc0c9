// What the dev endpoints report: counters and the token values this process issued; and the
// settings tests may change at run time.

const MAX_TOKENS = 500;

const stats = newStats();
const tokens = []; // newest first

function newStats() {
  return { token_requests: { authorization_code: 0, refresh_token: 0 }, revocations: 0, introspections: 0 };
}

export function countTokenRequest(grantType) {
  const key = typeof grantType === 'string' && grantType ? grantType : 'missing';
  stats.token_requests[key] = (stats.token_requests[key] ?? 0) + 1;
}

export function countRevocation() {
  stats.revocations += 1;
}

export function countIntrospection() {
  stats.introspections += 1;
}

export function resetStats() {
  Object.assign(stats, newStats());
}

export function snapshotStats() {
  return structuredClone(stats);
}

// kind: "access_token" | "refresh_token" | "id_token"; sub: the user's id (00u…).
export function recordToken(kind, value, sub, login) {
  if (typeof value !== 'string' || !value) return;
  tokens.unshift({ kind, value, sub, login, issued_at: Math.floor(Date.now() / 1000) });
  if (tokens.length > MAX_TOKENS) tokens.length = MAX_TOKENS;
}

export function listTokens() {
  return tokens.map((t) => ({ ...t }));
}

// JWT access tokens revoked through /v1/revoke: jti -> exp (epoch seconds).
const revokedJtis = new Map();

export function revokeJti(jti, exp) {
  if (typeof jti !== 'string') return;
  revokedJtis.set(jti, exp);
  const now = Date.now() / 1000;
  for (const [k, e] of revokedJtis) if (e < now) revokedJtis.delete(k);
}

export function isJtiRevoked(jti) {
  return revokedJtis.has(jti);
}

// Settings a test may change without restarting the provider (PUT /__dev/settings).
// accessTokenTTL: seconds, or null for the configured IDP_ACCESS_TOKEN_TTL.
const settings = { accessTokenTTL: null };

export function setAccessTokenTTL(seconds) {
  settings.accessTokenTTL = seconds;
}

export function accessTokenTTL(configured) {
  return settings.accessTokenTTL ?? configured;
}

export function snapshotSettings(cfg) {
  return { access_token_ttl: accessTokenTTL(cfg.ttl.accessToken) };
}
