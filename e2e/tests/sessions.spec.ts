// Sessions that survive restarts and scale out, end to end: real BFF binaries (replicas behind a
// load balancer, on the run's Redis; one on its own bbolt file; one on a Redis that the test
// freezes), the dev provider, the demo API, in Chromium.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { decodeJwt } from 'jose';
import type { Page } from '@playwright/test';

import { Balancer, Redis, Replica } from '../cluster';
import {
  BALANCER_PORT, IDP_ACCESS_TOKEN_TTL, IDP_ISSUER, IDP_ORIGIN, REDIS_URL, REPLICA_PORTS, setAccessTokenTTL, USERS,
} from '../env';
import { expect, issuedTokens, submitSignIn, test } from './fixtures';

const balancer = new Balancer(BALANCER_PORT);
// Two replicas on the run's Redis, as a deployment scales out.
const a = new Replica('replica A', REPLICA_PORTS[0], { GATEHOUSE_PUBLIC_URL: balancer.origin, GATEHOUSE_SESSION_STORE: REDIS_URL });
const b = new Replica('replica B', REPLICA_PORTS[1], { GATEHOUSE_PUBLIC_URL: balancer.origin, GATEHOUSE_SESSION_STORE: REDIS_URL });
const started: { stop(): Promise<void> }[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await balancer.start();
  started.push(balancer);
  for (const r of [a, b]) {
    await r.start();
    started.push(r);
  }
});

test.afterAll(async () => {
  for (const p of started.reverse()) await p.stop();
});

/** The session cookie's value in the page's browser. */
async function sessionCookie(page: Page): Promise<string> {
  const c = (await page.context().cookies(balancer.origin)).find((x) => x.name === '__Host-gatehouse');
  expect(c, 'a session cookie').toBeTruthy();
  return `__Host-gatehouse=${c!.value}`;
}

/** A fetch from the page to the balancer's origin, as the SPA makes it. */
async function call(page: Page, pathname: string): Promise<{ status: number; body: any }> {
  return page.evaluate(async (url) => {
    const r = await fetch(url, { headers: { 'X-CSRF': '1', Accept: 'application/json' }, cache: 'no-store' });
    const text = await r.text();
    try { return { status: r.status, body: JSON.parse(text) }; } catch { return { status: r.status, body: text }; }
  }, `${balancer.origin}${pathname}`);
}

/** Opens path through the balancer, which sends the sign-in's start to `start` and its callback to `finish`. */
async function signInThrough(page: Page, pathname: string, start: Replica, finish: Replica): Promise<void> {
  balancer.use(start);
  await page.goto(`${balancer.origin}${pathname}`);
  await expect(page.getByLabel('Username')).toBeVisible();
  balancer.use(finish);
  await submitSignIn(page, USERS.alice);
  await expect(page).toHaveURL(`${balancer.origin}${pathname}`);
}

