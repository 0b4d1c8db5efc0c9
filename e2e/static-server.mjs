// A plain static file server, standing in for a static host (a CDN, an object store) in the
// Playwright project "static": it serves files as they are, and knows nothing of Gatehouse.
//
//   STATIC_ADDR=127.0.0.1:8188 STATIC_SITES='{"app.example.localhost:8188": {"root": "dir",
//     "headers": {"Content-Security-Policy": "…"}}}' node static-server.mjs
//   node e2e/static-server.mjs static/site     (one root for every Host, on 127.0.0.1:8000)
//
// What it does is what README.md's "On a static host" section asks of a host:
//   - one root directory per Host header (name and port, as browsers send it; RFC 9110 §7.2),
//     each with headers of its own added to every answer; an unknown Host gets the site "*", or
//     421 without one;
//   - GET and HEAD only (405 otherwise);
//   - "/" and "/dir/" serve index.html; a path without an extension that names no file serves
//     path + ".html" ("clean URLs": /profile is profile.html);
//   - a file with a precompressed copy beside it (FILE.br, FILE.gz) is served from that copy, with
//     Content-Encoding, when the request's Accept-Encoding allows it (RFC 9110 §8.4, §12.5.3),
//     and Vary: Accept-Encoding;
//   - any other path gets 404.html with status 404 when the root has one;
//   - Content-Type from the file's extension; no directory listings; nothing outside the root.
// It stops on SIGTERM or SIGINT and exits 0. With E2E_SERVER_LOGS set, it logs one line per
// request.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

const [host, portText] = (process.env.STATIC_ADDR || '127.0.0.1:8000').split(/:(?=\d+$)/);
const port = Number(portText);
if (!host || !Number.isInteger(port)) {
  console.error('static-server: STATIC_ADDR must be host:port');
  process.exit(2);
}
/** @type {Record<string, {root: string, headers?: Record<string, string>}>} Sites by Host; "*" for any. */
const sites = process.argv[2] ? { '*': { root: process.argv[2] } } : JSON.parse(process.env.STATIC_SITES ?? '{}');
for (const site of Object.values(sites)) site.root = resolve(site.root);
const logs = !!process.env.E2E_SERVER_LOGS;

/** The file at path under root, if it is a regular file; never outside root. */
async function file(root, path) {
  const full = resolve(root, '.' + path);
  if (full !== root && !full.startsWith(root + sep)) return null;
  try {
    const st = await stat(full);
    return st.isFile() ? { path: full, size: st.size } : null;
  } catch {
    return null;
  }
}

/** Whether an Accept-Encoding header value allows coding (q > 0, by name or by "*"). */
function accepts(header, coding) {
  let explicit = -1;
  let star = -1;
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().split(';');
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k?.trim().toLowerCase() === 'q') q = Number(v);
    }
    if (name.trim().toLowerCase() === coding) explicit = q;
    else if (name.trim() === '*') star = q;
  }
  return explicit >= 0 ? explicit > 0 : star > 0;
}

/** What to answer for a request path: the file, its status, and the copy to send. */
async function lookup(root, pathname, acceptEncoding) {
  let status = 200;
  let found = null;
  if (pathname.endsWith('/')) found = await file(root, pathname + 'index.html');
  else found = (await file(root, pathname)) ?? (extname(pathname) === '' ? await file(root, pathname + '.html') : null);
  if (!found) {
    status = 404;
    found = await file(root, '/404.html');
  }
  if (!found) return { status, found: null };
  let send = found;
  let coding = null;
  let compressed = false; // a copy exists: the answer varies with Accept-Encoding
  for (const [name, ext] of [['br', '.br'], ['gzip', '.gz']]) {
    const copy = await file(root, found.path.slice(root.length) + ext);
    if (!copy) continue;
    compressed = true;
    if (!coding && accepts(acceptEncoding, name)) {
      send = copy;
      coding = name;
    }
  }
  return { status, found, send, coding, compressed };
}

const server = createServer(async (req, res) => {
  const site = sites[req.headers.host ?? ''] ?? sites['*'];
  const done = () => { if (logs) console.log(`${req.method} ${req.headers.host} ${req.url} ${res.statusCode}`); };
  res.on('finish', done);
  if (!site) {
    res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('no site here\n');
    return;
  }
  for (const [k, v] of Object.entries(site.headers ?? {})) res.setHeader(k, v);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return;
  }
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('bad path\n');
    return;
  }
  if (pathname.includes('\0') || pathname.split('/').includes('..')) {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('bad path\n');
    return;
  }
  const { status, found, send, coding, compressed } = await lookup(site.root, pathname, req.headers['accept-encoding']);
  if (!found) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  const headers = {
    'Content-Type': TYPES[extname(found.path)] ?? 'application/octet-stream',
    'Content-Length': String(send.size),
  };
  if (coding) headers['Content-Encoding'] = coding;
  if (compressed) headers.Vary = 'Accept-Encoding';
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(send.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
});

server.listen(port, host, () => {
  console.log(`static server ready on http://${host}:${port}: ${Object.keys(sites).join(', ')}`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
