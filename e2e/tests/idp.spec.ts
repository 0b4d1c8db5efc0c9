// The dev OpenID provider by itself, in Chromium, with no BFF: the BFF's redirect URI and
// post-logout URI are intercepted in the browser, and the back-channel calls a BFF would make
// (token, refresh, revoke, introspect, userinfo) are made from Node.
import { createHash, randomBytes } from 'node:crypto';

import { expect, test as base, type Page } from '@playwright/test';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';

import {
  BFF_ORIGIN,
  IDP_ACCESS_TOKEN_TTL,
  IDP_AUDIENCE,
  IDP_CLIENT_ID,
  IDP_CLIENT_SECRET,
  IDP_DISCOVERY_URL,
  IDP_ISSUER,
  IDP_ORIGIN,
  POST_LOGOUT_REDIRECT_URI,
  REDIRECT_URI,
  setAccessTokenTTL,
  USERS,
} from '../env';

type User = (typeof USERS)[keyof typeof USERS];

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint: string;
  end_session_endpoint: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  code_challenge_methods_supported: string[];
  scopes_supported: string[];
  [key: string]: unknown;
}

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

interface AuthRequest {
  url: string;
  state: string;
  nonce: string;
  verifier: string;
}

// Every test's page answers the BFF's URLs (BFF_ORIGIN/*) itself, inside Chromium,
// so nothing reaches a BFF even when one runs on that port: the redirect URI (the code arrives
// there), the post-logout URI, and any page a test puts there (`bff.pages`).
//
// This uses the DevTools Fetch domain directly rather than page.route(): with Playwright 1.65
// and Chromium 156, page.route() is consulted only for the first request of a navigation's
// redirect chain, so the provider's 303 to the redirect URI would go to the network
// (ERR_CONNECTION_REFUSED, or the real BFF) instead of the route handler.
interface FakeBff {
  /** Redirect-URI hits, newest last. */
  callbacks: URL[];
  /** Extra HTML pages served on the BFF origin, by path. */
  pages: Map<string, string>;
}

