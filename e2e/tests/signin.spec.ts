// Sign-in end to end: the SPA served by the real BFF, the dev provider and the demo API, in
// Chromium. What a user does, and what must never happen (a token reaching the browser).
import { createHash } from 'node:crypto';

import { BFF_ORIGIN, IDP_ISSUER, IDP_ORIGIN, USERS } from '../env';
import {
  api, expect, issuedTokens, me, signInAt, submitSignIn, test,
} from './fixtures';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

test('a signed-out visit to /profile signs in at the provider and comes back to /profile', async ({ page }) => {
  await page.goto(`${BFF_ORIGIN}/profile`);
  await expect(page.getByLabel('Username')).toBeVisible();
  expect(new URL(page.url()).origin).toBe(IDP_ORIGIN);

  await submitSignIn(page, USERS.alice);
  await expect(page).toHaveURL(`${BFF_ORIGIN}/profile`);
  const main = page.getByRole('main');
  await expect(main.getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();
  const field = (term: string) => main.locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('+ dd');
  await expect(field('Name')).toHaveText('Alice Anderson');
  await expect(field('Email')).toHaveText('alice@example.com');
  for (const group of USERS.alice.groups) {
    await expect(main.getByRole('listitem').filter({ hasText: group })).toBeVisible();
  }
  // The scopes the provider granted, from its token answer (RFC 6749 §5.1).
  for (const scope of ['openid', 'profile', 'email', 'offline_access']) {
    await expect(field('Scopes').getByRole('listitem').filter({ hasText: new RegExp(`^${scope}$`) })).toBeVisible();
  }
  await expect(main.getByText('Session ends')).toBeVisible();
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out' })).toBeVisible();

  const session = await me(page);
  expect(session.status).toBe(200);
  expect(session.body).toMatchObject({ name: 'Alice Anderson', email: 'alice@example.com', groups: ['Everyone', 'Admins'] });
  expect(session.body.scopes).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
});

test('/orders shows alice\'s orders, fetched from the demo API through the BFF', async ({ page }) => {
  await signInAt(page, '/orders', USERS.alice);
  const table = page.getByRole('main').getByRole('table');
  await expect(table).toContainText('Orders placed by alice@example.com');
  for (const id of ['ORD-1001', 'ORD-1002', 'ORD-1003']) {
    await expect(table.getByRole('rowheader', { name: id })).toBeVisible();
  }
  await expect(table).toContainText('Tea set');
  await expect(table).not.toContainText('ORD-2001');
});

test('bob sees bob\'s orders, not alice\'s', async ({ page }) => {
  await signInAt(page, '/orders', USERS.bob);
  const table = page.getByRole('main').getByRole('table');
  await expect(table).toContainText('Orders placed by bob@example.com');
  await expect(table.getByRole('rowheader', { name: 'ORD-2001' })).toBeVisible();
  await expect(table).not.toContainText('ORD-1001');
  await expect(page.getByRole('banner')).toContainText('Bob Brown');
});

test('the API gets a bearer token and no cookie; no token ever reaches the browser', async ({ page, traffic }) => {
  const since = Math.floor(Date.now() / 1000) - 1;
  await signInAt(page, '/orders', USERS.alice);
  await expect(page.getByRole('main').getByRole('table')).toBeVisible();

  const whoami = await api(page, '/api/orders/whoami');
  expect(whoami.status).toBe(200);
  expect(whoami.body.authorization.scheme).toBe('Bearer');
  expect(whoami.body.claims).toMatchObject({ sub: USERS.alice.login, aud: 'api://default' });
  const received = Object.keys(whoami.body.headers).map((h) => h.toLowerCase());
  expect(received).not.toContain('cookie');
  expect(received).not.toContain('x-csrf');

  const tokens = (await issuedTokens(USERS.alice.login)).filter((t) => t.issued_at >= since);
  const kinds = new Set(tokens.map((t) => t.kind));
  expect(kinds, 'the provider issued an access, a refresh and an ID token').toEqual(new Set(['access_token', 'refresh_token', 'id_token']));
  // The demo API got one of the access tokens issued to alice for this sign-in.
  const accessTokens = tokens.filter((t) => t.kind === 'access_token').map((t) => sha256(t.value));
  expect(accessTokens).toContain(whoami.body.authorization.token_sha256);

  const storage = await page.evaluate(() => ({
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookie: document.cookie,
  }));
  expect(storage.cookie, 'no cookie is readable from script').toBe('');
  // Every body the page received so far, the ones still loading included.
  await traffic.settled();
  for (const t of tokens) {
    // A token is never shorter than this; the check would be meaningless otherwise.
    expect(t.value.length).toBeGreaterThan(20);
    for (const [where, text] of Object.entries(storage)) {
      expect(text.includes(t.value), `${t.kind} in ${where}`).toBe(false);
    }
    for (const r of traffic.responses) {
      expect(r.headers.includes(t.value), `${t.kind} in the headers of ${r.url}`).toBe(false);
      expect(r.body.includes(t.value), `${t.kind} in the body of ${r.url}`).toBe(false);
    }
  }
  expect(traffic.responses.length).toBeGreaterThan(5);
  // The session cookie and a login cookie were both set, and checked by the fixture.
  expect(new Set(traffic.bffCookies.map((c) => c.name.replace(/-login-[0-9a-f]+$/, '-login'))))
    .toEqual(new Set(['__Host-gatehouse', '__Host-gatehouse-login']));
});

test('an /api call without X-CSRF is refused 403', async ({ page }) => {
  await signInAt(page, '/profile', USERS.alice);
  const refused = await api(page, '/api/orders/orders', { csrf: false });
  expect(refused.status).toBe(403);
  expect(refused.body).toMatchObject({ error: 'csrf_required' });
  expect(refused.body.message).toBeTruthy();
  const allowed = await api(page, '/api/orders/orders');
  expect(allowed.status).toBe(200);
});

test('a wrong password keeps the user out', async ({ page }) => {
  await page.goto(`${BFF_ORIGIN}/profile`);
  await submitSignIn(page, { username: 'alice', password: 'not-her-password' });
  await expect(page.getByRole('alert')).toContainText('Sign-in failed');
  expect(new URL(page.url()).origin).toBe(IDP_ORIGIN);
  await expect(page.getByLabel('Password')).toBeVisible();

  const res = await page.request.get(`${BFF_ORIGIN}/auth/me`);
  expect(res.status()).toBe(401);
  expect(await res.json()).toMatchObject({ error: 'unauthenticated' });
});

test('declining at the provider shows the sign-in error page and leaves no session', async ({ page }) => {
  await page.goto(`${BFF_ORIGIN}/orders`);
  await expect(page.getByLabel('Username')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();

  await expect(page).toHaveURL(`${BFF_ORIGIN}/login/error?error=access_denied`);
  const main = page.getByRole('main');
  await expect(main.getByRole('heading', { level: 1, name: 'Sign-in failed' })).toBeVisible();
  await expect(main).toContainText('You declined to sign in');
  await expect(main.getByRole('button', { name: 'Sign in again' })).toBeVisible();
  expect((await me(page)).status).toBe(401);

  // The page is one a person can act on: trying again leads to the sign-in form.
  await main.getByRole('button', { name: 'Sign in again' }).click();
  await expect(page.getByLabel('Username')).toBeVisible();
});

test('sign-out ends the session at the BFF and at the provider', async ({ page }) => {
  await signInAt(page, '/profile', USERS.alice);
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();

  // A form POST answered 303: the provider's logout returns to the BFF's /auth/logged-out, which
  // lands on the SPA's home page with a clean URL.
  await expect(page).toHaveURL(`${BFF_ORIGIN}/`);
  await expect(page.getByRole('main')).toContainText('You are not signed in.');
  const after = await me(page);
  expect(after.status).toBe(401);
  expect(after.body).toMatchObject({ error: 'unauthenticated' });

  // The provider session is gone too: /profile asks to sign in again.
  await page.goto(`${BFF_ORIGIN}/profile`);
  await expect(page.getByLabel('Username')).toBeVisible();
  expect(new URL(page.url()).origin).toBe(IDP_ORIGIN);
});

test('two tabs sign in at once and each lands on its own route (F05)', async ({ page, context }) => {
  const other = await context.newPage();
  // Both tabs start at the same moment: their /auth/login requests race.
  await Promise.all([page.goto(`${BFF_ORIGIN}/profile`), other.goto(`${BFF_ORIGIN}/orders`)]);
  await expect(page.getByLabel('Username')).toBeVisible();
  await expect(other.getByLabel('Username')).toBeVisible();

  await submitSignIn(other, USERS.alice);
  await expect(other).toHaveURL(`${BFF_ORIGIN}/orders`);
  await submitSignIn(page, USERS.alice);
  await expect(page).toHaveURL(`${BFF_ORIGIN}/profile`);
  await expect(page.getByRole('main').getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();
  await expect(other.getByRole('main').getByRole('table')).toBeVisible();
});

test('a tampered state lands on the error page with a way back in (F04)', async ({ page }) => {
  await page.goto(`${BFF_ORIGIN}/`);
  await page.goto(`${BFF_ORIGIN}/auth/callback?code=x&state=forged&iss=${encodeURIComponent(IDP_ISSUER)}`);
  await expect(page).toHaveURL(`${BFF_ORIGIN}/login/error?error=invalid_state`);
  await expect(page.getByRole('main').getByRole('button', { name: 'Sign in again' })).toBeVisible();
  expect((await me(page)).status).toBe(401);
});