test('a sign-in started on one replica finishes on the other; both serve the session; sign-out on one is seen by the other at once', async ({ page }) => {
  await signInThrough(page, '/profile', a, b);
  await expect(page.getByRole('main').getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText('Alice Anderson');

  balancer.use(b);
  expect((await call(page, '/api/orders/orders')).status, '/api through B').toBe(200);
  balancer.use(a);
  expect(await call(page, '/auth/me'), '/auth/me through A').toMatchObject({ status: 200, body: { name: 'Alice Anderson' } });

  const cookie = await sessionCookie(page);
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(new RegExp(`^${balancer.origin}/`));
  expect(await b.get('/auth/me', cookie), 'B, asked with the cookie of the session A ended').toMatchObject({ status: 401, body: { error: 'session_expired' } });
});

test('a back-channel logout received by one BFF ends the session on the replicas', async ({ page, context }) => {
  // The dev provider sends its logout tokens to the run's own BFF, which shares the replicas' Redis.
  await signInThrough(page, '/profile', b, b);
  const cookie = await sessionCookie(page);
  expect((await a.get('/auth/me', cookie)).status).toBe(200);

  const provider = await context.newPage();
  await provider.goto(`${IDP_ISSUER}/v1/logout`);
  await provider.getByRole('button', { name: 'Sign out' }).click();
  await expect(provider).not.toHaveURL(/\/v1\/logout$/);

  for (const r of [a, b]) {
    await expect.poll(async () => (await r.get('/auth/me', cookie)).body?.error, {
      message: `${r.name} sees the session ended`, timeout: 0,
    }).toBe('session_expired');
  }
});

test.describe('with 10 s access tokens', () => {
  test.beforeAll(async () => { await setAccessTokenTTL(IDP_ACCESS_TOKEN_TTL); });
  test.afterAll(async () => { await setAccessTokenTTL(null); });

  const refreshes = async (): Promise<number> => {
    const stats = await (await fetch(`${IDP_ORIGIN}/__dev/stats`)).json() as { token_requests: Record<string, number> };
    return stats.token_requests.refresh_token ?? 0;
  };

  /** Waits until the newest access token issued to alice has expired (its own exp), without a budget of its own. */
  const newestAccessTokenExpired = async (): Promise<void> => {
    const token = (await issuedTokens(USERS.alice.login)).find((t) => t.kind === 'access_token');
    const { exp } = decodeJwt(token!.value);
    await expect.poll(() => Date.now() / 1000 > exp! + 0.5, { intervals: [250], timeout: 0 }).toBe(true);
  };

  test('20 concurrent API calls split over two replicas after expiry make one refresh, all 200, and the next refresh works (F01)', async ({ page }) => {
    test.setTimeout(test.info().timeout + 2 * IDP_ACCESS_TOKEN_TTL * 1000); // it waits for two tokens to expire
    await signInThrough(page, '/profile', a, a);
    await newestAccessTokenExpired();
    const before = await refreshes();
    balancer.roundRobin(a, b);
    const served = new Map(balancer.served);

    const statuses = await page.evaluate(async (url) => Promise.all(Array.from({ length: 20 }, () => fetch(url, {
      headers: { 'X-CSRF': '1' }, cache: 'no-store',
    }).then(async (r) => { await r.text(); return r.status; }))), `${balancer.origin}/api/orders/orders`);
    expect(statuses).toEqual(Array(20).fill(200));
    expect(await refreshes() - before, 'refresh_token grants at the provider').toBe(1);
    for (const r of [a, b]) {
      expect((balancer.served.get(r.name) ?? 0) - (served.get(r.name) ?? 0), `calls served by ${r.name}`).toBe(10);
    }

    await newestAccessTokenExpired();
    balancer.use(b);
    expect((await call(page, '/api/orders/orders')).status, 'the next refresh, on B').toBe(200);
    expect(await refreshes() - before).toBe(2);
  });
});

test('restarts keep everyone signed in, mid-sign-in too (the default file store)', async ({ page }) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-e2e-'));
  const c = new Replica('replica C', REPLICA_PORTS[2], {
    GATEHOUSE_PUBLIC_URL: balancer.origin, GATEHOUSE_SESSION_STORE: `file:${path.join(dir, 'sessions.db')}`,
  });
  try {
    await c.start();
    balancer.use(c);
    await page.goto(`${balancer.origin}/orders`);
    await expect(page.getByLabel('Username')).toBeVisible();
    await c.restart(); // between the start of the sign-in and its callback
    await submitSignIn(page, USERS.alice);
    await expect(page).toHaveURL(`${balancer.origin}/orders`);
    await expect(page.getByRole('main').getByRole('table').getByRole('rowheader', { name: 'ORD-1001' })).toBeVisible();

    await c.restart();
    expect((await call(page, '/api/orders/orders')).status, '/api after a second restart').toBe(200);
    expect(await call(page, '/auth/me'), '/auth/me after a second restart').toMatchObject({ status: 200, body: { name: 'Alice Anderson' } });
    await page.reload();
    await expect(page.getByRole('main').getByRole('table').getByRole('rowheader', { name: 'ORD-1001' })).toBeVisible();
  } finally {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a frozen Redis: 503 and "temporarily unavailable", still signed in; Redis back: everything works without a restart', async ({ page }) => {
  const redis = new Redis();
  await redis.start();
  const d = new Replica('replica D', REPLICA_PORTS[3], { GATEHOUSE_PUBLIC_URL: balancer.origin, GATEHOUSE_SESSION_STORE: redis.url });
  try {
    await d.start();
    await signInThrough(page, '/orders', d, d);
    const main = page.getByRole('main');
    await expect(main.getByRole('table').getByRole('rowheader', { name: 'ORD-1001' })).toBeVisible();

    redis.freeze();
    expect(await call(page, '/api/orders/orders')).toMatchObject({ status: 503, body: { error: 'session_store_unavailable' } });
    expect(await call(page, '/auth/me')).toMatchObject({ status: 503, body: { error: 'session_store_unavailable' } });
    expect((await d.get('/readyz')).status, '/readyz').toBe(503);
    await main.getByRole('button', { name: 'Reload' }).click();
    await expect(main).toContainText('temporarily unavailable');
    await expect(main).not.toContainText('Your session has ended');
    await expect(page.getByRole('banner').getByRole('button', { name: 'Sign in' })).toHaveCount(0);

    redis.thaw();
    await expect.poll(async () => (await d.get('/readyz')).status, { message: '/readyz once Redis answers', timeout: 0 }).toBe(200);
    await main.getByRole('button', { name: /Reload|Try again/ }).first().click();
    await expect(main.getByRole('table').getByRole('rowheader', { name: 'ORD-1001' })).toBeVisible();
    expect(await call(page, '/auth/me')).toMatchObject({ status: 200, body: { name: 'Alice Anderson' } });
  } finally {
    await d.stop();
    await redis.stop();
  }
});
