// Streams the browser opens itself, through the BFF's streaming route "live" (e2e/demo-routes.yaml):
// a WebSocket to the demo API's echo and an EventSource on its event stream. They cannot carry the
// CSRF header; the BFF checks their Origin and Sec-Fetch-Site instead (README: Streaming routes), so
// a page on another origin cannot open either, even while the user is signed in.
import type { Page } from '@playwright/test';

import { BFF_ORIGIN, EVIL_CROSS_SITE_ORIGIN, EVIL_SAME_HOST_ORIGIN, USERS } from '../env';
import { expect, signInAt, test } from './fixtures';

test('the SPA talks to a WebSocket echo and reads an event stream through the BFF', async ({ page }) => {
  await signInAt(page, '/live', USERS.alice);
  const echo = page.getByRole('region', { name: 'WebSocket echo' });
  await expect(echo.getByText('State: Connected')).toBeVisible();
  await echo.getByLabel('Message').fill('hello through the BFF');
  await echo.getByRole('button', { name: 'Send' }).click();
  // The demo API prefixes each reply with its access token's subject: the user's token crossed.
  await expect(echo.getByRole('listitem')).toHaveText(['alice@example.com: hello through the BFF']);

  const events = page.getByRole('region', { name: 'Event stream' });
  await expect(events.getByText('State: Connected')).toBeVisible();
  // One event a second, each delivered as it is sent.
  await expect(events.getByRole('listitem').filter({ hasText: 'Event 2 for alice@example.com' })).toBeVisible();
  await leave(page);
});

/**
 * Leaves /live, which ends its event stream: the traffic fixture waits for every response body to
 * finish, and an event stream's finishes only when the page lets it go.
 */
async function leave(page: Page): Promise<void> {
  await page.goto('about:blank');
}

/** What a page at origin gets when it opens the BFF's echo and event stream itself. */
async function openFrom(page: Page, origin: string): Promise<{ ws: string; es: string }> {
  await page.goto(`${origin}/`);
  return page.evaluate(async ({ ws, es }) => {
    const wsOutcome = await new Promise<string>((resolve) => {
      const s = new WebSocket(ws);
      s.onopen = () => { resolve('open'); s.close(); };
      s.onclose = (e) => resolve(`closed ${e.code}`);
    });
    const esOutcome = await new Promise<string>((resolve) => {
      const e = new EventSource(es, { withCredentials: true });
      e.onopen = () => { resolve('open'); e.close(); };
      e.onerror = () => { if (e.readyState === EventSource.CLOSED) resolve('closed'); };
    });
    return { ws: wsOutcome, es: esOutcome };
  }, { ws: `${BFF_ORIGIN.replace(/^http/, 'ws')}/api/live/echo`, es: `${BFF_ORIGIN}/api/live/events` });
}

for (const [where, evil] of [['another site', EVIL_CROSS_SITE_ORIGIN], ['another port of the same host', EVIL_SAME_HOST_ORIGIN]] as const) {
  test(`a page on ${where} cannot open the WebSocket or the event stream, even while signed in`, async ({ page, context }) => {
    await signInAt(page, '/live', USERS.alice);
    await expect(page.getByRole('region', { name: 'WebSocket echo' }).getByText('State: Connected')).toBeVisible();
    const attacker = await context.newPage();
    expect(await openFrom(attacker, evil)).toEqual({ ws: 'closed 1006', es: 'closed' });
    await leave(page);
  });
}
