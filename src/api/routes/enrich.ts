// POST /api/enrich: the IOC box. Any text (defanged too) or a list → every indicator extracted and
// looked up with the enabled intel providers, each with its unified verdict, score and evidence.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../app.js';
import { VigilError } from '../../core/errors.js';
import { ObservableType, type Observable } from '../../core/types.js';
import { IntelEngine, observableKey, type EnrichedObservable } from '../../intel/engine.js';
import { shownAnswer } from '../../intel/provider.js';
import { extractIocs, IOC_TYPES, ipScope } from '../../ioc/index.js';
import { ErrorBody } from './common.js';

export const MAX_ENRICH_TEXT = 1_000_000;
export const MAX_ENRICH_OBSERVABLES = 1000;

const Result = z.object({
  provider: z.string(),
  verdict: z.string(),
  score: z.number(),
  evidence: z.array(z.string()),
  tags: z.array(z.string()),
  firstSeen: z.string().optional(),
  lastSeen: z.string().optional(),
  partial: z.boolean().optional(),
  error: z.string().optional(),
});

export const EnrichedRow = z.object({
  type: z.string(),
  value: z.string(),
  /** As first written in the input (defanged or not). */
  raw: z.string().optional(),
  defanged: z.boolean(),
  occurrences: z.number(),
  scope: z.string().optional(),
  /** Whether the providers were asked: private addresses and context types are not. */
  looked: z.boolean(),
  note: z.string().optional(),
  verdict: z.string(),
  score: z.number(),
  evidence: z.array(z.string()),
  results: z.array(Result),
  cached: z.array(z.string()).optional(),
  warninglist: z.string().optional(),
});

const Body = z
  .object({
    text: z.string().max(MAX_ENRICH_TEXT).optional().describe('Free text, HTML or JSON; defanged indicators (hxxp, [.]) are recognised'),
    observables: z
      .array(z.union([z.string().max(10_000), z.object({ type: ObservableType, value: z.string().min(1).max(10_000) })]))
      .max(MAX_ENRICH_OBSERVABLES)
      .optional()
      .describe('Values (each read like text) or typed observables'),
    providers: z.array(z.string().max(50)).max(50).optional().describe('Only these intel providers'),
    cache: z.boolean().default(true).describe('false: ask remote providers again instead of using cached answers'),
  })
  .refine((b) => (b.text?.trim().length ?? 0) > 0 || (b.observables?.length ?? 0) > 0, { message: 'give text or observables', path: ['text'] });

interface Found {
  o: Observable;
  raw?: string;
  defanged: boolean;
  occurrences: number;
}

function collect(body: z.infer<typeof Body>): { found: Found[]; truncated: boolean } {
  const byKey = new Map<string, Found>();
  let truncated = false;
  const add = (f: Found): void => {
    const k = observableKey(f.o);
    const cur = byKey.get(k);
    if (cur) {
      cur.occurrences += f.occurrences;
      return;
    }
    if (byKey.size >= MAX_ENRICH_OBSERVABLES) {
      truncated = true;
      return;
    }
    byKey.set(k, f);
  };
  const texts = [body.text ?? '', ...(body.observables ?? []).filter((x): x is string => typeof x === 'string')].filter((x) => x.trim());
  for (const text of texts) {
    const r = extractIocs(text);
    for (const type of IOC_TYPES) {
      for (const ioc of r[type]) {
        const first = ioc.occurrences[0];
        add({
          o: { type, value: ioc.value, ...(ioc.scope && { scope: ioc.scope }) },
          ...(first && { raw: first.raw }),
          defanged: ioc.occurrences.some((o) => o.defanged),
          occurrences: ioc.occurrences.length,
        });
      }
    }
  }
  for (const x of body.observables ?? []) {
    if (typeof x === 'string') continue;
    const value = x.value.trim();
    const scope = x.type === 'ipv4' || x.type === 'ipv6' ? ipScope(value) : undefined;
    add({ o: { type: x.type, value, ...(scope && { scope }) }, defanged: false, occurrences: 1 });
  }
  return { found: [...byKey.values()], truncated };
}

function note(o: Observable): string {
  if (o.type === 'ipv4' || o.type === 'ipv6') return `${o.scope ?? 'non-public'} address: never sent to intel providers`;
  return `${o.type} values are not looked up`;
}

export function registerEnrich(server: FastifyInstance, app: App): void {
  server.withTypeProvider<ZodTypeProvider>().post(
    '/api/enrich',
    {
      schema: {
        summary: 'Extract every indicator from text (defanged too) or a list, and enrich each with the intel providers: verdict, score and evidence',
        tags: ['ui'],
        body: Body,
        response: {
          200: z.object({
            observables: z.array(EnrichedRow),
            providers: z.array(z.string()),
            counts: z.record(z.string(), z.number()),
            truncated: z.boolean(),
          }),
          400: ErrorBody,
        },
      },
      bodyLimit: MAX_ENRICH_TEXT * 2 + 65_536,
    },
    async (req) => {
      const { found, truncated } = collect(req.body);
      if (req.body.providers) {
        const unknown = req.body.providers.filter((p) => !app.intel.providers.includes(p));
        if (unknown.length) throw new VigilError('VIGIL_INPUT_INVALID', `not an enabled intel provider: ${unknown.join(', ')} (enabled: ${app.intel.providers.join(', ') || 'none'})`, { field: 'providers' });
      }
      const wanted = found.filter((f) => IntelEngine.enrichable(f.o));
      const answers: Map<string, EnrichedObservable> = wanted.length ? await app.intel.enrichMany(wanted.map((f) => f.o), { ...(req.body.providers && { providers: req.body.providers }), cache: req.body.cache }) : new Map();
      const counts: Record<string, number> = { total: found.length, malicious: 0, suspicious: 0, info: 0, safe: 0, unknown: 0 };
      const out = found.map((f) => {
        const e = answers.get(observableKey(f.o));
        const verdict = e?.risk.verdict ?? 'unknown';
        counts[verdict] = (counts[verdict] ?? 0) + 1;
        return {
          type: f.o.type,
          value: f.o.value,
          ...(f.raw !== undefined && f.raw !== f.o.value && { raw: f.raw }),
          defanged: f.defanged,
          occurrences: f.occurrences,
          ...(f.o.scope && { scope: f.o.scope }),
          looked: Boolean(e),
          ...(!e && { note: note(f.o) }),
          verdict,
          score: e?.risk.score ?? 0,
          evidence: e?.risk.evidence ?? [],
          results: (e?.results ?? []).map((r) => ({
            ...shownAnswer(r),
            ...(r.partial && { partial: true }),
            ...(r.error && { error: r.error }),
          })),
          ...(e?.cached?.length && { cached: e.cached }),
          ...(e?.warninglist && { warninglist: e.warninglist.list }),
        };
      });
      const rank: Record<string, number> = { malicious: 0, suspicious: 1, info: 2, unknown: 3, safe: 4 };
      out.sort((a, b) => (rank[a.verdict] ?? 9) - (rank[b.verdict] ?? 9) || b.score - a.score);
      return { observables: out, providers: app.intel.providers, counts, truncated };
    },
  );
}
