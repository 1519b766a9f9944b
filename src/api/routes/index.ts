// The web UI's API: each file one area, registered here so server.ts needs one line.
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { registerAlerts } from './alerts.js';
import { registerCaseLists } from './case-lists.js';
import { registerCaseWork } from './cases.js';
import { registerEnrich } from './enrich.js';
import { registerIocs } from './iocs.js';
import { registerMetrics } from './metrics.js';
import { registerPhish } from './phish.js';
import { registerSession, sessionsFor } from './session.js';
import { registerStats } from './stats.js';

export { sessionsFor } from './session.js';

export async function registerUiApi(server: FastifyInstance, app: App): Promise<void> {
  registerMetrics(server, app);
  registerSession(server, app, sessionsFor(app));
  registerStats(server, app);
  registerAlerts(server, app);
  registerEnrich(server, app);
  registerCaseWork(server, app);
  registerCaseLists(server, app);
  // Multipart only where files are uploaded; each route sets its own size limit.
  await server.register(async (uploads) => {
    await uploads.register(multipart, { limits: { fileSize: 1024 * 1024, files: 1, fields: 10, parts: 12 } });
    registerIocs(uploads, app);
    registerPhish(uploads, app);
  });
}
