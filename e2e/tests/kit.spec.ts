// The go-app kit (web/auth) in the demo app, end to end: a group guard, sign-out seen by every
// open tab, the Back button after sign-out and from the provider's form, the 404 page, and the
// whole journey from the keyboard alone.
import type { Locator, Page } from '@playwright/test';

import { BFF_ORIGIN, IDP_ORIGIN, USERS } from '../env';
import { expect, me, signInAt, submitSignIn, test } from './fixtures';

/** Presses Tab until target has the focus; fails after max presses. */
async function tabTo(page: Page, target: Locator, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`Tab never reached ${target}`);
}

test('alice, in the group Admins, enters /admin', async ({ page }) => {
  await signInAt(page, '/admin', USERS.alice);
  const main = page.getByRole('main');
  await expect(main.getByRole('heading', { level: 1, name: 'Admin' })).toBeVisible();
  await expect(main).toContainText('Only members of the group Admins see this page.');
  await expect(main.getByRole('listitem').filter({ hasText: 'Admins' })).toBeVisible();
  await expect(main).not.toContainText('Not allowed');
});

test('bob, not in Admins, sees "Not allowed" on /admin and stays there', async ({ page }) => {
  await signInAt(page, '/admin', USERS.bob);
  const main = page.getByRole('main');
  await expect(main.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await expect(main).toContainText('Your account does not have access to this page.');
  await expect(main).not.toContainText('Only members of the group Admins');
  await expect(page.getByRole('banner')).toContainText('Bob Brown');
  expect(page.url()).toBe(`${BFF_ORIGIN}/admin`);
  // Profile works for him: the guard's "not allowed" is about the group only.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Profile' }).click();
  await expect(page.getByRole('main').locator('dt', { hasText: /^Name$/ }).locator('+ dd')).toHaveText('Bob Brown');
});

test('sign-out in one tab shows in another tab of the same browser at once, announced on the BroadcastChannel', async ({ page, context }) => {
  await signInAt(page, '/profile', USERS.alice);
  const other = await context.newPage();
  await other.goto(`${BFF_ORIGIN}/orders`);
  await expect(other.getByRole('main').getByRole('table').getByRole('rowheader', { name: 'ORD-1001' })).toBeVisible();
  // What the signing-out tab announces, as the other tab hears it: an event name, no secret.
  await other.evaluate(() => {
    const w = window as unknown as { heard: unknown[] };
    w.heard = [];
    new BroadcastChannel('gatehouse-session').onmessage = (e) => w.heard.push(e.data);
  });
  // The other tab's own checks of /auth/me from now on: the announcement makes it ask at once,
  // instead of waiting for its next poll (every 5 seconds).
  const checks: number[] = [];
  other.on('request', (r) => { if (new URL(r.url()).pathname === '/auth/me') checks.push(Date.now()); });

  const clicked = Date.now();
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await expect(other.getByRole('main').getByRole('heading', { name: 'You are not signed in' })).toBeVisible();
  const took = Date.now() - clicked;
  // Printed, not asserted: on a busy machine the browser itself may take longer than a second.
  test.info().annotations.push({ type: 'other tab showed the sign-out after', description: `${took} ms` });
  if (process.env.E2E_TIMINGS) console.log(`other tab showed the sign-out after ${took} ms`);
  const heard = await other.evaluate(() => (window as unknown as { heard: unknown[] }).heard);
  expect(heard.length, 'the sign-out was announced to the other tab').toBeGreaterThan(0);
  expect(JSON.stringify(heard)).not.toMatch(/eyJ|__Host-|token/i);
  expect(checks.length, 'the other tab asked /auth/me after the announcement').toBeGreaterThan(0);
  await expect(other.getByRole('banner').getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(other.getByRole('main').getByRole('table')).toHaveCount(0);
  expect(other.url(), 'the other tab stays where it was').toBe(`${BFF_ORIGIN}/orders`);

  await expect(page).toHaveURL(`${BFF_ORIGIN}/`);
  expect((await me(other)).status).toBe(401);
});

test('Back after sign-out does not land on the provider\'s sign-in form', async ({ page }) => {
  await signInAt(page, '/profile', USERS.alice);
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(`${BFF_ORIGIN}/`);
  await expect(page.getByRole('main')).toContainText('You are not signed in.');

  await page.goBack();
  // The guarded page the user left says it needs a sign-in, and waits for the user to ask.
  await expect(page.getByRole('main').getByRole('heading', { name: 'You are not signed in' })).toBeVisible();
  expect(page.url()).toBe(`${BFF_ORIGIN}/profile`);
  await expect(page.getByLabel('Username')).toHaveCount(0);
  await expect(page.getByRole('main')).not.toContainText('Alice Anderson');

  // Signing in from there is the user's choice, and works.
  await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
  await submitSignIn(page, USERS.alice);
  await expect(page).toHaveURL(`${BFF_ORIGIN}/profile`);
});

test('Back from the provider\'s sign-in form returns to the page before the guarded one', async ({ page }) => {
  await page.goto(`${BFF_ORIGIN}/`);
  await expect(page.getByRole('main')).toContainText('You are not signed in.');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
  await expect(page.getByLabel('Username')).toBeVisible();
  expect(new URL(page.url()).origin).toBe(IDP_ORIGIN);

  // The guard replaced its own history entry: Back skips /orders, which would send the user
  // straight back to the provider.
  await page.goBack();
  await expect(page).toHaveURL(`${BFF_ORIGIN}/`);
  await expect(page.getByRole('main')).toContainText('You are not signed in.');
});

test('an unknown route answers 404 with the not-found page', async ({ page }) => {
  const res = await page.goto(`${BFF_ORIGIN}/no/such/page`);
  expect(res!.status()).toBe(404);
  const main = page.getByRole('main');
  await expect(main.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  // Once the app runs (the nav has asked the BFF), the page is still the not-found page.
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(main.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await main.getByRole('link', { name: 'Go to the home page' }).click();
  await expect(page).toHaveURL(`${BFF_ORIGIN}/`);
  for (const path of ['/profile', '/orders', '/admin', '/login/error?error=access_denied']) {
    expect((await page.request.get(`${BFF_ORIGIN}${path}`)).status(), path).toBe(200);
  }
});

test('sign-in, navigation and sign-out work from the keyboard alone', async ({ page }) => {
  await page.goto(`${BFF_ORIGIN}/`);
  const main = page.getByRole('main');
  const signIn = main.getByRole('button', { name: 'Sign in' });
  await expect(signIn).toBeVisible();
  await tabTo(page, signIn);
  await page.keyboard.press('Enter');

  const username = page.getByLabel('Username');
  await expect(username).toBeVisible();
  await tabTo(page, username);
  await page.keyboard.type(USERS.alice.username);
  await tabTo(page, page.getByLabel('Password'));
  await page.keyboard.type(USERS.alice.password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(`${BFF_ORIGIN}/`);
  await expect(main).toContainText('Signed in as Alice Anderson');

  const orders = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' });
  await tabTo(page, orders);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(`${BFF_ORIGIN}/orders`);
  await expect(main.getByRole('table').getByRole('rowheader', { name: 'ORD-1001' })).toBeVisible();

  const signOut = page.getByRole('banner').getByRole('button', { name: 'Sign out' });
  await tabTo(page, signOut);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(`${BFF_ORIGIN}/`);
  await expect(main).toContainText('You are not signed in.');
  expect((await me(page)).status).toBe(401);
});
