// The static-host deployment end to end (README.md, "On a static host"): the demo app as
// `make static` writes it (bin/static-site), served by a plain static file server
// (static-server.mjs) at http://app.gatehouse.localhost:PORT, and the BFF, the same binary as
// elsewhere, at http://bff.gatehouse.localhost:PORT2 with GATEHOUSE_SPA_URL set to the app's
// origin. Two origins, one site. The user's flows (sign-in, orders, the admin page, sign-out), and
// what a page on another origin can try against the BFF.
import type { Page } from '@playwright/test';

import {
  EVIL_CROSS_SITE_ORIGIN, EVIL_SAME_SITE_ORIGIN, IDP_ORIGIN, STATIC_APP_ORIGIN as APP, STATIC_BFF_ORIGIN as BFF,
  USERS,
} from '../env';
import { expect, submitSignIn, test, type User } from './fixtures';

/** Opens path on the static host, signs in as user at the provider, and waits to be back on path. */
async function signInAt(page: Page, path: string, user: User): Promise<void> {
  await page.goto(`${APP}${path}`);
  await submitSignIn(page, user);
  await expect(page).toHaveURL(`${APP}${path}`);
}

/**
 * A fetch from the page to the BFF as the kit makes it from the static host: credentials included,
 * X-CSRF: 1 unless csrf is false. It answers the status and body, or the error when the browser
 * refused the page the answer (no CORS grant).
 */
async function fetchBFF(page: Page, path: string, opts: { csrf?: boolean } = {}): Promise<{ status?: number; body?: any; error?: string }> {
  return page.evaluate(async ({ url, csrf }) => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (csrf) headers['X-CSRF'] = '1';
    try {
      const r = await fetch(url, { headers, credentials: 'include', cache: 'no-store' });
      const text = await r.text();
      let body: unknown = text;
      try { body = JSON.parse(text); } catch { /* not JSON */ }
      return { status: r.status, body };
    } catch (e) {
      return { error: String(e) };
    }
  }, { url: `${BFF}${path}`, csrf: opts.csrf ?? true });
}

/** /auth/me as the app asks it (from a page on the static host). */
async function me(page: Page): Promise<{ status?: number; body?: any; error?: string }> {
  return fetchBFF(page, '/auth/me?slide=false', { csrf: false });
}

const field = (page: Page, term: string) =>
  page.getByRole('main').locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('+ dd');

test('a signed-out visit to /profile on the static host signs in through the BFF and comes back', async ({ page, context }) => {
  // The first load of the WASM comes from the network (no service worker yet), as the host's
  // brotli copy.
  const wasm = page.waitForResponse(`${APP}/web/app.wasm`);
  await page.goto(`${APP}/profile`);
  expect((await wasm).headers()['content-encoding'], 'app.wasm served from app.wasm.br').toBe('br');
  await expect(page.getByLabel('Username')).toBeVisible();
  expect(new URL(page.url()).origin).toBe(IDP_ORIGIN);

  await submitSignIn(page, USERS.alice);
  await expect(page).toHaveURL(`${APP}/profile`);
  await expect(page.getByRole('main').getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();
  await expect(field(page, 'Name')).toHaveText('Alice Anderson');
  await expect(field(page, 'Email')).toHaveText('alice@example.com');
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out' })).toBeVisible();

  // http://*.localhost is a secure context in Chromium (Secure Contexts §3.1, "potentially
  // trustworthy"): the BFF's __Host- session cookie, Secure, was stored over plain http, for the
  // BFF's host only, and the app's origin holds no cookie.
  expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === '__Host-gatehouse');
  expect(session, 'the session cookie').toMatchObject({
    domain: new URL(BFF).hostname, path: '/', secure: true, httpOnly: true, sameSite: 'Strict',
  });
  expect(cookies.filter((c) => c.domain.includes(new URL(APP).hostname))).toEqual([]);
  expect(await page.evaluate(() => document.cookie)).toBe('');

  const session2 = await me(page);
  expect(session2.status).toBe(200);
  expect(session2.body).toMatchObject({ name: 'Alice Anderson', groups: ['Everyone', 'Admins'] });
});

