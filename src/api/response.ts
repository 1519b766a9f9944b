import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../app.js';
import { getEffect, listEffects, releaseEffect } from '../playbooks/response.js';
import { scopeOf } from '../store/scope.js';
import { refusePipelineChange } from './routes/common.js';

const Params = z.object({ id: z.string().min(1).max(200) });
const Release = z.strictObject({ reason: z.string().max(2_000).optional() });
const STATES = ['pending', 'active', 'releasing', 'released'] as const;

/**
 * The response ledger over HTTP: every block and containment, one per target, with the cases that
 * hold it; releasing one undoes it now for all of them. An organisation sees the effects its cases
 * hold; releasing is the pipeline organisation's (its playbooks made them).
 */
export function registerResponse(server: FastifyInstance, app: App): void {
  const s = server.withTypeProvider<ZodTypeProvider>();
  s.get(
    '/api/response',
    {
      schema: {
        summary: 'Effects on the outside world (blocks, containments), one per target, with the cases holding each; newest first',
        querystring: z.object({
          state: z.enum(STATES).optional(),
          kind: z.string().max(64).optional(),
          case: z.coerce.number().int().min(1).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (req) => ({
      effects: await listEffects(app, { ...(req.query.state && { state: [req.query.state] }), ...(req.query.kind && { kind: req.query.kind }), ...(req.query.case !== undefined && { caseNumber: req.query.case }), limit: req.query.limit }, scopeOf(req)),
    }),
  );
  s.get('/api/response/:id', { schema: { summary: 'One effect (by id or target) with its holders', params: Params } }, async (req) => getEffect(app, req.params.id, scopeOf(req)));
  s.post(
    '/api/response/:id/release',
    { schema: { summary: 'End an active effect for every case holding it and undo it now (unblock, lift containment); recorded on each case', params: Params, body: Release.optional() } },
    async (req, reply) => {
      const scope = scopeOf(req);
      // Not found first: another organisation must not learn that the effect exists.
      await getEffect(app, req.params.id, scope);
      if (!scope.ownsPipeline) return refusePipelineChange(reply, scope.pipelineRefusal('releasing a response effect'));
      return releaseEffect(app, req.params.id, { by: `api:${req.apiKey?.name ?? 'unknown'}`, ...(req.body?.reason !== undefined && { reason: req.body.reason }), scope });
    },
  );
}
