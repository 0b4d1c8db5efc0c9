// Configuration of the dev OpenID provider, read once from the environment.
// Every value has a default that matches `make run`; the Playwright config
// overrides the ports for the e2e suites.

function list(value, fallback) {
  const raw = value === undefined || value.trim() === '' ? fallback : value;
  return raw.split(/[\s,]+/).filter(Boolean);
}

function seconds(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new Error(`${name} must be a positive whole number of seconds, got ${JSON.stringify(raw)}`);
  }
  return n;
}

export function loadConfig(env = process.env) {
  const issuer = (env.IDP_ISSUER || 'http://127.0.0.1:9000/oauth2/default').replace(/\/+$/, '');
  const url = new URL(issuer);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`IDP_ISSUER must be an http(s) URL, got ${issuer}`);
  }
  if (url.search || url.hash) {
    throw new Error('IDP_ISSUER must not carry a query or fragment');
  }

  return {
    issuer,
    // Path prefix of the issuer ("/oauth2/default"); "" when the issuer is a bare origin.
    issuerPath: url.pathname.replace(/\/+$/, ''),
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),

    client: {
      clientId: env.IDP_CLIENT_ID || 'gatehouse-dev',
      clientSecret: env.IDP_CLIENT_SECRET || 'gatehouse-dev-secret',
      redirectUris: list(env.IDP_REDIRECT_URIS, 'http://localhost:8080/auth/callback'),
      postLogoutRedirectUris: list(env.IDP_POST_LOGOUT_REDIRECT_URIS, 'http://localhost:8080/auth/logged-out'),
      // OpenID Connect Back-Channel Logout 1.0: where the provider POSTs logout tokens when a
      // user's provider session ends. "none" turns it off.
      backchannelLogoutUri: env.IDP_BACKCHANNEL_LOGOUT_URI === 'none'
        ? '' : (env.IDP_BACKCHANNEL_LOGOUT_URI || 'http://localhost:8080/auth/backchannel-logout'),
    },

    // The audience of every access token, like Okta's "default" custom authorization server.
    audience: 'api://default',
    apiScopes: ['orders:read', 'orders:write', 'reports:read'],

    ttl: {
      accessToken: seconds(env, 'IDP_ACCESS_TOKEN_TTL', 3600),
      idToken: seconds(env, 'IDP_ID_TOKEN_TTL', 3600),
      refreshToken: seconds(env, 'IDP_REFRESH_TOKEN_TTL', 7 * 24 * 3600),
      session: seconds(env, 'IDP_SESSION_TTL', 8 * 3600),
    },

    jwksFile: env.IDP_JWKS_FILE || '',
    cookieKeys: env.IDP_COOKIE_KEYS ? list(env.IDP_COOKIE_KEYS, '') : [],
  };
}
