import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../store/db.js';
import { scopeOf } from '../../store/scope.js';

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) });

/** Rows of a raw query, on either driver. */
export async function rows<T>(db: Db, query: SQL): Promise<T[]> {
  const r = await db.execute(query);
  return ((r as unknown as { rows?: T[] }).rows ?? []) as T[];
}

/** A user's text as a LIKE pattern matching it anywhere, its wildcards taken literally. */
export function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The organisation of the key behind the request (see OrgScope): each sees only its own cases and alerts. */
export function orgOf(req: FastifyRequest): string {
  return scopeOf(req).org;
}

/** A 403 for a change only the pipeline's organisation may make (ingestion, feed imports). */
export function refusePipelineChange(reply: FastifyReply, message: string): FastifyReply {
  return reply.status(403).send({ error: { code: 'VIGIL_AUTH_FORBIDDEN', message } });
}

/** A comma-separated query value as a list (`HIGH,CRITICAL`). */
export function csv<T extends string>(allowed: readonly T[]) {
  return z
    .string()
    .max(500)
    .transform((v, ctx) => {
      const out: T[] = [];
      for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
        if (!(allowed as readonly string[]).includes(part)) {
          ctx.addIssue({ code: 'custom', message: `"${part.slice(0, 40)}" is not one of ${allowed.join(', ')}` });
          return z.NEVER;
        }
        out.push(part as T);
      }
      return out;
    });
}

export const Paging = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

/** A case as lists show it. */
export const CaseSummary = z.object({
  id: z.string(),
  number: z.number(),
  title: z.string(),
  status: z.string(),
  severity: z.string(),
  score: z.number(),
  alertCount: z.number(),
  firstAlertAt: z.string(),
  lastAlertAt: z.string(),
});
