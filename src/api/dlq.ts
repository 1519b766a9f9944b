import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../app.js';
import { scopeOf } from '../store/scope.js';

const DeadLetter = z.object({
  seq: z.number(),
  id: z.string(),
  stage: z.string(),
  partition: z.number(),
  error: z.string(),
  deliveries: z.number(),
  at: z.string(),
  bytes: z.number(),
});

/** `GET /api/dlq`: the distributed mode's dead letters (retry them with `vigil dlq retry`). */
export function registerDlq(server: FastifyInstance, app: App): void {
  server.withTypeProvider<ZodTypeProvider>().get(
    '/api/dlq',
    {
      schema: {
        summary: 'Dead letters of the distributed mode: messages a stage failed on bus.maxDeliver times, with the reason (empty when running embedded)',
        tags: ['operations'],
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: { 200: z.object({ mode: z.enum(['distributed', 'embedded']), dead: z.array(DeadLetter) }) },
      },
    },
    // Dead letters are the pipeline's messages (its alerts and their errors): its organisation's only.
    async (req) => (app.bus ? { mode: 'distributed' as const, dead: scopeOf(req).ownsPipeline ? await app.bus.listDead(req.query.limit) : [] } : { mode: 'embedded' as const, dead: [] }),
  );
}
