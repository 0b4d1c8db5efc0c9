import { execFileSync } from 'node:child_process';

// Ports and URLs of the e2e runs, in one place. They differ from `make run`'s (IdP :9000,
// BFF :8080) so that a developer's running stack does not collide with a test run.
//
// Every fixed port below is a base plus E2E_PORT_OFFSET (default 0), so that two runs on one
// machine (two worktrees) do not collide: `E2E_PORT_OFFSET=1000 make test` uses 9180, 10100…
// The providers' registered URIs come from these values (idpEnv, zitadelEnv), so they move too.

/** E2E_PORT_OFFSET: a non-negative integer added to every fixed port of the run; default 0. */
export const PORT_OFFSET = portOffset(process.env.E2E_PORT_OFFSET);

function portOffset(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n + 9_102 > 65_535) {
    throw new Error(`E2E_PORT_OFFSET=${raw}: want a whole number from 0 to 56433 (added to ports 8180-9102)`);
  }
  return n;
}

/** port is base moved by PORT_OFFSET. */
function port(base: number): number {
  return base + PORT_OFFSET;
}

export const IDP_PORT = port(9100);
export const IDP_ORIGIN = `http://127.0.0.1:${IDP_PORT}`;
export const IDP_ISSUER = `${IDP_ORIGIN}/oauth2/default`;
export const IDP_DISCOVERY_URL = `${IDP_ISSUER}/.well-known/openid-configuration`;
export const IDP_CLIENT_ID = 'gatehouse-dev';
export const IDP_CLIENT_SECRET = 'gatehouse-dev-secret';
export const IDP_AUDIENCE = 'api://default';
/**
 * A short access-token lifetime, in seconds, for suites that watch tokens expire. They set it
 * at run time with setAccessTokenTTL (PUT /__dev/settings) and restore the default after; the
 * run's default is the provider's own (3600 s).
 */
export const IDP_ACCESS_TOKEN_TTL = 10;

export const DEMO_API_ADDR = `127.0.0.1:${port(9101)}`;
/** The scopes the demo's BFF asks for: the default ones and orders:read (e2e/demo-routes.yaml). */
export const DEMO_SCOPES = 'openid profile email offline_access orders:read';

/**
 * The run's redis-server port: a free loopback port, picked once when the config is first loaded
 * and handed to Playwright's workers through the environment (they load this file again).
 */
export const REDIS_PORT = Number(process.env.E2E_REDIS_PORT ??= String(freePort()));
export const REDIS_URL = `redis://127.0.0.1:${REDIS_PORT}/0`;

/** A free TCP port on 127.0.0.1, found by binding port 0 in a child process (the config loads synchronously). */
function freePort(): number {
  const out = execFileSync(process.execPath, ['-e', `
    const s = require('net').createServer().listen(0, '127.0.0.1', () => {
      process.stdout.write(String(s.address().port)); s.close();
    });`]);
  return Number(out.toString());
}

/** The session-sealing key of e2e runs (GATEHOUSE_SESSION_KEYS): a test value, never used elsewhere. */
export const SESSION_KEYS = Buffer.from('gatehouse-e2e-session-key-32byte').toString('base64');

export const BFF_PORT = port(8180);
export const BFF_ORIGIN = `http://localhost:${BFF_PORT}`;
export const REDIRECT_URI = `${BFF_ORIGIN}/auth/callback`;
export const POST_LOGOUT_REDIRECT_URI = `${BFF_ORIGIN}/auth/logged-out`;

/**
 * The load balancer that sessions.spec.ts puts in front of BFF replicas it starts itself: their
 * public URL, registered at the dev provider like the run's own BFF.
 */
export const BALANCER_PORT = port(8183);
export const BALANCER_ORIGIN = `http://localhost:${BALANCER_PORT}`;
/** The ports of the replicas sessions.spec.ts starts. */
export const REPLICA_PORTS = [port(8181), port(8182), port(8184), port(8185)] as const;

