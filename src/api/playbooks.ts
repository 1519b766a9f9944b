import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../app.js';
import { createPlaybookEngine } from '../playbooks/setup.js';
import { getRun, listRuns, playbookSummary } from '../playbooks/views.js';
import { scopeOf } from '../store/scope.js';

const RunParams = z.object({ id: z.string().min(1).max(100) });
const Decision = z.strictObject({
  /** The step to decide, when the run waits on several. */
  step: z.string().min(1).max(64).optional(),
  reason: z.string().max(2_000).optional(),
});

/**
 * Playbooks over HTTP: what is loaded, runs and their steps, and the approval gate. The approver is
 * the API key's name; read-only keys cannot POST (src/api/auth.ts).
 */
export function registerPlaybooks(server: FastifyInstance, app: App): void {
  const s = server.withTypeProvider<ZodTypeProvider>();

  // Playbooks respond to the pipeline's cases: their definitions are that organisation's.
  s.get('/api/playbooks', { schema: { summary: 'The loaded playbooks (triggers, steps) and the files that did not load (empty for organisations other than the pipeline\'s)' } }, async (req) =>
    scopeOf(req).pipelineOnly({ playbooks: app.playbooks.map(playbookSummary), issues: app.startup.playbookIssues }, { playbooks: [], issues: [] }),
  );

  s.get(
    '/api/playbooks/runs',
    {
      schema: {
        summary: 'Playbook runs, newest first',
        querystring: z.object({
          case: z.coerce.number().int().min(1).optional(),
          status: z.enum(['running', 'waiting_approval', 'succeeded', 'failed', 'rejected', 'expired']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
      },
    },
    async (req) => ({ runs: await listRuns(app, { ...(req.query.case !== undefined && { caseNumber: req.query.case }), ...(req.query.status && { status: req.query.status }), limit: req.query.limit }, scopeOf(req)) }),
  );

  s.get('/api/playbooks/runs/:id', { schema: { summary: 'One run: steps with inputs, outputs, timings, approvals', params: RunParams } }, async (req) => getRun(app, req.params.id, scopeOf(req)));

  const decide = (approve: boolean) => async (req: { params: { id: string }; body: z.infer<typeof Decision> | undefined; apiKey?: { name: string; org: string } }) => {
    const body = req.body ?? {};
    const by = req.apiKey?.name ?? 'unknown';
    const scope = scopeOf(req);
    const run = await createPlaybookEngine(app).decide(req.params.id, { approve, by, scope, ...(body.step && { step: body.step }), ...(body.reason !== undefined && { reason: body.reason }) });
    app.caseChanged(run.caseId);
    return getRun(app, req.params.id, scope);
  };
  s.post('/api/playbooks/runs/:id/approve', { schema: { summary: 'Approve the step a paused run waits on; the run resumes at once', params: RunParams, body: Decision.optional() } }, decide(true));
  s.post('/api/playbooks/runs/:id/reject', { schema: { summary: 'Reject the step a paused run waits on; the run ends rejected', params: RunParams, body: Decision.optional() } }, decide(false));
}
