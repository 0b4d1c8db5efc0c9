// The BFF against a second real OpenID provider: zitadel/oidc's example provider (zitadel-op/),
// run by the Playwright project "zitadel" behind a BFF of its own (ZITADEL_BFF_ORIGIN). It differs
// from the dev provider where providers differ: its issuer ends in a slash, its access tokens are
// opaque, its ID token carries no profile claims (name and email come from userinfo only, OpenID
// Connect Core §5.4), it rotates refresh tokens, and its sign-in page is its own.
//
// The BFF's /api/op route has the provider itself as its upstream: /api/op/userinfo reaches the
// userinfo endpoint (OpenID Connect Core §5.3), which answers 200 only to a live access token.
import type { Page } from '@playwright/test';

import {
  ZITADEL_ACCESS_TOKEN_TTL, ZITADEL_BFF_ORIGIN, ZITADEL_ISSUER, ZITADEL_ISSUER_ORIGIN, ZITADEL_ORIGIN,
  ZITADEL_USER,
} from '../env';
import { api, expect, me, test } from './fixtures';

const BFF = ZITADEL_BFF_ORIGIN;

/** Fills the zitadel OP's sign-in form (zitadel-op/login.go). The page must show it. */
async function submitSignIn(page: Page): Promise<void> {
  await expect(page.getByLabel('Username')).toBeVisible();
  expect(new URL(page.url()).origin, 'the sign-in form is the provider\'s').toBe(ZITADEL_ISSUER_ORIGIN);
  await page.getByLabel('Username').fill(ZITADEL_USER.username);
  await page.getByLabel('Password').fill(ZITADEL_USER.password);
  await page.getByRole('button', { name: 'Login' }).click();
}

/** Opens path on the BFF, signs in at the zitadel OP, and waits to be back on path. */
async function signInAt(page: Page, path: string): Promise<void> {
  await page.goto(`${BFF}${path}`);
  await submitSignIn(page);
  await expect(page).toHaveURL(`${BFF}${path}`);
}

/** An access token the OP issued (GET /__dev/tokens), times in Unix seconds. */
interface IssuedToken {
  id: string;
  sub: string;
  grant: string;
  issued_at: number;
  expires_at: number;
}

/** The access tokens the OP issued to the test user, newest first. */
async function accessTokens(): Promise<IssuedToken[]> {
  const res = await fetch(`${ZITADEL_ORIGIN}/__dev/tokens`);
  expect(res.status).toBe(200);
  return ((await res.json()) as IssuedToken[]).filter((t) => t.sub === ZITADEL_USER.sub);
}

/** How many token requests of grant_type the OP has answered (GET /__dev/stats). */
async function tokenRequests(grant: 'authorization_code' | 'refresh_token'): Promise<number> {
  const res = await fetch(`${ZITADEL_ORIGIN}/__dev/stats`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { token_requests: Record<string, number> }).token_requests[grant] ?? 0;
}

/** GET /api/op/userinfo through the BFF, from the page, as the SPA calls an API. */
const userinfo = (page: Page) => api(page, '/api/op/userinfo', { origin: BFF });