// The static-host deployment (the Playwright project "static", tests/static.spec.ts): the demo app
// as `make static` writes it, served by a plain static file server (static-server.mjs) at
// STATIC_APP_ORIGIN, and a third BFF, the same binary, at STATIC_BFF_ORIGIN. The two are one site,
// gatehouse.localhost (the BFF's session cookie is SameSite=Strict), and two origins. Chromium
// resolves every *.localhost name to loopback (RFC 6761 §6.3) and treats http://*.localhost as a
// secure context, so the BFF's __Host- cookies work over plain http there.

/** One site, two labels: app.gatehouse.localhost and bff.gatehouse.localhost. */
export const STATIC_SITE = 'gatehouse.localhost';
export const STATIC_APP_PORT = port(8188);
export const STATIC_APP_ORIGIN = `http://app.${STATIC_SITE}:${STATIC_APP_PORT}`;
export const STATIC_BFF_PORT = port(8189);
export const STATIC_BFF_ORIGIN = `http://bff.${STATIC_SITE}:${STATIC_BFF_PORT}`;
/**
 * Pages of the attacker's, served by the same static server: on another site (evil.localhost is
 * a registrable domain of its own), and on the app's own site (a sibling subdomain the attacker
 * controls, which the session cookie's SameSite=Strict does not keep out).
 */
export const EVIL_CROSS_SITE_ORIGIN = `http://evil.localhost:${STATIC_APP_PORT}`;
export const EVIL_SAME_SITE_ORIGIN = `http://evil.${STATIC_SITE}:${STATIC_APP_PORT}`;
/** An attacker's page on the dev BFF's own host name, another port: same site as BFF_ORIGIN. */
export const EVIL_SAME_HOST_ORIGIN = `http://localhost:${STATIC_APP_PORT}`;
/** Where the e2e run writes the static site (git-ignored); relative to e2e/. */
export const STATIC_SITE_DIR = '.static-site';

/**
 * The headers the static server sends with the app's files: those README.md's "On a static host"
 * section asks a static host to send. The Content-Security-Policy is the BFF's own page policy
 * (bff/internal/server/headers.go) with the BFF's origin added where the app reaches it, its
 * fetches (connect-src) and the sign-out form (form-action), and the provider's origin, where the
 * BFF's 303 sends that form on (Chromium checks form-action on a form's redirects too: without it,
 * tests/static.spec.ts's sign-out stops at the BFF). Referrer-Policy must let that POST carry the
 * app's Origin to the BFF: "no-referrer" and "same-origin" make a cross-origin form send
 * "Origin: null" (the Fetch Standard, "append a request `Origin` header"), which the BFF refuses.
 */
export function staticHostHeaders(bffOrigin: string, providerOrigin: string): Record<string, string> {
  return {
    'Content-Security-Policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
      + `img-src 'self' data:; connect-src 'self' ${bffOrigin}; worker-src 'self'; manifest-src 'self'; `
      + `frame-ancestors 'none'; base-uri 'self'; form-action ${bffOrigin} ${providerOrigin}; object-src 'none'`,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    'Cache-Control': 'no-cache',
  };
}

/** The static server's environment (static-server.mjs): its address and its sites, by Host. */
export const staticServerEnv: Record<string, string> = {
  STATIC_ADDR: `127.0.0.1:${STATIC_APP_PORT}`,
  STATIC_SITES: JSON.stringify({
    [`app.${STATIC_SITE}:${STATIC_APP_PORT}`]: { root: STATIC_SITE_DIR, headers: staticHostHeaders(STATIC_BFF_ORIGIN, IDP_ORIGIN) },
    [`evil.localhost:${STATIC_APP_PORT}`]: { root: 'evil' },
    [`evil.${STATIC_SITE}:${STATIC_APP_PORT}`]: { root: 'evil' },
    [`localhost:${STATIC_APP_PORT}`]: { root: 'evil' },
  }),
};

