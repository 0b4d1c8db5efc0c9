// Gatehouse's dev OpenID provider: an Okta custom authorization server ("default") look-alike
// for `make run` and the Playwright suites. Start: node e2e/idp/server.mjs (see README.md).
import http from 'node:http';

import { loadConfig } from './config.mjs';
import { handleDev } from './dev.mjs';
import { interactionRoutes } from './interactions.mjs';
import { loadCookieKeys, loadSigningKeys } from './keys.mjs';
import { oktaCompat } from './okta.mjs';
import { createProvider } from './provider.mjs';

const cfg = loadConfig();
const { privateJwks, keySet } = await loadSigningKeys(cfg.jwksFile);
const provider = createProvider(cfg, { privateJwks, cookieKeys: loadCookieKeys(cfg.cookieKeys) });
provider.use(interactionRoutes(cfg, provider));
provider.use(oktaCompat(cfg, keySet));
// Back-channel logout calls to the BFF: one line each (never the logout token).
provider.on('backchannel.success', (_ctx, client, accountId, sid) => {
  process.stdout.write(`back-channel logout to ${client.backchannelLogoutUri} for ${accountId} (sid ${sid ? 'set' : 'none'}): ok\n`);
});
provider.on('backchannel.error', (_ctx, err, client) => {
  process.stderr.write(`back-channel logout to ${client.backchannelLogoutUri} failed: ${err.message}${err.cause ? ` (${err.cause.message ?? err.cause})` : ''}\n`);
});

provider.on('server_error', (_ctx, err) => {
  console.error('dev IdP server_error:', err?.stack || err);
});
// The OAuth error code (never a value from the request) is appended to the request's log line.
for (const event of [
  'authorization.error', 'grant.error', 'end_session.error', 'end_session_confirm.error',
  'revocation.error', 'introspection.error', 'userinfo.error', 'discovery.error', 'jwks.error',
  'server_error',
]) {
  provider.on(event, (ctx, err) => {
    if (ctx?.req && err?.error) ctx.req.idpError = err.error;
  });
}

const handleProvider = provider.callback();

function log(req, res, pathname) {
  const error = req.idpError ? ` ${req.idpError}` : '';
  // Only the path: query strings carry codes, states and hints, and are never logged.
  process.stdout.write(`${req.method} ${pathname} ${res.statusCode}${error}\n`);
}

function notFound(res) {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('not found\n');
}

const server = http.createServer((req, res) => {
  let pathname;
  try {
    pathname = new URL(req.url, 'http://idp.invalid').pathname;
  } catch {
    pathname = '/';
  }
  res.on('finish', () => log(req, res, pathname));

  if (handleDev(req, res, pathname, cfg)) return;
  if (pathname === '/favicon.ico') {
    res.writeHead(204, { 'Cache-Control': 'max-age=86400' });
    res.end();
    return;
  }

  // The provider is mounted at the issuer's path: strip it from req.url and keep the
  // original in req.originalUrl, which oidc-provider uses to build its URLs.
  const prefix = cfg.issuerPath;
  if (prefix && pathname !== prefix && !pathname.startsWith(`${prefix}/`)) {
    notFound(res);
    return;
  }
  req.originalUrl = req.url;
  req.url = req.url.slice(prefix.length) || '/';
  if (!req.url.startsWith('/')) req.url = `/${req.url}`;
  handleProvider(req, res);
});

// Idle connections outlive the BFF's: Go's http.Transport keeps an idle
// connection 90 s, and a POST to the token endpoint on a connection the
// server closes at that moment fails with "connection reset" (Go does not
// replay a POST). Node's 5 s default made that race a flaky sign-in.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;

let closing = false;
function shutdown(signal) {
  if (closing) return;
  closing = true;
  process.stdout.write(`dev IdP: ${signal}, shutting down\n`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  // Open keep-alive or in-flight connections must not hold the exit up for long.
  setTimeout(() => {
    server.closeAllConnections();
    process.exit(0);
  }, 2_000).unref();
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));

server.on('error', (err) => {
  console.error(`dev IdP: cannot listen on ${cfg.host}:${cfg.port}: ${err.message}`);
  process.exit(1);
});

server.listen(cfg.port, cfg.host, () => {
  process.stdout.write(`dev IdP ready: issuer ${cfg.issuer}\n`);
});
