import { defineConfig, devices } from '@playwright/test';

import {
  BFF_PORT, bffEnv, DEMO_API_ADDR, demoApiEnv, IDP_DISCOVERY_URL, idpEnv, REDIS_PORT,
  STATIC_APP_ORIGIN, STATIC_APP_PORT, STATIC_BFF_ORIGIN, STATIC_BFF_PORT, STATIC_SITE_DIR, staticBffEnv,
  staticServerEnv, ZITADEL_BFF_ORIGIN, ZITADEL_BFF_PORT, ZITADEL_DISCOVERY_URL, zitadelBffEnv, zitadelEnv,
} from './env';
import type { ProjectOptions } from './tests/fixtures';

// The servers of a run, started in this order (each waits for the one before: the demo API and
// the BFF read the provider's discovery document at start-up) and stopped by Playwright at the
// end. The Go binaries come from `make build` and `make bin/zitadel-op` (`make test` builds them
// first); they run from the repository root so that the BFF finds static/web/app.wasm.
//
// Two providers: the dev provider (idp/, an Okta look-alike) behind the run's main BFF, for the
// project "chromium"; and zitadel/oidc's example OpenID provider (zitadel-op/) behind a second BFF
// of its own, the same binary, for the project "zitadel". The project "static" has the demo app
// as a static website (`make static`'s generator, bin/static-site, writes it at start-up) on a plain
// static file server (static-server.mjs), and a third BFF on another origin of the same site. Every
// server starts whichever project runs.
const logs = process.env.E2E_SERVER_LOGS ? ('pipe' as const) : ('ignore' as const);
const webServer = [
  {
    // Debian's redis-server (`make test` installs it), in the foreground so that Playwright stops
    // it by PID; nothing is saved to disk.
    name: 'Redis',
    command: `redis-server --port ${REDIS_PORT} --bind 127.0.0.1 --save "" --appendonly no --daemonize no`,
    port: REDIS_PORT,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
  },
  {
    name: 'dev IdP',
    command: 'node idp/server.mjs',
    url: IDP_DISCOVERY_URL,
    env: idpEnv,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: logs,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
  },
  {
    name: 'demo API',
    command: 'bin/demo-api',
    cwd: '..',
    // Every route needs a token: a 401 means it is up.
    url: `http://${DEMO_API_ADDR}/orders`,
    env: demoApiEnv,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: logs,
    stderr: logs,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
  },
  {
    name: 'BFF',
    command: 'bin/gatehouse',
    cwd: '..',
    url: `http://127.0.0.1:${BFF_PORT}/healthz`,
    env: bffEnv,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: logs,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
  },
  {
    // zitadel/oidc's example provider on its in-memory storage (zitadel-op/main.go).
    name: 'zitadel OP',
    command: 'bin/zitadel-op',
    cwd: '..',
    url: ZITADEL_DISCOVERY_URL,
    env: zitadelEnv,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: logs,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
  },
  {
    name: 'BFF for the zitadel OP',
    command: 'bin/gatehouse',
    cwd: '..',
    url: `http://127.0.0.1:${ZITADEL_BFF_PORT}/healthz`,
    env: zitadelBffEnv,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: logs,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
  },
  {
    // The static host: first the site, for the static-host BFF's origin (bin/static-site, about a
    // second), then the file server in the shell's place (exec), so that Playwright stops it by PID.
    name: 'static host',
    command: `../bin/static-site -static ../static -bff ${STATIC_BFF_ORIGIN} -spa ${STATIC_APP_ORIGIN} -o ${STATIC_SITE_DIR}`
      + ' && exec node static-server.mjs',
    port: STATIC_APP_PORT,
    env: staticServerEnv,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: logs,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
  },
  {
    name: 'BFF for the static host',
    command: 'bin/gatehouse',
    cwd: '..',
    url: `http://127.0.0.1:${STATIC_BFF_PORT}/healthz`,
    env: staticBffEnv,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: logs,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
  },
];

/** Debian's Chromium (Playwright cannot download its own here), for both projects. */
const chromium = {
  ...devices['Desktop Chrome'],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  },
};

export default defineConfig<ProjectOptions>({
  testDir: 'tests',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: 'list',
  // Generous: a cold Chromium compiles the 7 MB WASM on every new page, and CI machines are slow.
  timeout: 60_000,
  expect: { timeout: 0 }, // no budget per assertion: each one waits as long as its test has left
  use: {
    trace: 'retain-on-failure',
  },
  projects: [
    {
      // The dev provider's BFF: every spec but zitadel.spec.ts and static.spec.ts.
      name: 'chromium',
      testIgnore: /(zitadel|static)\.spec\.ts$/,
      use: chromium,
    },
    {
      // zitadel/oidc's example provider and its own BFF: `npx playwright test --project zitadel`.
      name: 'zitadel',
      testMatch: /zitadel\.spec\.ts$/,
      use: { ...chromium, bffOrigin: ZITADEL_BFF_ORIGIN },
    },
    {
      // The app on a static host, the BFF on another origin of the same site:
      // `npx playwright test --project static`.
      name: 'static',
      testMatch: /static\.spec\.ts$/,
      use: { ...chromium, bffOrigin: STATIC_BFF_ORIGIN },
    },
  ],
  webServer,
});
