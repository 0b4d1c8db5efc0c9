// Dev-only endpoints on the server root (outside the issuer path). The whole server is dev
// tooling bound to loopback; these exist so that e2e tests can see what the provider did.
//   GET  /__dev/stats   token-endpoint requests by grant type (successful or not), revocations
//   GET  /__dev/tokens  token values issued by this process, newest first (at most 500)
//   POST /__dev/reset   clears the stats
//   GET|PUT /__dev/settings  {"access_token_ttl": seconds|null}: the lifetime of access tokens
//                       issued from now on (null: back to IDP_ACCESS_TOKEN_TTL)
import {
  listTokens, resetStats, setAccessTokenTTL, snapshotSettings, snapshotStats,
} from './devstate.mjs';

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

// Returns true when it answered the request.
async function readJSON(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 4096) throw new Error('body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

async function putSettings(req, res, cfg) {
  let body;
  try {
    body = await readJSON(req);
  } catch (err) {
    json(res, 400, { error: 'invalid_request', error_description: String(err.message) });
    return;
  }
  const ttl = body.access_token_ttl;
  if (ttl !== null && !(Number.isSafeInteger(ttl) && ttl > 0)) {
    json(res, 400, { error: 'invalid_request', error_description: 'access_token_ttl must be a positive whole number of seconds or null' });
    return;
  }
  setAccessTokenTTL(ttl);
  json(res, 200, snapshotSettings(cfg));
}

export function handleDev(req, res, pathname, cfg) {
  if (!pathname.startsWith('/__dev/')) return false;
  const route = `${req.method} ${pathname}`;
  switch (route) {
    case 'GET /__dev/stats':
      json(res, 200, snapshotStats());
      break;
    case 'GET /__dev/tokens':
      json(res, 200, listTokens());
      break;
    case 'POST /__dev/reset':
      req.resume();
      resetStats();
      json(res, 200, snapshotStats());
      break;
    case 'GET /__dev/settings':
      json(res, 200, snapshotSettings(cfg));
      break;
    case 'PUT /__dev/settings':
      putSettings(req, res, cfg).catch((err) => json(res, 500, { error: 'server_error', error_description: String(err) }));
      break;
    default:
      json(res, 404, { error: 'not_found' });
  }
  return true;
}
