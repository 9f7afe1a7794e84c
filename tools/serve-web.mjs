#!/usr/bin/env node
// serve-web.mjs: a static server for the profile inspector on 127.0.0.1.
// `node tools/serve-web.mjs [FOLDER] [PORT]` serves FOLDER (default
// build/web, laid out by tools/build-web.sh) and prints its address; PORT 0
// (the default when $PORT is unset: 8080) takes any free port. Only GET and
// HEAD, only files under FOLDER, no directory listings.
// tests/hosts/web/web.test.js imports serveStatic() from here.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.pb': 'application/octet-stream',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8',
};

/** A server for folder; onRequest(path) is told of every request. Resolves once listening: {server, origin}. */
export function serveStatic(folder, { port = 0, host = '127.0.0.1', onRequest } = {}) {
  const base = resolve(folder);
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    onRequest?.(path);
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain', 'method not allowed');
    const file = resolve(base, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (file !== base && !file.startsWith(base + sep)) return send(response, 403, 'text/plain', 'forbidden');
    try {
      if (!(await stat(file)).isFile()) return send(response, 404, 'text/plain', 'not found');
      return send(response, 200, TYPES[extname(file)] ?? 'application/octet-stream', request.method === 'HEAD' ? '' : await readFile(file));
    } catch {
      return send(response, 404, 'text/plain', 'not found');
    }
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done({ server, origin: `http://${host}:${server.address().port}` }));
  });
}

function send(response, status, type, body) {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  response.end(body);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const folder = process.argv[2] ?? join(fileURLToPath(new URL('..', import.meta.url)), 'build', 'web');
  const port = Number(process.argv[3] ?? process.env.PORT ?? 8080);
  const { origin } = await serveStatic(folder, { port });
  console.log(`profile inspector: ${origin}/  (serving ${folder}; Ctrl-C stops)`);
}
