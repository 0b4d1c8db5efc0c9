// Accessibility: every page of the demo app, in each state the kit gives it, has no serious or
// critical axe-core violation (WCAG 2.x A and AA rules, and axe's best practices).
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

import { BFF_ORIGIN, USERS } from '../env';
import { expect, signInAt, test } from './fixtures';

/** Scans the page as it is now; fails listing each serious or critical violation. */
async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.passes.length, `axe checked ${what}`).toBeGreaterThan(10);
  if (process.env.E2E_AXE_REPORT) {
    for (const v of results.violations) console.log(`${what}: ${v.id} (${v.impact}) ${v.nodes.length} nodes`);
  }
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad, `serious or critical axe violations on ${what}`).toEqual([]);
}

test('signed out: home, and a guarded page\'s way to sign-in', async ({ page }) => {
  await page.goto(`${BFF_ORIGIN}/`);
  await expect(page.getByRole('main')).toContainText('You are not signed in.');
  await expectAccessible(page, 'the home page, signed out');
});

test('signed in: home, profile, orders, admin', async ({ page }) => {
  await signInAt(page, '/profile', USERS.alice);
  const main = page.getByRole('main');
  await expect(main.locator('dt', { hasText: /^Name$/ })).toBeVisible();
  await expectAccessible(page, '/profile');

  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Home' }).click();
  await expect(main).toContainText('Signed in as Alice Anderson');
  await expectAccessible(page, 'the home page, signed in');

  await nav.getByRole('link', { name: 'Orders' }).click();
  await expect(main.getByRole('table').getByRole('rowheader', { name: 'ORD-1001' })).toBeVisible();
  await expectAccessible(page, '/orders');

  await nav.getByRole('link', { name: 'Admin' }).click();
  await expect(main).toContainText('Only members of the group Admins see this page.');
  await expectAccessible(page, '/admin');

  await nav.getByRole('link', { name: 'API routes' }).click();
  await expect(page.getByRole('region', { name: 'Reports' }).locator('.status')).toContainText('read by the service');
  await expectAccessible(page, '/routes');

  await nav.getByRole('link', { name: 'Live' }).click();
  await expect(page.getByRole('region', { name: 'Event stream' }).getByRole('listitem').first()).toBeVisible();
  await expectAccessible(page, '/live');
  await page.goto('about:blank'); // ends the event stream, whose body the traffic fixture waits for
});

test('signed out: the API routes page', async ({ page }) => {
  await page.goto(`${BFF_ORIGIN}/routes`);
  await expect(page.getByRole('region', { name: 'Orders' }).locator('.status')).toHaveText('Refused: sign in to call this API.');
  await expectAccessible(page, '/routes, signed out');
});

test('not allowed: bob on /admin', async ({ page }) => {
  await signInAt(page, '/admin', USERS.bob);
  await expect(page.getByRole('main').getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await expectAccessible(page, '/admin for bob');
});

test('the sign-in error page, for every code', async ({ page }) => {
  // Ten pages loaded and scanned: more than one test's usual time on a busy machine.
  test.slow();
  const codes: Record<string, string> = {
    access_denied: 'You declined to sign in',
    login_required: 'needs you to sign in',
    invalid_state: 'took too long, or it was started in another window or browser',
    issuer_mismatch: 'identity provider this app does not use',
    provider_unavailable: 'could not be reached',
    client_misconfigured: 'problem with the app\'s setup',
    login_failed: 'could not complete your sign-in',
    session_store_unavailable: 'its session store did not answer',
    rate_limited: 'too many sign-in attempts',
    some_new_code: 'Something went wrong',
  };
  const main = page.getByRole('main');
  for (const [code, summary] of Object.entries(codes)) {
    await page.goto(`${BFF_ORIGIN}/login/error?error=${code}`);
    await expect(main.getByRole('heading', { level: 1, name: 'Sign-in failed' })).toBeVisible();
    await expect(main).toContainText(summary);
    await expect(main.getByRole('region', { name: 'For your administrator' })).toBeVisible();
    // The app runs (the nav has asked the BFF) before the scan.
    await expect(page.getByRole('banner').getByRole('button', { name: 'Sign in' })).toBeVisible();
    await expectAccessible(page, `/login/error?error=${code}`);
  }
});

test('the not-found page', async ({ page }) => {
  const res = await page.goto(`${BFF_ORIGIN}/no/such/page`);
  expect(res!.status()).toBe(404);
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expectAccessible(page, 'the not-found page');
});

test.describe('the session banner', () => {
  // page.route sees the app's session checks only without the service worker.
  test.use({ serviceWorkers: 'block' });

  test('warns before the session ends, announced to screen readers', async ({ page }) => {
    await signInAt(page, '/profile', USERS.alice);
    // The BFF's real answer, with the session's end 90 seconds away.
    await page.route((url) => url.pathname === '/auth/me', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      if (res.status() === 200) body.expires_at = new Date(Date.now() + 90_000).toISOString();
      await route.fulfill({ response: res, json: body });
    });
    await page.reload();
    const banner = page.getByRole('complementary', { name: 'Session ending' });
    await expect(banner).toContainText(/Your session ends in (1 minute|\d+ seconds)/);
    await expect(banner.getByRole('button', { name: 'Stay signed in' })).toBeVisible();
    await expect(page.getByRole('status').filter({ has: banner })).toHaveAttribute('aria-live', 'polite');
    await expectAccessible(page, 'the session banner');
  });
});
