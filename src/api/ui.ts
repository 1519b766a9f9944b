// The analyst web UI (web/dist, built by Vite) and the interactive API docs (swagger-ui-dist), served
// as static files. A small handler of our own: @fastify/static's dependencies need Node 22.
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PACKAGE_ROOT } from '../config.js';

export const WEB_DIST = join(PACKAGE_ROOT, 'web', 'dist');

/**
 * The UI's policy: its own scripts and styles only, nothing inline, no frames, no plugins. React
 * sets `style` through the CSSOM, which style-src does not restrict.
 */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

// Swagger UI writes <style> elements at run time, so its page alone allows inline styles (not scripts).
const DOCS_CSP = UI_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Paths the SPA's router owns: anything else that is not a file is a 404. */
const SPA_ROOTS = new Set(['', 'signin', 'cases', 'phish', 'ioc', 'lookup']);

function securityHeaders(reply: FastifyReply, csp: string): FastifyReply {
  return reply
    .header('content-security-policy', csp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin');
}

/** A file under `root` for a URL path, or undefined when the path leaves the root or is odd. */
function safeJoin(root: string, urlPath: string): string | undefined {
  let p: string;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (p.includes('\0') || p.includes('\\') || p.split('/').some((seg) => seg === '..')) return undefined;
  const full = resolve(root, `.${p.startsWith('/') ? p : `/${p}`}`);
  return full === root || full.startsWith(root + sep) ? full : undefined;
}

async function sendFile(req: FastifyRequest, reply: FastifyReply, file: string, opts: { immutable?: boolean; csp: string }): Promise<FastifyReply | undefined> {
  let st;
  try {
    st = await stat(file);
  } catch {
    return undefined;
  }
  if (!st.isFile()) return undefined;
  const etag = `"${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}"`;
  securityHeaders(reply, opts.csp)
    .header('etag', etag)
    .header('cache-control', opts.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .type(TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
  if (req.headers['if-none-match'] === etag) return reply.status(304).send();
  return reply.send(await readFile(file));
}

function notFound(reply: FastifyReply, path: string): FastifyReply {
  return reply.status(404).send({ error: { code: 'VIGIL_INPUT_NOT_FOUND', message: `no route ${path}` } });
}

function docsPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vigil API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`;
}

// Same origin, so the fetch carries the session cookie of a signed-in analyst; a Bearer key also works ("Authorize").
const DOCS_INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    withCredentials: true,
  });
});
`;

const DOCS_FILES = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png']);

function swaggerDir(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  } catch {
    return undefined;
  }
}

export interface UiOptions {
  /** The built UI (default web/dist). */
  dist?: string;
}

/**
 * `GET /` and the SPA's paths → web/dist/index.html; `/assets/*` → hashed, cached-for-ever files;
 * `/api/docs` → Swagger UI over /api/openapi.json. These answer without a key (the page must load
 * before sign-in); every data route stays behind auth.
 */
export function registerUi(server: FastifyInstance, opts: UiOptions = {}): void {
  const dist = resolve(opts.dist ?? WEB_DIST);
  const swagger = swaggerDir();
  const open = { public: true };

  server.get('/api/docs', { config: open, schema: { hide: true } }, async (_req, reply) => securityHeaders(reply, DOCS_CSP).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(docsPage()));
  server.get('/api/docs/*', { config: open, schema: { hide: true } }, async (req, reply) => {
    const name = (req.params as { '*': string })['*'];
    if (name === 'init.js') return securityHeaders(reply, DOCS_CSP).type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(DOCS_INIT);
    if (!swagger || !DOCS_FILES.has(name)) return notFound(reply, req.url);
    return (await sendFile(req, reply, join(swagger, name), { csp: DOCS_CSP })) ?? notFound(reply, req.url);
  });

  const index = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const sent = await sendFile(req, reply, join(dist, 'index.html'), { csp: UI_CSP });
    if (sent) return sent;
    return securityHeaders(reply, UI_CSP)
      .status(503)
      .type('text/plain; charset=utf-8')
      .send('The Vigil web UI is not built. Run `npm run build:web` (or restart with `npm start`, which builds it). The API is available under /api/.\n');
  };

  server.get('/', { config: open, schema: { hide: true } }, index);
  server.get('/*', { config: open, schema: { hide: true } }, async (req, reply) => {
    const path = req.url.split('?', 1)[0]!;
    // Unknown API paths stay JSON 404s; the SPA fallback is only for the UI's own screens.
    if (path.startsWith('/api/') || path === '/api' || path.startsWith('/thehive')) return notFound(reply, path);
    if (path.startsWith('/assets/') || extname(path)) {
      const file = safeJoin(dist, path);
      const sent = file && (await sendFile(req, reply, file, { csp: UI_CSP, immutable: path.startsWith('/assets/') }));
      return sent || notFound(reply, path);
    }
    const root = path.split('/')[1] ?? '';
    return SPA_ROOTS.has(root) ? index(req, reply) : notFound(reply, path);
  });
}

/**
 * Builds web/dist when it is missing or older than web/src (a fresh clone, an edited screen), so
 * `npm start` and `vigil serve` are one command. Without Vite (a production install) the existing
 * build is served as it is.
 */
export async function prepareWebUi(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
  const script = join(PACKAGE_ROOT, 'scripts', 'build-web.mjs');
  try {
    await stat(script);
  } catch {
    return;
  }
  const mod = (await import(pathToFileURL(script).href)) as { ensureWebBuilt(o: { log: (l: string) => void }): Promise<unknown> };
  try {
    await mod.ensureWebBuilt({ log });
  } catch (e) {
    log(`web UI not built: ${(e as Error).message} (the API still works; run npm run build:web)`);
  }
}
