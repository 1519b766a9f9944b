import Fastify, { type FastifyInstance, type FastifyServerFactory } from 'fastify';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { App } from '../app.js';
import { buildCaseReport } from '../cases/report.js';
import { VigilError } from '../core/errors.js';
import { causeLine, httpErrorOf } from './errors.js';
import { installAuth } from './auth.js';
import { collectRoutes } from './route-table.js';
import { orgOf } from './routes/common.js';
import { scopeOf } from '../store/scope.js';
import { registerIngest } from './ingest.js';
import { registerDlq } from './dlq.js';
import { registerPlaybooks } from './playbooks.js';
import { registerResponse } from './response.js';
import { registerTheHive } from './thehive/index.js';
import { CaseSummary } from './routes/common.js';
import { registerUiApi, sessionsFor } from './routes/index.js';
import { prepareWebUi, registerUi } from './ui.js';
import { renderReportHtml, renderReportMarkdown } from '../reports/index.js';
import { sourcesStatus } from '../sources/live/status.js';
import { listenRedirect, tlsServer, type TlsServer } from './tls.js';


/** Builds the Fastify server over an App; `listen` is the caller's. `tls` serves HTTPS (src/api/tls.ts). */
export async function buildServer(app: App, opts: { tls?: TlsServer } = {}): Promise<FastifyInstance> {
  // The HTTPS server is made by tls.ts, which keeps it to swap its certificate on SIGHUP.
  const factory = opts.tls && { serverFactory: opts.tls.factory as unknown as FastifyServerFactory };
  const server = Fastify({ logger: false, bodyLimit: 1_048_576, ...factory }).withTypeProvider<ZodTypeProvider>();
  collectRoutes(server);
  server.setValidatorCompiler(validatorCompiler);
  server.setSerializerCompiler(serializerCompiler);
  await server.register(swagger, {
    openapi: {
      info: { title: 'Vigil API', version: '0.1.0', description: 'SOC automation and incident response. Every route but /healthz and /readyz needs an API key: Authorization: Bearer vgl_…' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A Vigil API key (`vigil keys create`)' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });

  // Status, retryability and log level come from the error catalogue (src/core/errors.ts): a
  // sender's mistake is one info line, a store or bus that is away a warning, only Vigil's own
  // failures are errors with a stack. The path is logged as its route pattern: a key may be in it.
  server.setErrorHandler((err, req, reply) => {
    const h = httpErrorOf(err);
    const route = req.routeOptions.url ?? '(no route)';
    if (h.level === 'error') app.log.error({ err, method: req.method, route }, 'request failed');
    else if (h.level === 'warn') app.log.warn({ code: h.code, method: req.method, route, reason: h.message, cause: causeLine(err) }, 'request not done: the store or bus is away');
    else app.log.info({ code: h.code, status: h.status, method: req.method, route, reason: h.message.slice(0, 500), ...(h.field && { field: h.field }) }, 'request refused');
    if (h.retryable && !reply.hasHeader('retry-after')) reply.header('retry-after', String(app.config.bus.retryAfter));
    return reply.status(h.status).send({ error: { code: h.code, message: h.message, ...(h.field && { field: h.field }), ...(h.retryable && { retryable: true }) } });
  });

  installSecurityHeaders(server);
  installAuth(server, app.keys, Date.now, sessionsFor(app));
  registerIngest(server, app);
  registerDlq(server, app);
  registerPlaybooks(server, app);
  registerResponse(server, app);
  registerTheHive(server, app);
  await registerUiApi(server, app);
  registerUi(server);

  server.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  server.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await app.store.db.execute(sql`select 1`);
      return { status: 'ready', store: app.store.kind, indicators: app.localIndex.size, playbooks: app.playbooks.length };
    } catch (e) {
      return reply.status(503).send({ status: 'unavailable', reason: (e as Error).message });
    }
  });
  server.get('/api/openapi.json', { schema: { hide: true } }, async () => server.swagger());
  server.get('/api/sources', { schema: { summary: 'Live sources: position, lag, delivered count and last error of each (the pipeline organisation\'s)' } }, async (req) => ({
    sources: scopeOf(req).ownsPipeline ? await sourcesStatus(app.repo.db, app.config.sources, { runner: app.sources, inProcess: true, now: app.clock.now() }) : [],
  }));

  server.get(
    '/api/cases',
    {
      schema: {
        summary: 'Cases, newest first',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) }),
        response: { 200: z.object({ cases: z.array(CaseSummary) }) },
      },
    },
    async (req) => ({ cases: (await app.repo.listCases(req.query.limit, req.query.offset, orgOf(req))).map(({ id, number, title, status, severity, score, alertCount, firstAlertAt, lastAlertAt }) => ({ id, number, title, status, severity, score, alertCount, firstAlertAt, lastAlertAt })) }),
  );

  const CaseParams = z.object({ number: z.coerce.number().int().min(1) });
  // A key sees only its organisation's cases; another organisation's case is "not found", not "forbidden".
  const loadReport = async (n: number, org: string) => {
    const c = await app.repo.caseByNumber(n, org);
    const report = c && (await buildCaseReport(app.repo, c.id, app.clock));
    if (!report) throw new VigilError('VIGIL_INPUT_NOT_FOUND', `there is no case #${n}`, { field: 'number' });
    return report;
  };

  server.get('/api/cases/:number', { schema: { summary: 'One case with alerts, observables, actions, tasks and timeline', params: CaseParams } }, async (req) => loadReport(req.params.number, orgOf(req)));
  server.get('/api/cases/:number/report.html', { schema: { summary: 'The incident report as self-contained HTML', params: CaseParams } }, async (req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:").send(renderReportHtml(await loadReport(req.params.number, orgOf(req)))),
  );
  server.get('/api/cases/:number/report.md', { schema: { summary: 'The incident report as Markdown', params: CaseParams } }, async (req, reply) =>
    reply.type('text/markdown; charset=utf-8').send(renderReportMarkdown(await loadReport(req.params.number, orgOf(req)))),
  );
  return server;
}