test('/orders on the static host calls the BFF with credentials and the app\'s origin, granted by CORS', async ({ page }) => {
  const call = page.waitForResponse((r) => r.url() === `${BFF}/api/orders/orders` && r.request().method() === 'GET');
  await signInAt(page, '/orders', USERS.alice);
  const table = page.getByRole('main').getByRole('table');
  await expect(table).toContainText('Orders placed by alice@example.com');
  for (const id of ['ORD-1001', 'ORD-1002', 'ORD-1003']) {
    await expect(table.getByRole('rowheader', { name: id })).toBeVisible();
  }
  await expect(table).not.toContainText('ORD-2001');

  const res = await call;
  expect(res.status()).toBe(200);
  expect(await res.request().headerValue('origin')).toBe(APP);
  expect(await res.request().headerValue('x-csrf')).toBe('1');
  expect(res.headers()['access-control-allow-origin']).toBe(APP);
  expect(res.headers()['access-control-allow-credentials']).toBe('true');
});

test('bob sees his own orders from the static host', async ({ page }) => {
  await signInAt(page, '/orders', USERS.bob);
  const table = page.getByRole('main').getByRole('table');
  await expect(table).toContainText('Orders placed by bob@example.com');
  await expect(table.getByRole('rowheader', { name: 'ORD-2001' })).toBeVisible();
  await expect(table).not.toContainText('ORD-1001');
  await expect(page.getByRole('banner')).toContainText('Bob Brown');
});

test('the admin page on the static host: alice (Admins) enters, bob does not', async ({ page, browser }) => {
  await signInAt(page, '/admin', USERS.alice);
  const main = page.getByRole('main');
  await expect(main.getByRole('heading', { level: 1, name: 'Admin' })).toBeVisible();
  await expect(main).toContainText('Only members of the group Admins see this page.');

  const bobs = await browser.newContext();
  try {
    const other = await bobs.newPage();
    await signInAt(other, '/admin', USERS.bob);
    await expect(other.getByRole('main').getByRole('heading', { name: 'Not allowed' })).toBeVisible();
    await expect(other.getByRole('main')).not.toContainText('Only members of the group Admins');
    expect(other.url()).toBe(`${APP}/admin`);
  } finally {
    await bobs.close();
  }
});

test('sign-out from the static host ends the session at the BFF and the provider, and lands on the app', async ({ page }) => {
  await signInAt(page, '/profile', USERS.alice);
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();

  // The form goes to the BFF, the BFF to the provider, the provider back to the BFF, which sends
  // the browser to the app's home page.
  await expect(page).toHaveURL(`${APP}/`);
  await expect(page.getByRole('main')).toContainText('You are not signed in.');
  const after = await me(page);
  expect(after.status).toBe(401);
  expect(after.body).toMatchObject({ error: 'unauthenticated' });

  await page.goto(`${APP}/profile`);
  await expect(page.getByLabel('Username')).toBeVisible();
  expect(new URL(page.url()).origin).toBe(IDP_ORIGIN);
});