/** The dev IdP's environment for e2e runs (see idp/README.md). */
export const idpEnv: Record<string, string> = {
  IDP_ISSUER,
  IDP_CLIENT_ID,
  IDP_CLIENT_SECRET,
  IDP_REDIRECT_URIS: `${REDIRECT_URI} ${BALANCER_ORIGIN}/auth/callback ${STATIC_BFF_ORIGIN}/auth/callback`,
  IDP_POST_LOGOUT_REDIRECT_URIS: `${POST_LOGOUT_REDIRECT_URI} ${BALANCER_ORIGIN}/auth/logged-out ${STATIC_BFF_ORIGIN}/auth/logged-out`,
  IDP_BACKCHANNEL_LOGOUT_URI: `${BFF_ORIGIN}/auth/backchannel-logout`,
};

/** The demo API's environment for e2e runs. */
export const demoApiEnv: Record<string, string> = {
  OKTA_OAUTH2_ISSUER: IDP_ISSUER,
  DEMO_API_ADDR,
  DEMO_API_AUDIENCE: IDP_AUDIENCE,
};

/** The BFF's environment for e2e runs: the three Okta values, and its e2e address. */
export const bffEnv: Record<string, string> = {
  OKTA_OAUTH2_ISSUER: IDP_ISSUER,
  OKTA_OAUTH2_CLIENT_ID: IDP_CLIENT_ID,
  OKTA_OAUTH2_CLIENT_SECRET: IDP_CLIENT_SECRET,
  GATEHOUSE_ADDR: `127.0.0.1:${BFF_PORT}`,
  GATEHOUSE_PUBLIC_URL: BFF_ORIGIN,
  // The demo's route table: one route per token kind, to the demo API at DEMO_API_ADDR.
  GATEHOUSE_ROUTES_FILE: 'e2e/demo-routes.yaml',
  DEMO_API_ADDR,
  // orders:read for the orders route (the demo API checks it too).
  GATEHOUSE_SCOPES: DEMO_SCOPES,
  // Sessions in the run's Redis, as replicas keep them.
  GATEHOUSE_SESSION_STORE: REDIS_URL,
  GATEHOUSE_SESSION_KEYS: SESSION_KEYS,
  // Start-up errors and warnings reach the test output; request lines only with E2E_SERVER_LOGS.
  GATEHOUSE_LOG_LEVEL: process.env.E2E_SERVER_LOGS ? 'info' : 'warn',
};

/**
 * The static-host BFF's environment: the dev provider's client (its redirect and post-logout URIs
 * are registered above), the SPA's origin (GATEHOUSE_SPA_URL: the BFF serves no pages, sends the
 * browser back there, and lets it call with credentials), sessions in memory.
 */
export const staticBffEnv: Record<string, string> = {
  ...bffEnv,
  GATEHOUSE_ADDR: `127.0.0.1:${STATIC_BFF_PORT}`,
  GATEHOUSE_PUBLIC_URL: STATIC_BFF_ORIGIN,
  GATEHOUSE_SPA_URL: STATIC_APP_ORIGIN,
  GATEHOUSE_SESSION_STORE: 'memory',
};

/** The dev users (idp/accounts.mjs). */
export const USERS = {
  alice: {
    username: 'alice',
    password: 'wonderland',
    login: 'alice@example.com',
    id: '00ua1iceanders0n7xq5',
    name: 'Alice Anderson',
    groups: ['Everyone', 'Admins'],
  },
  bob: {
    username: 'bob',
    password: 'builder',
    login: 'bob@example.com',
    id: '00ub0bbr0wnbui1d3rk2',
    name: 'Bob Brown',
    groups: ['Everyone'],
  },
} as const;

