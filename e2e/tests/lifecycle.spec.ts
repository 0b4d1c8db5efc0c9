// The token lifecycle end to end: silent refresh with 10-second access tokens, one refresh per
// session, a dead refresh token, revocation at sign-out, and back-channel logout.
import { decodeJwt } from 'jose';

import {
  BFF_ORIGIN, IDP_ACCESS_TOKEN_TTL, IDP_CLIENT_ID, IDP_CLIENT_SECRET, IDP_ISSUER, IDP_ORIGIN,
  setAccessTokenTTL, USERS,
} from '../env';
import {
  api, expect, issuedTokens, me, signInAt, test,
} from './fixtures';

interface Stats { token_requests: Record<string, number>; revocations: number }

async function stats(): Promise<Stats> {
  return (await fetch(`${IDP_ORIGIN}/__dev/stats`)).json() as Promise<Stats>;
}

const refreshes = async () => (await stats()).token_requests.refresh_token ?? 0;

/** The newest token of kind the provider issued to alice. */
async function newest(kind: 'access_token' | 'refresh_token') {
  const t = (await issuedTokens(USERS.alice.login)).find((x) => x.kind === kind);
  expect(t, `an issued ${kind}`).toBeTruthy();
  return t!.value;
}

/**
 * Waits until the newest access token issued to alice has expired (its own exp claim). The wait
 * has no budget of its own (timeout 0: the test's), so a test calling it makes room for it.
 */
async function newestAccessTokenExpired(): Promise<void> {
  const { iat, exp } = decodeJwt(await newest('access_token'));
  expect(exp! - iat!, 'the access token has the short lifetime').toBe(IDP_ACCESS_TOKEN_TTL);
  await expect.poll(() => Date.now() / 1000 > exp! + 0.5, {
    message: 'the access token expires',
    intervals: [250],
    timeout: 0,
  }).toBe(true);
}

/** Access-token lifetimes in milliseconds, for tests that make room in their timeout to wait them out. */
const ttls = (n: number) => n * IDP_ACCESS_TOKEN_TTL * 1000;

/** A refresh-token grant made directly at the provider, as an attacker holding an old token would. */
async function redeem(refreshToken: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${IDP_ISSUER}/v1/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${IDP_CLIENT_ID}:${IDP_CLIENT_SECRET}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return { status: res.status, body: await res.json() };
}

test.beforeAll(async () => {
  await setAccessTokenTTL(IDP_ACCESS_TOKEN_TTL);
});

test.afterAll(async () => {
  await setAccessTokenTTL(null);
});

test('silent refresh: 40 s on /orders with 10 s access tokens, reloading, never back at the provider', async ({ page }) => {
  const reloads = 10;
  const every = 4_000; // ms of wall time between reloads: the provider's tokens expire in real time
  // The test spends reloads × every of wall time by design, on top of what any test may take.
  test.setTimeout(test.info().timeout + reloads * every);
  await signInAt(page, '/orders', USERS.alice);
  const table = page.getByRole('main').getByRole('table');
  await expect(table.getByRole('rowheader', { name: 'ORD-1001' })).toBeVisible();

  const navigations: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations.push(frame.url());
  });
  const before = await refreshes();
  const start = Date.now();
  for (let reload = 1; reload <= reloads; reload++) {
    await expect.poll(() => Date.now() - start >= reload * every, { intervals: [200], timeout: 0 }).toBe(true);
    await page.getByRole('main').getByRole('button', { name: 'Reload' }).click();
    await expect(page.getByRole('main').getByRole('button', { name: 'Reload' })).toBeEnabled();
    await expect(table.getByRole('rowheader', { name: 'ORD-1001' })).toBeVisible();
    await expect(page.getByRole('main')).not.toContainText('Could not load');
  }
  expect(Date.now() - start).toBeGreaterThanOrEqual(reloads * every);
  expect(navigations, 'no navigation after sign-in (nothing went back to the provider)').toEqual([]);
  expect(page.url()).toBe(`${BFF_ORIGIN}/orders`);
  expect(await refreshes() - before, 'refreshes over 40 s of 10 s tokens').toBeGreaterThanOrEqual(3);
  expect((await me(page)).status).toBe(200);
});