test('an unknown path on the static host gets the app\'s not-found page', async ({ page }) => {
  const res = await page.goto(`${APP}/no/such/page`);
  expect(res!.status()).toBe(404);
  const main = page.getByRole('main');
  // Once the app runs (the nav has asked the BFF), the page is still the not-found page.
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(main.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
});

/** One request of a page to the BFF, as Chromium's network layer saw it (DevTools protocol). */
interface Seen {
  method?: string;
  url?: string;
  status?: number; // the BFF's answer, even one the page was not allowed to read
  requestHeaders: Record<string, string>; // lower-case names
  responseHeaders: Record<string, string>;
  corsError?: string; // why the browser withheld the answer from the page
  done: boolean;
}

/**
 * Watches page's requests to the BFF below the page's reach: a fetch that CORS refuses fails in
 * the page with a bare TypeError, and Playwright reports no response for it; the DevTools
 * protocol still has the BFF's status and headers, and the reason for the refusal.
 */
async function watchBFF(page: Page): Promise<Map<string, Seen>> {
  const cdp = await page.context().newCDPSession(page);
  const seen = new Map<string, Seen>();
  const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
  // The protocol's events for one request may arrive in any order.
  const entry = (id: string) => {
    if (!seen.has(id)) seen.set(id, { requestHeaders: {}, responseHeaders: {}, done: false });
    return seen.get(id)!;
  };
  cdp.on('Network.requestWillBeSent', (e) => Object.assign(entry(e.requestId), { method: e.request.method, url: e.request.url }));
  cdp.on('Network.requestWillBeSentExtraInfo', (e) => { entry(e.requestId).requestHeaders = lower(e.headers as Record<string, string>); });
  cdp.on('Network.responseReceivedExtraInfo', (e) => {
    Object.assign(entry(e.requestId), { status: e.statusCode, responseHeaders: lower(e.headers as Record<string, string>) });
  });
  cdp.on('Network.loadingFinished', (e) => { entry(e.requestId).done = true; });
  cdp.on('Network.loadingFailed', (e) => Object.assign(entry(e.requestId), { done: true, corsError: e.corsErrorStatus?.corsError }));
  await cdp.send('Network.enable');
  return seen;
}

/** Runs act, then waits for the page's new requests for method url to end, and answers them. */
async function requestsDuring(seen: Map<string, Seen>, method: string, url: string, act: () => Promise<unknown>): Promise<Seen[]> {
  const before = new Set(seen.keys());
  await act();
  const fresh = () => [...seen.entries()].filter(([id, s]) => !before.has(id) && s.method === method && s.url === url).map(([, s]) => s);
  await expect.poll(() => fresh().length > 0 && fresh().every((s) => s.done), { message: `${method} ${url} ended`, timeout: 0 }).toBe(true);
  return fresh();
}

// The attacker's pages: on another site (evil.localhost), where the SameSite=Strict cookie does not
// go; and on a sibling subdomain of the app's own site (evil.gatehouse.localhost), where it does,
// and only the BFF's CORS allow-list and Origin checks stand in the way.
for (const [where, evil, sameSite] of [
  ['another site', EVIL_CROSS_SITE_ORIGIN, false],
  ['a sibling origin of the same site', EVIL_SAME_SITE_ORIGIN, true],
] as const) {
  test(`a page on ${where} can neither read from the BFF nor sign the user out`, async ({ page, context }) => {
    await signInAt(page, '/orders', USERS.alice);
    await expect(page.getByRole('main').getByRole('table').getByRole('rowheader', { name: 'ORD-1001' })).toBeVisible();

    const attacker = await context.newPage();
    const seen = await watchBFF(attacker);
    await attacker.goto(`${evil}/`);
    await expect(attacker.getByRole('heading', { name: 'Another site' })).toBeVisible();

    // With X-CSRF the call needs a preflight, which the BFF answers without a CORS grant for this
    // origin: the browser never sends the call, and the page gets a network error.
    for (const path of ['/api/orders/orders', '/auth/me']) {
      let res: Awaited<ReturnType<typeof fetchBFF>> = {};
      const [call] = await requestsDuring(seen, 'GET', `${BFF}${path}`, async () => { res = await fetchBFF(attacker, path); });
      expect(res.error, `${path} from ${evil}`).toMatch(/TypeError/);
      expect(call.corsError, path).toBe('PreflightMissingAllowOriginHeader');
      expect(call.status, `${path} was never sent`).toBeUndefined();
    }
    // Without X-CSRF there is no preflight, and on the same site the session cookie goes along:
    // the BFF refuses the call 403 and grants no CORS, so the page cannot even read the refusal.
    let simple: Awaited<ReturnType<typeof fetchBFF>> = {};
    const [refused] = await requestsDuring(seen, 'GET', `${BFF}/api/orders/orders`, async () => {
      simple = await fetchBFF(attacker, '/api/orders/orders', { csrf: false });
    });
    expect(simple.error).toMatch(/TypeError/);
    expect(refused.status).toBe(403);
    expect(refused.corsError).toBe('MissingAllowOriginHeader');
    expect(refused.responseHeaders['access-control-allow-origin']).toBeUndefined();
    expect(refused.requestHeaders.cookie?.includes('__Host-gatehouse='), 'the session cookie went along').toBe(sameSite || undefined);

    // A sign-out form aimed at the BFF: 403, and the session stays.
    const [logout] = await requestsDuring(seen, 'POST', `${BFF}/auth/logout`, () => attacker.evaluate((action) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = action;
      document.body.append(form);
      form.submit();
    }, `${BFF}/auth/logout`));
    expect(logout.status).toBe(403);
    expect(logout.requestHeaders.origin).toBe(evil);
    expect(logout.requestHeaders.cookie?.includes('__Host-gatehouse='), 'the session cookie went along').toBe(sameSite || undefined);
    await expect(attacker.getByText('Sign-out must come from the app.')).toBeVisible();

    const still = await me(page);
    expect(still.status, 'alice is still signed in').toBe(200);
    await page.reload();
    await expect(page.getByRole('main').getByRole('table').getByRole('rowheader', { name: 'ORD-1001' })).toBeVisible();
  });
}