/** Sets the dev provider's access-token lifetime for tokens issued from now on; null restores it. */
export async function setAccessTokenTTL(seconds: number | null): Promise<void> {
  const res = await fetch(`${IDP_ORIGIN}/__dev/settings`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ access_token_ttl: seconds }),
  });
  if (res.status !== 200) throw new Error(`PUT /__dev/settings: ${res.status} ${await res.text()}`);
}

// The second provider: zitadel/oidc's example OpenID provider (zitadel-op/, built to
// bin/zitadel-op), with a BFF of its own, for the Playwright project "zitadel"
// (tests/zitadel.spec.ts). Its issuer is the example's, trailing slash included; the OP listens on
// 127.0.0.1 only, and browsers reach it as localhost.

export const ZITADEL_PORT = port(9102);
/** Where the OP listens; the BFF's proxy route to it uses this address too. */
export const ZITADEL_ORIGIN = `http://127.0.0.1:${ZITADEL_PORT}`;
export const ZITADEL_ISSUER = `http://localhost:${ZITADEL_PORT}/`;
/** The issuer's browser origin (the issuer without its trailing slash). */
export const ZITADEL_ISSUER_ORIGIN = `http://localhost:${ZITADEL_PORT}`;
export const ZITADEL_DISCOVERY_URL = `${ZITADEL_ORIGIN}/.well-known/openid-configuration`;
/** The example's confidential client (client_secret_basic). */
export const ZITADEL_CLIENT_ID = 'web';
export const ZITADEL_CLIENT_SECRET = 'secret';
/** Access-token lifetime at the zitadel OP, in seconds (the example's is 300). */
export const ZITADEL_ACCESS_TOKEN_TTL = 15;
/** The example storage's user; its name comes from the issuer's host. */
export const ZITADEL_USER = {
  username: 'test-user@localhost',
  password: 'verysecure',
  sub: 'id1',
  name: 'Test User',
  email: 'test-user@zitadel.ch',
} as const;

export const ZITADEL_BFF_PORT = port(8187);
export const ZITADEL_BFF_ORIGIN = `http://localhost:${ZITADEL_BFF_PORT}`;

/** The zitadel OP's environment (zitadel-op/main.go). */
export const zitadelEnv: Record<string, string> = {
  ZITADEL_OP_ADDR: `127.0.0.1:${ZITADEL_PORT}`,
  ZITADEL_OP_ISSUER: ZITADEL_ISSUER,
  ZITADEL_OP_REDIRECT_URIS: `${ZITADEL_BFF_ORIGIN}/auth/callback`,
  ZITADEL_OP_POST_LOGOUT_REDIRECT_URIS: `${ZITADEL_BFF_ORIGIN}/auth/logged-out`,
  ZITADEL_OP_ACCESS_TOKEN_TTL: `${ZITADEL_ACCESS_TOKEN_TTL}s`,
};

/**
 * The environment of the zitadel OP's BFF: the same binary, its sessions in memory, and one route,
 * "op", whose upstream is the OP itself, so that /api/op/userinfo reaches the OP's userinfo
 * endpoint (OpenID Connect Core §5.3), which answers 200 only to a valid access token.
 */
export const zitadelBffEnv: Record<string, string> = {
  OKTA_OAUTH2_ISSUER: ZITADEL_ISSUER,
  OKTA_OAUTH2_CLIENT_ID: ZITADEL_CLIENT_ID,
  OKTA_OAUTH2_CLIENT_SECRET: ZITADEL_CLIENT_SECRET,
  GATEHOUSE_ADDR: `127.0.0.1:${ZITADEL_BFF_PORT}`,
  GATEHOUSE_PUBLIC_URL: ZITADEL_BFF_ORIGIN,
  GATEHOUSE_ROUTES: `op=${ZITADEL_ORIGIN}`,
  GATEHOUSE_SESSION_STORE: 'memory',
  GATEHOUSE_SESSION_KEYS: SESSION_KEYS,
  GATEHOUSE_LOG_LEVEL: process.env.E2E_SERVER_LOGS ? 'info' : 'warn',
};
