// Fixtures and helpers for the suites that run the whole stack: the real BFF binary, the demo
// API and the dev provider, in Chromium; and for zitadel.spec.ts, which runs a second BFF against
// zitadel/oidc's example provider (the project option bffOrigin says which BFF a test uses).
import { expect, test as base, type APIResponse, type Page, type Response } from '@playwright/test';

import { BFF_ORIGIN, IDP_ORIGIN, USERS } from '../env';

export type User = (typeof USERS)[keyof typeof USERS];

/** One Set-Cookie header the browser received from the BFF. */
export interface SetCookie {
  url: string;
  name: string;
  value: string;
  attributes: Map<string, string>; // lower-case attribute name -> value ('' for flags)
}

/** What the page received over the test, for checks that nothing leaked. */
export interface Traffic {
  /** Every response the page received, any origin: URL, headers and body (when it has one). */
  responses: { url: string; status: number; headers: string; body: string }[];
  /** Every Set-Cookie from the BFF's origin. */
  bffCookies: SetCookie[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  /**
   * Waits until every response the page has received so far is in `responses`, body included.
   * Checks over `responses` call it first: a body still loading is not there yet.
   */
  settled(): Promise<void>;
}

export function parseSetCookie(url: string, header: string): SetCookie {
  const [pair, ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const a of attrs) {
    const i = a.indexOf('=');
    const k = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    attributes.set(k, i < 0 ? '' : a.slice(i + 1).trim());
  }
  return { url, name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

async function record(traffic: Traffic, response: Response, bffOrigin: string): Promise<void> {
  const url = response.url();
  const headers = await response.headersArray().catch(() => []);
  if (url.startsWith(`${bffOrigin}/`)) {
    for (const h of headers) {
      if (h.name.toLowerCase() === 'set-cookie') {
        for (const line of h.value.split('\n')) traffic.bffCookies.push(parseSetCookie(url, line));
      }
    }
  }
  // text() waits for the response's own end: its body once loaded, or an error for redirects
  // and for loads that failed or were cancelled (a navigation away cancels the old page's loads),
  // which have no body. Not response.finished(): with Playwright 1.65 it stays pending when the
  // load fails after the response arrived. No timer either: a body the page never reads never
  // finishes loading, and settled() bounds that wait by the test's own timeout.
  const body = await response.text().catch(() => '');
  traffic.responses.push({
    url,
    status: response.status(),
    headers: headers.map((h) => `${h.name}: ${h.value}`).join('\n'),
    body,
  });
}

/**
 * The project's options (playwright.config.ts sets them per project). `bffOrigin` is the origin of
 * the BFF that the project's tests sign in through: BFF_ORIGIN, or ZITADEL_BFF_ORIGIN for the
 * "zitadel" project.
 */
export interface ProjectOptions {
  bffOrigin: string;
}

/**
 * `traffic` records what the page receives; after each test it checks what must always hold:
 * every cookie the BFF set is __Host-, Secure, HttpOnly, Path=/, without Domain, SameSite=Strict
 * for the session and Lax for the short-lived login and logout cookies (field case F06); and the page had no
 * uncaught error and no Content-Security-Policy violation.
 */
export const test = base.extend<{ traffic: Traffic } & ProjectOptions>({
  bffOrigin: [BFF_ORIGIN, { option: true }],
  traffic: [
    async ({ page, bffOrigin }, use) => {
      const pending: Promise<void>[] = [];
      // The URLs of the responses still being recorded.
      const recording = new Map<Response, string>();
      const traffic: Traffic = {
        responses: [],
        bffCookies: [],
        errors: [],
        async settled() {
          // A body the page never reads never finishes loading: that is the test's fault, and it
          // fails naming the URLs rather than hangs. Timeout 0 gives the wait no deadline of its
          // own: it ends at the test's deadline (its timeout, as the test may have set it), so
          // load can slow the bodies down but cannot fail a test whose page reads them.
          await expect.poll(() => [...recording.values()], {
            message: 'responses whose body never finished loading (read them in the page)',
            timeout: 0,
          }).toEqual([]);
          await Promise.all(pending);
        },
      };
      page.on('response', (r) => {
        recording.set(r, r.url());
        pending.push(record(traffic, r, bffOrigin).finally(() => { recording.delete(r); }));
      });
      page.on('pageerror', (e) => traffic.errors.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) {
          traffic.errors.push(`console: ${m.text()}`);
        }
      });
      await use(traffic);
      await traffic.settled();
      for (const c of traffic.bffCookies) {
        const where = `${c.name} from ${c.url}`;
        expect(c.name, where).toMatch(/^__Host-/);
        expect(c.attributes.has('secure'), `${where}: Secure`).toBe(true);
        expect(c.attributes.has('httponly'), `${where}: HttpOnly`).toBe(true);
        expect(c.attributes.get('path'), `${where}: Path`).toBe('/');
        expect(c.attributes.has('domain'), `${where}: no Domain`).toBe(false);
        const sameSite = c.attributes.get('samesite')?.toLowerCase();
        // The login and logout cookies come back on the provider's cross-site redirect: Lax.
        const lax = c.name.startsWith('__Host-gatehouse-login-') || c.name === '__Host-gatehouse-logout';
        expect(sameSite, `${where}: SameSite`).toBe(lax ? 'lax' : 'strict');
      }
      expect(traffic.errors, 'page errors and CSP violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Fills the provider's sign-in form. The page must show it. */
export async function submitSignIn(page: Page, user: { username: string; password: string }): Promise<void> {
  await expect(page.getByLabel('Username')).toBeVisible();
  expect(new URL(page.url()).origin, 'the sign-in form is the provider\'s').toBe(IDP_ORIGIN);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens path on the BFF, signs in as user at the provider, and waits to be back on path. */
export async function signInAt(page: Page, path: string, user: User): Promise<void> {
  await page.goto(`${BFF_ORIGIN}${path}`);
  await submitSignIn(page, user);
  await expect(page).toHaveURL(`${BFF_ORIGIN}${path}`);
}

/** GET /auth/me with the page's cookies, from the page itself; origin is the BFF's (default BFF_ORIGIN). */
export async function me(page: Page, origin = BFF_ORIGIN): Promise<{ status: number; body: any }> {
  return page.evaluate(async (url) => {
    const r = await fetch(url, { cache: 'no-store' });
    return { status: r.status, body: await r.json() };
  }, `${origin}/auth/me`);
}

/**
 * A fetch from the page to the BFF at opts.origin (default BFF_ORIGIN), as the SPA makes it
 * (X-CSRF: 1 unless csrf is false).
 */
export async function api(page: Page, path: string, opts: { method?: string; csrf?: boolean; origin?: string } = {}): Promise<{ status: number; body: any }> {
  return page.evaluate(async ({ url, method, csrf }) => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (csrf) headers['X-CSRF'] = '1';
    const r = await fetch(url, { method, headers, cache: 'no-store' });
    const text = await r.text();
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    return { status: r.status, body };
  }, { url: `${opts.origin ?? BFF_ORIGIN}${path}`, method: opts.method ?? 'GET', csrf: opts.csrf ?? true });
}

/** A token the dev provider issued (GET /__dev/tokens). */
export interface IssuedToken {
  kind: 'access_token' | 'refresh_token' | 'id_token';
  value: string;
  sub: string;
  login: string;
  issued_at: number;
}

/** The tokens the dev provider issued to login (e.g. alice@example.com). */
export async function issuedTokens(login: string): Promise<IssuedToken[]> {
  const res = await fetch(`${IDP_ORIGIN}/__dev/tokens`);
  expect(res.status).toBe(200);
  return ((await res.json()) as IssuedToken[]).filter((t) => t.login === login);
}

export async function json(res: APIResponse): Promise<any> {
  return JSON.parse(await res.text());
}