test('20 concurrent API calls after expiry make one refresh, all answer 200, and the next refresh works (F01)', async ({ page }) => {
  test.setTimeout(test.info().timeout + ttls(2)); // it waits for two tokens to expire
  await signInAt(page, '/profile', USERS.alice);
  await newestAccessTokenExpired();
  const before = await refreshes();

  const statuses = await page.evaluate(async () => Promise.all(Array.from({ length: 20 }, () => fetch('/api/orders/orders', {
    headers: { 'X-CSRF': '1' }, cache: 'no-store',
  }).then(async (r) => { await r.text(); return r.status; }))));
  expect(statuses).toEqual(Array(20).fill(200));
  expect(await refreshes() - before, 'refresh_token grants at the provider').toBe(1);

  // The rotated refresh token was kept: the next refresh works.
  await newestAccessTokenExpired();
  expect((await api(page, '/api/orders/orders')).status).toBe(200);
  expect(await refreshes() - before).toBe(2);
});

test('a dead refresh token ends the session; the SPA says so and signs in again to the same route (F08)', async ({ page }) => {
  test.setTimeout(test.info().timeout + ttls(1)); // it waits for a token to expire
  await signInAt(page, '/orders?from=f08', USERS.alice);
  const revoked = await fetch(`${IDP_ISSUER}/v1/revoke`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${IDP_CLIENT_ID}:${IDP_CLIENT_SECRET}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token: await newest('refresh_token'), token_type_hint: 'refresh_token' }),
  });
  expect(revoked.status).toBe(200);
  await newestAccessTokenExpired();
  const before = await refreshes();

  await page.getByRole('main').getByRole('button', { name: 'Reload' }).click();
  const main = page.getByRole('main');
  await expect(main.getByRole('heading', { name: 'Your session has ended' })).toBeVisible();
  expect(await api(page, '/api/orders/orders')).toMatchObject({ status: 401, body: { error: 'session_expired' } });
  expect(await me(page)).toMatchObject({ status: 401, body: { error: 'session_expired' } });
  expect(await refreshes() - before, 'one refresh attempt, no retry loop').toBe(1);

  // The provider session is alive, so signing in again comes straight back to the same route.
  await main.getByRole('button', { name: 'Sign in again' }).click();
  await expect(page).toHaveURL(`${BFF_ORIGIN}/orders?from=f08`);
  await expect(main.getByRole('table').getByRole('rowheader', { name: 'ORD-1001' })).toBeVisible();
});

test('sign-out revokes the refresh token at the provider', async ({ page }) => {
  await signInAt(page, '/profile', USERS.alice);
  const refreshToken = await newest('refresh_token');
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(`${BFF_ORIGIN}/`);
  const reuse = await redeem(refreshToken);
  expect(reuse.status).toBe(400);
  expect(reuse.body.error).toBe('invalid_grant');
});
test('signing out at the provider from outside the SPA signs the open SPA out within seconds (back-channel logout)', async ({ page, context }) => {
  await signInAt(page, '/profile', USERS.alice);
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out' })).toBeVisible();

  // Another tab signs out at the provider itself (its own logout page, no id_token_hint).
  const provider = await context.newPage();
  await provider.goto(`${IDP_ISSUER}/v1/logout`);
  await provider.getByRole('button', { name: 'Sign out' }).click();
  await expect(provider).not.toHaveURL(/\/v1\/logout$/);

  // The open SPA notices at its next session check.
  await expect(page.getByRole('main').getByRole('heading', { name: 'Your session has ended' })).toBeVisible();
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign in' })).toBeVisible();
  expect(await me(page)).toMatchObject({ status: 401, body: { error: 'session_expired' } });
  expect(page.url()).toBe(`${BFF_ORIGIN}/profile`);
});