const test = base.extend<{ bff: FakeBff; callbacks: URL[] }>({
  bff: [
    async ({ page }, use) => {
      const bff: FakeBff = { callbacks: [], pages: new Map() };
      const cdp = await page.context().newCDPSession(page);
      cdp.on('Fetch.requestPaused', (event) => {
        const url = new URL(event.request.url);
        let status = 200;
        let body: string;
        if (url.pathname === new URL(REDIRECT_URI).pathname) {
          bff.callbacks.push(url);
          body = '<!doctype html><title>Callback</title><p>callback reached</p>';
        } else if (url.pathname === new URL(POST_LOGOUT_REDIRECT_URI).pathname) {
          body = '<!doctype html><title>Signed out</title><p>back at the app</p>';
        } else if (bff.pages.has(url.pathname)) {
          body = bff.pages.get(url.pathname)!;
        } else {
          status = 404;
          body = 'not found';
        }
        cdp.send('Fetch.fulfillRequest', {
          requestId: event.requestId,
          responseCode: status,
          responseHeaders: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }],
          body: Buffer.from(body).toString('base64'),
        }).catch(() => { /* the page went away */ });
      });
      await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${BFF_ORIGIN}/*`, requestStage: 'Request' }] });
      // No request may fail: a redirect that escaped the interception shows up here.
      const failed: string[] = [];
      page.on('requestfailed', (request) => {
        failed.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
      });
      await use(bff);
      await cdp.detach().catch(() => {});
      expect(failed, 'failed browser requests').toEqual([]);
    },
    { auto: true },
  ],
  callbacks: async ({ bff }, use) => use(bff.callbacks),
});

let discovery: Discovery;
let jwks: ReturnType<typeof createRemoteJWKSet>;

test.beforeAll(async () => {
  await setAccessTokenTTL(IDP_ACCESS_TOKEN_TTL);
  const res = await fetch(IDP_DISCOVERY_URL);
  expect(res.status).toBe(200);
  discovery = (await res.json()) as Discovery;
  jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
});

test.afterAll(async () => {
  await setAccessTokenTTL(null);
});

/** alice's profile, email and groups claims, in her ID token and at userinfo alike. */
const ALICE_CLAIMS = {
  sub: USERS.alice.id,
  name: 'Alice Anderson',
  given_name: 'Alice',
  family_name: 'Anderson',
  preferred_username: 'alice@example.com',
  email: 'alice@example.com',
  email_verified: true,
  groups: ['Everyone', 'Admins'],
};

const random = () => randomBytes(32).toString('base64url');

function authorizeRequest(opts: {
  scope?: string;
  prompt?: string;
  pkce?: boolean;
  extra?: Record<string, string>;
} = {}): AuthRequest {
  const verifier = random();
  const state = random();
  const nonce = random();
  const params = new URLSearchParams({
    client_id: IDP_CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: opts.scope ?? 'openid profile email offline_access',
    state,
    nonce,
  });
  if (opts.pkce !== false) {
    params.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
    params.set('code_challenge_method', 'S256');
  }
  if (opts.prompt) params.set('prompt', opts.prompt);
  for (const [k, v] of Object.entries(opts.extra ?? {})) params.set(k, v);
  return { url: `${discovery.authorization_endpoint}?${params}`, state, nonce, verifier };
}

function basicAuth(id = IDP_CLIENT_ID, secret = IDP_CLIENT_SECRET) {
  const pair = `${encodeURIComponent(id)}:${encodeURIComponent(secret)}`;
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

// A back-channel form POST, as the BFF makes them (client_secret_basic).
async function postForm(url: string, form: Record<string, string>, authorization = basicAuth()) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization,
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON (revocation answers an empty body) */
  }
  return { status: res.status, body, headers: res.headers };
}

const exchangeCode = (code: string, verifier?: string) => postForm(discovery.token_endpoint, {
  grant_type: 'authorization_code',
  code,
  redirect_uri: REDIRECT_URI,
  ...(verifier ? { code_verifier: verifier } : {}),
});

const refresh = (refreshToken: string) => postForm(discovery.token_endpoint, {
  grant_type: 'refresh_token',
  refresh_token: refreshToken,
});

async function userinfo(accessToken?: string) {
  const res = await fetch(discovery.userinfo_endpoint, {
    headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? JSON.parse(text) : undefined,
    wwwAuthenticate: res.headers.get('www-authenticate'),
  };
}

async function submitSignIn(page: Page, username: string, password: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function expectSignInForm(page: Page) {
  await expect(page).toHaveTitle('Sign In');
  await expect(page.getByLabel('Username')).toBeVisible();
  await expect(page.getByLabel('Password')).toBeVisible();
  expect(new URL(page.url()).pathname).toMatch(/^\/oauth2\/default\/interaction\/[\w-]+(\/login)?$/);
}

// Waits for the redirect URI and returns its query; checks state and iss.
async function awaitCallback(page: Page, callbacks: URL[], req: AuthRequest) {
  await page.waitForURL(`${REDIRECT_URI}**`);
  expect(callbacks.length).toBeGreaterThan(0);
  const hit = callbacks[callbacks.length - 1];
  expect(hit.searchParams.get('state')).toBe(req.state);
  expect(hit.searchParams.get('iss')).toBe(IDP_ISSUER);
  return hit.searchParams;
}

// The whole front-channel: authorize -> sign-in form -> code at the redirect URI.
async function signInForCode(
  page: Page,
  callbacks: URL[],
  user: User = USERS.alice,
  opts: Parameters<typeof authorizeRequest>[0] & { login?: string } = {},
) {
  const req = authorizeRequest(opts);
  await page.goto(req.url);
  await expectSignInForm(page);
  await submitSignIn(page, opts.login ?? user.username, user.password);
  const query = await awaitCallback(page, callbacks, req);
  const code = query.get('code');
  expect(code, `callback error: ${query.get('error')} ${query.get('error_description')}`).toBeTruthy();
  return { req, code: code! };
}

async function signInForTokens(
  page: Page,
  callbacks: URL[],
  user: User = USERS.alice,
  opts: Parameters<typeof signInForCode>[3] = {},
) {
  const { req, code } = await signInForCode(page, callbacks, user, opts);
  const res = await exchangeCode(code, req.verifier);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { req, tokens: res.body as TokenResponse };
}

async function devStats() {
  const res = await fetch(`${IDP_ORIGIN}/__dev/stats`);
  expect(res.status).toBe(200);
  return res.json() as Promise<{ token_requests: Record<string, number>; revocations: number }>;
}

test('discovery announces the Okta endpoint paths', async () => {
  expect(discovery.issuer).toBe(IDP_ISSUER);
  expect(discovery.authorization_endpoint).toBe(`${IDP_ISSUER}/v1/authorize`);
  expect(discovery.token_endpoint).toBe(`${IDP_ISSUER}/v1/token`);
  expect(discovery.jwks_uri).toBe(`${IDP_ISSUER}/v1/keys`);
  expect(discovery.userinfo_endpoint).toBe(`${IDP_ISSUER}/v1/userinfo`);
  expect(discovery.end_session_endpoint).toBe(`${IDP_ISSUER}/v1/logout`);
  expect(discovery.revocation_endpoint).toBe(`${IDP_ISSUER}/v1/revoke`);
  expect(discovery.introspection_endpoint).toBe(`${IDP_ISSUER}/v1/introspect`);
  expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
  expect(discovery.scopes_supported).toEqual(expect.arrayContaining([
    'openid', 'profile', 'email', 'offline_access', 'groups', 'orders:read', 'orders:write',
  ]));

  const oauth = await fetch(`${IDP_ISSUER}/.well-known/oauth-authorization-server`);
  expect(oauth.status).toBe(200);
  expect((await oauth.json()).token_endpoint).toBe(discovery.token_endpoint);

  const keys = await (await fetch(discovery.jwks_uri)).json();
  expect(keys.keys.length).toBeGreaterThan(0);
  for (const key of keys.keys) {
    expect(key.kty).toBe('RSA');
    expect(key).not.toHaveProperty('d');
  }
});

test('code flow with PKCE issues Okta-shaped access, ID and refresh tokens', async ({ page, callbacks }) => {
  const { req, code } = await signInForCode(page, callbacks, USERS.alice, {
    scope: 'openid profile email offline_access orders:read',
  });

  // Without the code_verifier the code is refused.
  const noVerifier = await exchangeCode(code);
  expect(noVerifier.status).toBe(400);
  expect(noVerifier.body.error).toBe('invalid_grant');
  const wrongVerifier = await exchangeCode(code, random());
  expect(wrongVerifier.status).toBe(400);
  expect(wrongVerifier.body.error).toBe('invalid_grant');
  // Without client authentication too.
  const noClient = await postForm(discovery.token_endpoint, {
    grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: req.verifier,
  }, basicAuth(IDP_CLIENT_ID, 'wrong-secret'));
  expect(noClient.status).toBe(401);
  expect(noClient.body.error).toBe('invalid_client');

  const res = await exchangeCode(code, req.verifier);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.headers.get('cache-control')).toContain('no-store');
  const tokens = res.body as TokenResponse;
  expect(tokens.token_type).toBe('Bearer');
  expect(tokens.expires_in).toBe(IDP_ACCESS_TOKEN_TTL);
  expect(tokens.refresh_token).toBeTruthy();
  expect(tokens.id_token).toBeTruthy();

  // The code is single use.
  const again = await exchangeCode(code, req.verifier);
  expect(again.status).toBe(400);
  expect(again.body.error).toBe('invalid_grant');

  // Access token: an RS256 JWT like Okta's.
  expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
  const { payload: at } = await jwtVerify(tokens.access_token, jwks, {
    issuer: IDP_ISSUER, audience: IDP_AUDIENCE, algorithms: ['RS256'], typ: 'at+jwt',
  });
  expect(at.aud).toBe('api://default');
  expect(at.sub).toBe('alice@example.com');
  expect(at.uid).toBe(USERS.alice.id);
  expect(at.uid).toMatch(/^00u[A-Za-z0-9]{17}$/);
  expect(at.cid).toBe(IDP_CLIENT_ID);
  expect(Array.isArray(at.scp)).toBe(true);
  expect([...(at.scp as string[])].sort()).toEqual(
    ['email', 'offline_access', 'openid', 'orders:read', 'profile'],
  );
  expect(at.groups).toEqual(['Everyone', 'Admins']);
  expect(at).not.toHaveProperty('scope');
  expect(at).not.toHaveProperty('client_id');
  expect(typeof at.jti).toBe('string');
  expect(at.exp! - at.iat!).toBe(IDP_ACCESS_TOKEN_TTL);

  // ID token: verified against /v1/keys; profile, email and groups claims; the nonce.
  const { payload: id } = await jwtVerify(tokens.id_token!, jwks, {
    issuer: IDP_ISSUER, audience: IDP_CLIENT_ID, algorithms: ['RS256'],
  });
  expect(id).toMatchObject({ ...ALICE_CLAIMS, nonce: req.nonce });
  expect(typeof id.auth_time).toBe('number');
  expect(typeof id.sid).toBe('string');
  expect(id.amr).toEqual(['pwd']);
});

test('sign-in accepts the email as username; bob gets his own claims', async ({ page, callbacks }) => {
  const { tokens } = await signInForTokens(page, callbacks, USERS.bob, { login: 'bob@example.com' });
  const at = decodeJwt(tokens.access_token);
  expect(at.sub).toBe('bob@example.com');
  expect(at.uid).toBe(USERS.bob.id);
  expect(at.groups).toEqual(['Everyone']);
  const id = decodeJwt(tokens.id_token!);
  expect(id.sub).toBe(USERS.bob.id);
  expect(id.name).toBe('Bob Brown');
  expect(id.groups).toEqual(['Everyone']);
});

test('refresh tokens: issued without prompt=consent, rotated, reuse refused', async ({ page, callbacks }) => {
  const { tokens } = await signInForTokens(page, callbacks);
  const first = tokens.refresh_token!;

  const r1 = await refresh(first);
  expect(r1.status, JSON.stringify(r1.body)).toBe(200);
  const rotated = r1.body as TokenResponse;
  expect(rotated.refresh_token).toBeTruthy();
  expect(rotated.refresh_token).not.toBe(first);
  expect(rotated.access_token).not.toBe(tokens.access_token);
  const at = decodeJwt(rotated.access_token);
  expect(at.aud).toBe('api://default'); // the default resource, without sending `resource`
  expect(at.sub).toBe('alice@example.com');
  expect(decodeJwt(rotated.id_token!).sub).toBe(USERS.alice.id);

  // Reusing the rotated-away refresh token fails...
  const reuse = await refresh(first);
  expect(reuse.status).toBe(400);
  expect(reuse.body.error).toBe('invalid_grant');
  // ...and, as a replay, ends the whole token family.
  const after = await refresh(rotated.refresh_token!);
  expect(after.status).toBe(400);
  expect(after.body.error).toBe('invalid_grant');
});

test('offline_access yields a refresh token with prompt=login too, and none without it', async ({ page, callbacks }) => {
  const withLogin = await signInForTokens(page, callbacks, USERS.alice, { prompt: 'login' });
  expect(withLogin.tokens.refresh_token).toBeTruthy();
  expect(withLogin.tokens.scope.split(' ')).toContain('offline_access');

  // Signed in already, but prompt=login asks again.
  const noOffline = await signInForTokens(page, callbacks, USERS.alice, {
    scope: 'openid profile email', prompt: 'login',
  });
  expect(noOffline.tokens.refresh_token).toBeUndefined();
  expect(decodeJwt(noOffline.tokens.access_token).scp).not.toContain('offline_access');
});

test('userinfo accepts the JWT access token and refuses anything else', async ({ page, callbacks }) => {
  // It waits for the access token to expire, on top of what any test may take.
  test.setTimeout(test.info().timeout + IDP_ACCESS_TOKEN_TTL * 1000);
  const { tokens } = await signInForTokens(page, callbacks);

  const ok = await userinfo(tokens.access_token);
  expect(ok.status).toBe(200);
  expect(ok.body).toEqual(ALICE_CLAIMS);

  for (const bad of [undefined, 'not-a-jwt', tokens.id_token!, `${tokens.access_token.slice(0, -4)}AAAA`]) {
    const res = await userinfo(bad);
    expect(res.status).toBe(401);
    expect(res.wwwAuthenticate).toContain('error="invalid_token"');
  }

  // The access token lives IDP_ACCESS_TOKEN_TTL seconds; then userinfo refuses it. The wait has
  // no budget of its own (timeout 0: the test's).
  const { iat, exp } = decodeJwt(tokens.access_token);
  expect(exp! - iat!, 'the access token has the short lifetime').toBe(IDP_ACCESS_TOKEN_TTL);
  await expect.poll(async () => (await userinfo(tokens.access_token)).status, {
    timeout: 0,
    intervals: [500],
  }).toBe(401);
});

test('a wrong password keeps the user on the form with an error and no session', async ({ page, callbacks }) => {
  const req = authorizeRequest();
  await page.goto(req.url);
  await expectSignInForm(page);
  const formUrl = page.url();

  await submitSignIn(page, 'alice', 'not-wonderland');
  await expect(page.getByRole('alert')).toHaveText('Sign-in failed: check your username and password');
  await expectSignInForm(page);
  await expect(page.getByLabel('Username')).toHaveValue('alice');
  await expect(page.getByLabel('Password')).toHaveValue('');

  await submitSignIn(page, 'nobody', 'wonderland');
  await expect(page.getByRole('alert')).toHaveText('Sign-in failed: check your username and password');
  expect(callbacks).toHaveLength(0);

  // No provider session: a new authorization request asks for the password again.
  const cookies = await page.context().cookies(IDP_ORIGIN);
  expect(cookies.find((c) => c.name === '_session')).toBeUndefined();
  await page.goto(authorizeRequest().url);
  await expectSignInForm(page);
  expect(page.url()).not.toBe(formUrl);

  // The original form still works with the right password.
  await page.goto(formUrl);
  await submitSignIn(page, 'alice', 'wonderland');
  const query = await awaitCallback(page, callbacks, req);
  expect(query.get('code')).toBeTruthy();
});

test('Cancel returns error=access_denied to the redirect URI', async ({ page, callbacks }) => {
  const req = authorizeRequest();
  await page.goto(req.url);
  await expectSignInForm(page);
  await page.getByRole('button', { name: 'Cancel' }).click();
  const query = await awaitCallback(page, callbacks, req);
  expect(query.get('error')).toBe('access_denied');
  expect(query.get('error_description')).toBe('The user declined to sign in');
  expect(query.get('code')).toBeNull();
});

test('bad authorization requests are refused like Okta refuses them', async ({ page, callbacks }) => {
  // PKCE is required.
  const noPkce = authorizeRequest({ pkce: false });
  await page.goto(noPkce.url);
  let query = await awaitCallback(page, callbacks, noPkce);
  expect(query.get('error')).toBe('invalid_request');

  // Only S256.
  const plain = authorizeRequest({ extra: { code_challenge: random(), code_challenge_method: 'plain' } });
  await page.goto(plain.url);
  query = await awaitCallback(page, callbacks, plain);
  expect(query.get('error')).toBe('invalid_request');

  // Unknown scopes are an error, not silently dropped.
  const unknown = authorizeRequest({ scope: 'openid orders:delete' });
  await page.goto(unknown.url);
  query = await awaitCallback(page, callbacks, unknown);
  expect(query.get('error')).toBe('invalid_scope');

  // An unregistered redirect URI is never redirected to.
  const evil = authorizeRequest({ extra: { redirect_uri: `${BFF_ORIGIN}/elsewhere` } });
  const res = await page.goto(evil.url);
  expect(res!.status()).toBe(400);
  await expect(page.getByRole('alert')).toContainText('redirect_uri');
  expect(callbacks).toHaveLength(3);
});

test('revocation makes the refresh token unusable; introspection reports it', async ({ page, callbacks }) => {
  const { tokens } = await signInForTokens(page, callbacks);
  const rt = tokens.refresh_token!;

  let intro = await postForm(discovery.introspection_endpoint, { token: rt, token_type_hint: 'refresh_token' });
  expect(intro.status).toBe(200);
  expect(intro.body).toMatchObject({ active: true, client_id: IDP_CLIENT_ID, sub: 'alice@example.com', uid: USERS.alice.id });

  intro = await postForm(discovery.introspection_endpoint, { token: tokens.access_token, token_type_hint: 'access_token' });
  expect(intro.status).toBe(200);
  expect(intro.body).toMatchObject({
    active: true, token_type: 'Bearer', client_id: IDP_CLIENT_ID, sub: 'alice@example.com', uid: USERS.alice.id, aud: 'api://default',
  });

  // Client authentication is required.
  const anonymous = await postForm(discovery.revocation_endpoint, { token: rt }, basicAuth(IDP_CLIENT_ID, 'nope'));
  expect(anonymous.status).toBe(401);

  const revoked = await postForm(discovery.revocation_endpoint, { token: rt, token_type_hint: 'refresh_token' });
  expect(revoked.status).toBe(200);
  const refused = await refresh(rt);
  expect(refused.status).toBe(400);
  expect(refused.body.error).toBe('invalid_grant');
  intro = await postForm(discovery.introspection_endpoint, { token: rt });
  expect(intro.body).toEqual({ active: false });

  // The JWT access token can be revoked too (Okta accepts it): userinfo then refuses it.
  expect((await userinfo(tokens.access_token)).status).toBe(200);
  const atRevoked = await postForm(discovery.revocation_endpoint, { token: tokens.access_token, token_type_hint: 'access_token' });
  expect(atRevoked.status).toBe(200);
  expect((await userinfo(tokens.access_token)).status).toBe(401);
  intro = await postForm(discovery.introspection_endpoint, { token: tokens.access_token });
  expect(intro.body).toEqual({ active: false });

  // Unknown tokens are "revoked" without complaint (RFC 7009).
  expect((await postForm(discovery.revocation_endpoint, { token: 'no-such-token' })).status).toBe(200);
});

test('RP-initiated logout ends the provider session and returns with the state', async ({ page, callbacks }) => {
  const { tokens } = await signInForTokens(page, callbacks);

  // Signed in: a new authorization request completes without the form.
  const sso = authorizeRequest();
  await page.goto(sso.url);
  expect((await awaitCallback(page, callbacks, sso)).get('code')).toBeTruthy();

  const state = random();
  const logout = new URL(discovery.end_session_endpoint);
  logout.search = new URLSearchParams({
    id_token_hint: tokens.id_token!,
    post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI,
    state,
  }).toString();
  await page.goto(logout.href);
  const postLogout = new URL(POST_LOGOUT_REDIRECT_URI);
  await page.waitForURL((url) => url.origin === postLogout.origin && url.pathname === postLogout.pathname);
  const back = new URL(page.url());
  expect(back.searchParams.get('state')).toBe(state);
  await expect(page).toHaveTitle('Signed out');

  // The provider session is gone: the sign-in form shows again.
  await page.goto(authorizeRequest().url);
  await expectSignInForm(page);

  // Like Okta's /v1/logout, it ends the session, not the offline grant: the refresh token
  // still works until the BFF revokes it.
  expect((await refresh(tokens.refresh_token!)).status).toBe(200);
});

test('provider cookies work over http and across the BFF site boundary', async ({ page, callbacks, bff }) => {
  // The BFF (BFF_ORIGIN, localhost) is a different site from the IdP (IDP_ORIGIN, 127.0.0.1):
  // each sign-in starts from a page there, as a top-level cross-site navigation.
  const startFrom = async (req: AuthRequest) => {
    bff.pages.set('/start', `<!doctype html><title>App</title><a href="${req.url.replace(/&/g, '&amp;')}">Sign in with Okta</a>`);
    await page.goto(`${BFF_ORIGIN}/start`);
    await page.getByRole('link', { name: 'Sign in with Okta' }).click();
  };

  const first = authorizeRequest();
  await startFrom(first);
  await expectSignInForm(page);
  await submitSignIn(page, 'alice', 'wonderland');
  expect((await awaitCallback(page, callbacks, first)).get('code')).toBeTruthy();

  const cookies = await page.context().cookies(`${IDP_ISSUER}/v1/authorize`);
  const session = cookies.find((c) => c.name === '_session');
  expect(session).toBeDefined();
  expect(session).toMatchObject({ httpOnly: true, secure: false, sameSite: 'Lax' });

  // The next cross-site navigation carries the session: no form.
  const second = authorizeRequest();
  await startFrom(second);
  expect((await awaitCallback(page, callbacks, second)).get('code')).toBeTruthy();
});

test('/__dev/stats counts token requests by grant type; /__dev/tokens lists issued values', async ({ page, callbacks }) => {
  expect((await fetch(`${IDP_ORIGIN}/__dev/reset`, { method: 'POST' })).status).toBe(200);
  expect(await devStats()).toMatchObject({
    token_requests: { authorization_code: 0, refresh_token: 0 },
    revocations: 0,
  });

  const { req, code } = await signInForCode(page, callbacks);
  expect((await exchangeCode(code)).status).toBe(400); // no verifier: counted as well
  const first = await exchangeCode(code, req.verifier);
  expect(first.status).toBe(200);
  const refreshed = await refresh(first.body.refresh_token);
  expect(refreshed.status).toBe(200);
  expect((await refresh(first.body.refresh_token)).status).toBe(400);
  expect((await postForm(discovery.revocation_endpoint, { token: refreshed.body.refresh_token })).status).toBe(200);

  const stats = await devStats();
  expect(stats.token_requests.authorization_code).toBe(2);
  expect(stats.token_requests.refresh_token).toBe(2);
  expect(stats.revocations).toBe(1);

  const list = (await (await fetch(`${IDP_ORIGIN}/__dev/tokens`)).json()) as Array<{
    kind: string; value: string; sub: string; issued_at: number;
  }>;
  expect(list.length).toBeLessThanOrEqual(500);
  const values = list.map((t) => t.value);
  for (const value of [
    first.body.access_token, first.body.refresh_token, first.body.id_token,
    refreshed.body.access_token, refreshed.body.refresh_token, refreshed.body.id_token,
  ]) {
    expect(values).toContain(value);
  }
  // Newest first: the refresh's tokens come before the code exchange's.
  expect(values.indexOf(refreshed.body.access_token)).toBeLessThan(values.indexOf(first.body.access_token));
  const entry = list.find((t) => t.value === refreshed.body.refresh_token)!;
  expect(entry).toMatchObject({ kind: 'refresh_token', sub: USERS.alice.id });
  expect(list.find((t) => t.value === first.body.id_token)!.kind).toBe('id_token');
  expect(list.find((t) => t.value === first.body.access_token)!.kind).toBe('access_token');
});