/**
 * Headers every answer carries, whatever route or error produced it: no content sniffing (a JSON
 * answer holding alert text must never be taken for HTML), no framing, no referrer leaving the
 * server. A route's own policy is kept; `frame-ancestors 'none'` is added when it says nothing
 * about framing.
 */
export function installSecurityHeaders(server: FastifyInstance): void {
  server.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'no-referrer');
    const csp = reply.getHeader('content-security-policy');
    if (typeof csp !== 'string' || !csp.trim()) reply.header('content-security-policy', "frame-ancestors 'none'");
    else if (!/(^|;)\s*frame-ancestors\s/i.test(csp)) reply.header('content-security-policy', `${csp.replace(/;\s*$/, '')}; frame-ancestors 'none'`);
    return payload;
  });
}

/** Starts listening and keeps the process alive until SIGINT/SIGTERM, then closes cleanly. */
export async function startServer(app: App, opts: { host: string; port: number }): Promise<FastifyInstance> {
  await prepareWebUi();
  const { tls: tlsFiles, publicUrl } = app.config.server;
  let tls: TlsServer | undefined;
  try {
    tls = tlsFiles && tlsServer(tlsFiles);
  } catch (e) {
    await app.close();
    throw e;
  }
  const server = await buildServer(app, tls && { tls });
  try {
    await server.listen({ host: opts.host, port: opts.port });
  } catch (e) {
    await app.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw new VigilError('VIGIL_CONFIG_INVALID', code === 'EADDRINUSE' ? `port ${opts.port} on ${opts.host} is already in use (set --port or VIGIL_PORT)` : `cannot listen on ${opts.host}:${opts.port}: ${(e as Error).message}`, { field: 'server.port' });
  }
  const a = server.server.address();
  const addr = a && typeof a === 'object' ? a : undefined;
  const base = `${tls ? 'https' : 'http'}://${addr?.family === 'IPv6' ? `[${addr.address}]` : (addr?.address ?? opts.host)}:${addr?.port ?? opts.port}`;
  let redirect: Awaited<ReturnType<typeof listenRedirect>> | undefined;
  if (tlsFiles?.redirectPort !== undefined) {
    try {
      redirect = await listenRedirect({ host: opts.host, port: tlsFiles.redirectPort, httpsPort: addr?.port ?? opts.port, publicUrl });
    } catch (e) {
      await server.close();
      await app.close();
      throw e;
    }
  }
  app.startBackground();
  process.stdout.write(`Vigil web UI on ${base}/ (sign in with an API key); API docs ${base}/api/docs\n`);
  process.stdout.write(`Vigil API on ${base}  (health ${base}/healthz, cases ${base}/api/cases, OpenAPI ${base}/api/openapi.json). Ctrl-C stops.\n`);
  if (publicUrl) process.stdout.write(`Public address ${publicUrl}/ (links in notifications and reports)\n`);
  if (tls && tlsFiles) {
    process.stdout.write(`TLS certificate ${tls.current.subject}, valid until ${tls.current.validTo}; kill -HUP ${process.pid} reloads ${tlsFiles.certFile} and ${tlsFiles.keyFile}\n`);
    if (redirect) process.stdout.write(`HTTP on port ${tlsFiles.redirectPort} redirects to HTTPS\n`);
    process.on('SIGHUP', () => {
      try {
        const pair = tls.reload();
        process.stderr.write(`TLS certificate reloaded: ${pair.subject}, valid until ${pair.validTo}\n`);
      } catch (e) {
        process.stderr.write(`TLS certificate not reloaded, the previous one stays in use: ${e instanceof VigilError ? e.toString() : (e as Error).message}\n`);
      }
    });
  }
  const stop = async (): Promise<void> => {
    redirect?.close();
    await server.close();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  return server;
}
