// How long the home page takes from navigation to interactive, with a cold cache and a warm one,
// in Chromium against the real BFF. Printed (console and the test's annotations), never asserted:
// the machine's load decides the numbers, and the test waits on conditions only.
//
// "Interactive" is the moment the app, not the server, has rendered the home page's own "Sign in"
// button in <main>: the BFF's prerendered HTML shows "Checking whether you are signed in…" there,
// and only the go-app app, once app.wasm has downloaded, compiled and started, mounted the page and
// had /auth/me's 401, replaces it with the button and its click handler. The time is the page's
// performance.now() when that button enters the DOM (a MutationObserver installed before any of the
// page's scripts), so it counts from the navigation's start, and the test's polling adds nothing.
//
// Cold: a fresh browser context (no HTTP cache, no service worker). Warm: a new page in the same
// context, once the app's service worker is active and has app.wasm in its cache, as for someone
// coming back: the worker answers the page and app.wasm from its cache.
//
// Run it alone: `make build bin/zitadel-op && cd e2e && npx playwright test tests/timing.spec.ts --project chromium`.
// It uses the plain Playwright test, not ./fixtures': that one's `traffic` reads every response
// body of its page, and the timed pages here are the test's own.
import { expect, test, type Browser, type Page } from '@playwright/test';

import { BFF_ORIGIN } from '../env';

const HOME = `${BFF_ORIGIN}/`;
const WASM = `${BFF_ORIGIN}/web/app.wasm`;

declare global {
  interface Window {
    /** performance.now() when the app's "Sign in" button entered <main>. */
    gatehouseInteractiveAt?: number;
  }
}

/** Runs in every page of the context before the page's own scripts. */
function watchForInteractive(): void {
  const rendered = () => {
    const main = document.querySelector('main');
    if (!main) return false;
    return [...main.querySelectorAll('button')].some((b) => b.textContent?.trim() === 'Sign in');
  };
  const observer = new MutationObserver(() => {
    if (window.gatehouseInteractiveAt === undefined && rendered()) {
      window.gatehouseInteractiveAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
}

interface Load {
  /** Milliseconds from the navigation's start to interactive. */
  interactive: number;
  /** Milliseconds from the navigation's start to the end of app.wasm's response. */
  wasmLoaded: number | undefined;
  /** Where app.wasm came from, and in what encoding. */
  wasmSource: string;
}

/** Opens the home page in page and waits, without a deadline of its own, until it is interactive. */
async function load(page: Page): Promise<Load> {
  let wasmSource: Promise<string> | undefined;
  page.on('response', (r) => {
    if (r.url() !== WASM || wasmSource) return;
    wasmSource = r.headerValue('content-encoding').catch(() => null).then((encoding) =>
      `${r.fromServiceWorker() ? 'the service worker\'s cache' : `the network (HTTP ${r.status()})`}, ${encoding ?? 'uncompressed'}`);
  });
  await page.goto(HOME);
  await page.waitForFunction(() => window.gatehouseInteractiveAt !== undefined, undefined, { timeout: 0 });
  const times = await page.evaluate((wasm) => {
    const entry = performance.getEntriesByName(wasm, 'resource')[0] as PerformanceResourceTiming | undefined;
    return { interactive: window.gatehouseInteractiveAt!, wasmLoaded: entry?.responseEnd };
  }, WASM);
  return { ...times, wasmSource: wasmSource ? await wasmSource : 'nowhere (not requested)' };
}

/**
 * Waits until the app's service worker is active and its cache holds app.wasm (go-app's worker
 * fills its cache with one addAll, all or nothing, but does not hold its install step open for
 * it: "activated" alone does not mean cached).
 */
async function waitForWarmCache(page: Page): Promise<void> {
  await page.waitForFunction(async (wasm) => {
    const reg = await navigator.serviceWorker.getRegistration();
    if (reg?.active?.state !== 'activated') return false;
    for (const name of await caches.keys()) {
      if (await (await caches.open(name)).match(wasm)) return true;
    }
    return false;
  }, WASM, { polling: 100, timeout: 0 });
}

/** The definition above holds: the server's HTML alone does not show the button the test waits for. */
async function checkPrerendered(browser: Browser): Promise<void> {
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto(HOME);
    const main = page.getByRole('main');
    await expect(main).toContainText('Checking whether you are signed in');
    await expect(main.getByRole('button', { name: 'Sign in' })).toHaveCount(0);
  } finally {
    await context.close();
  }
}

const ms = (n: number | undefined) => (n === undefined ? 'n/a' : `${Math.round(n)} ms`);

test('home page: navigation to interactive, cold and warm cache (printed, not asserted)', async ({ browser }) => {
  test.slow(); // a cold Chromium on a loaded machine compiles the WASM slowly; no timing is asserted
  await checkPrerendered(browser);

  const context = await browser.newContext();
  try {
    await context.addInitScript(watchForInteractive);
    const first = await context.newPage();
    const cold = await load(first);
    await waitForWarmCache(first);
    await first.close();
    const warm = await load(await context.newPage());

    for (const [name, l] of [['cold', cold], ['warm', warm]] as const) {
      const line = `${ms(l.interactive)} (app.wasm from ${l.wasmSource}, its response done at ${ms(l.wasmLoaded)})`;
      console.log(`navigation to interactive, ${name} cache: ${line}`);
      test.info().annotations.push({ type: `navigation to interactive, ${name} cache`, description: line });
    }
  } finally {
    await context.close();
  }
});
