// The API gateway in a real browser: the demo's route table (e2e/demo-routes.yaml) has one route
// per kind of token, and its "API routes" page calls each. What each route sends the demo API is
// checked by the API itself (bff/internal/demoapi): a user's token with orders:read, a user's
// token or none, never a token, and the BFF's own client-credentials token.
import { BFF_ORIGIN, USERS } from '../env';
import { api, expect, signInAt, submitSignIn, test, type User } from './fixtures';
import type { Page } from '@playwright/test';

/** Signs user in from the public /routes page's own sign-in path, back to /routes. */
async function signInToRoutes(page: Page, user: User): Promise<void> {
  await page.goto(`${BFF_ORIGIN}/auth/login?returnTo=%2Froutes`);
  await submitSignIn(page, user);
  await expect(page).toHaveURL(`${BFF_ORIGIN}/routes`);
}

/** The answer line of the card titled title, on /routes. */
const card = (page: Page, title: string) => page.getByRole('region', { name: title }).locator('.status');

test('signed out, the routes that take no user answer and the others refuse', async ({ page }) => {
  await page.goto(`${BFF_ORIGIN}/routes`);
  await expect(page.getByRole('heading', { level: 1, name: 'API routes' })).toBeVisible();
  await expect(card(page, 'Orders')).toHaveText('Refused: sign in to call this API.');
  await expect(card(page, 'Catalog')).toHaveText('6 items, for anyone (no token was sent)');
  await expect(card(page, 'Service status')).toHaveText('Status ok, and the API received no token');
  await expect(card(page, 'Reports')).toHaveText('Refused: sign in to call this API.');
});

test('signed in as alice (Admins), each route sends its own kind of token', async ({ page }) => {
  await signInToRoutes(page, USERS.alice);
  await expect(card(page, 'Orders')).toHaveText('3 orders placed by alice@example.com');
  await expect(card(page, 'Catalog')).toHaveText('6 items, picked for alice@example.com');
  await expect(card(page, 'Service status')).toHaveText('Status ok, and the API received no token');
  // The demo API answers /reports only to a token of a client acting for itself (no uid).
  await expect(card(page, 'Reports')).toHaveText('5 orders in all, read by the service gatehouse-dev');

  // "Call again" calls the route again.
  const again = page.waitForResponse((r) => r.url().endsWith('/api/catalog/catalog'));
  await page.getByRole('region', { name: 'Catalog' }).getByRole('button', { name: 'Call again' }).click();
  expect((await again).status()).toBe(200);
});

test('bob is not in Admins: the reports route refuses him before the API is called', async ({ page }) => {
  await signInToRoutes(page, USERS.bob);
  await expect(card(page, 'Orders')).toHaveText('2 orders placed by bob@example.com');
  await expect(card(page, 'Reports')).toHaveText('Refused: You are not in a group that may use this API.');
  const refused = await api(page, '/api/reports/reports');
  expect(refused).toMatchObject({ status: 403, body: { error: 'forbidden' } });
});

test('a route answers only the methods it lists', async ({ page }) => {
  await signInAt(page, '/orders', USERS.alice);
  const res = await api(page, '/api/orders/orders', { method: 'POST' });
  expect(res).toMatchObject({ status: 405, body: { error: 'method_not_allowed' } });
});