test('a signed-out visit to /profile signs in at the zitadel OP and comes back to /profile', async ({ page }) => {
  await page.goto(`${BFF}/profile`);
  await expect(page.getByLabel('Password')).toBeVisible();
  expect(new URL(page.url()).origin).toBe(ZITADEL_ISSUER_ORIGIN);

  await submitSignIn(page);
  await expect(page).toHaveURL(`${BFF}/profile`);
  const main = page.getByRole('main');
  await expect(main.getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();
  // The profile comes from the userinfo endpoint, which the BFF asks once at sign-in because the
  // ID token has no profile claims (OpenID Connect Core §5.3).
  const field = (term: string) => main.locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('+ dd');
  await expect(field('Name')).toHaveText(ZITADEL_USER.name);
  await expect(field('Email')).toHaveText(ZITADEL_USER.email);
  await expect(main.getByText('Session ends')).toBeVisible();
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out' })).toBeVisible();

  // The session is the OP's user, under the issuer exactly as the OP writes it (trailing slash).
  const session = await me(page, BFF);
  expect(session.status).toBe(200);
  expect(session.body).toMatchObject({
    sub: ZITADEL_USER.sub, iss: ZITADEL_ISSUER, name: ZITADEL_USER.name, email: ZITADEL_USER.email,
  });
});

test('an /api call through the BFF reaches the OP\'s userinfo endpoint with the user\'s access token', async ({ page }) => {
  // Without a token the upstream refuses: a 200 through the BFF means the BFF sent a live one.
  const direct = await fetch(`${ZITADEL_ORIGIN}/userinfo`);
  expect(direct.status).toBe(401);

  await signInAt(page, '/profile');
  const info = await userinfo(page);
  expect(info.status).toBe(200);
  // The token carries the scopes the BFF asked for: openid, profile and email.
  expect(info.body).toMatchObject({
    sub: ZITADEL_USER.sub,
    name: ZITADEL_USER.name,
    email: ZITADEL_USER.email,
    preferred_username: ZITADEL_USER.username,
  });

  // The CSRF header is required on this BFF too.
  const refused = await api(page, '/api/op/userinfo', { origin: BFF, csrf: false });
  expect(refused.status).toBe(403);
  expect(refused.body).toMatchObject({ error: 'csrf_required' });
});

test('silent refresh: after the access token expires, an /api call answers 200 with a refreshed token', async ({ page }) => {
  // The test waits out one access-token lifetime by design.
  test.setTimeout(test.info().timeout + ZITADEL_ACCESS_TOKEN_TTL * 1000);
  await signInAt(page, '/profile');
  const refreshesBefore = await tokenRequests('refresh_token');
  expect((await userinfo(page)).status).toBe(200);

  const [first] = await accessTokens();
  expect(first, 'the access token of the sign-in').toBeTruthy();
  expect(first.grant).toBe('authorization_code');
  expect(first.expires_at - first.issued_at, 'the OP issues short-lived access tokens').toBe(ZITADEL_ACCESS_TOKEN_TTL);
  // expires_at is whole seconds, rounded down: the token is dead one second after it at the latest.
  await expect.poll(() => Date.now() / 1000 > first.expires_at + 1, {
    message: 'the access token expires at the OP',
    intervals: [250],
    timeout: 0,
  }).toBe(true);

  const info = await userinfo(page);
  expect(info.status, 'userinfo refuses an expired token: this 200 came with a new one').toBe(200);
  expect(info.body).toMatchObject({ sub: ZITADEL_USER.sub });
  expect(await tokenRequests('refresh_token') - refreshesBefore, 'refresh_token grants at the OP').toBe(1);
  const [latest] = await accessTokens();
  expect(latest.id).not.toBe(first.id);
  expect(latest.grant).toBe('refresh_token');
  expect(latest.issued_at).toBeGreaterThanOrEqual(first.expires_at);

  // Still signed in, and the page never went back to the provider.
  expect(page.url()).toBe(`${BFF}/profile`);
  expect((await me(page, BFF)).status).toBe(200);
});

test('sign-out ends the BFF session and the OP session (RP-initiated logout)', async ({ page }) => {
  await signInAt(page, '/profile');

  // While the OP session lives, a new sign-in needs no password: the redirects go straight back.
  const codesBefore = await tokenRequests('authorization_code');
  await page.goto(`${BFF}/auth/login?returnTo=%2Fprofile`);
  expect(page.url(), 'signed in again from the OP session, without the form').toBe(`${BFF}/profile`);
  expect(await tokenRequests('authorization_code') - codesBefore).toBe(1);
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out' })).toBeVisible();

  // Sign-out goes through the OP's end_session_endpoint, which sends the browser back to the
  // registered post_logout_redirect_uri (the BFF's /auth/logged-out) with the BFF's state
  // (RP-Initiated Logout 1.0 §3); the BFF checks it and lands on a clean home URL.
  const endSession = page.waitForResponse((r) => r.url().startsWith(`${ZITADEL_ISSUER_ORIGIN}/end_session?`));
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  const ended = await endSession;
  expect(ended.status()).toBe(302);
  expect(ended.headers().location).toMatch(new RegExp(`^${BFF}/auth/logged-out\\?state=[^&]+$`));
  await expect(page).toHaveURL(`${BFF}/`);
  await expect(page.getByRole('main')).toContainText('You are not signed in.');
  expect(await me(page, BFF)).toMatchObject({ status: 401, body: { error: 'unauthenticated' } });

  // The OP session is gone too: /profile asks for the password again, and signing in works.
  await page.goto(`${BFF}/profile`);
  await expect(page.getByLabel('Password')).toBeVisible();
  expect(new URL(page.url()).origin).toBe(ZITADEL_ISSUER_ORIGIN);
  await submitSignIn(page);
  await expect(page).toHaveURL(`${BFF}/profile`);
  expect((await me(page, BFF)).status).toBe(200);
});
