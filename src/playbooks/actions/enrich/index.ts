import { z } from 'zod';
import { contentHash } from '../../../core/ids.js';
import { actionConfig, defineResponseAction } from '../../action.js';

const Ref = z.object({ type: z.string().min(1), value: z.string().min(1).max(4_000), scope: z.string().optional() });

export const EnrichInput = z.strictObject({
  /** Observables to look up (objects with type and value, as in `case.observables`); default: every observable of the case. */
  observables: z.array(Ref).max(1_000).optional(),
  /** Only these observable types. */
  types: z.array(z.string()).optional(),
  /** Only these intel providers (default: every enabled one). */
  providers: z.array(z.string()).optional(),
});
export type EnrichInput = z.infer<typeof EnrichInput>;

function targetOf(i: EnrichInput): string {
  if (!i.observables) return `case observables${i.types ? ` (${i.types.join(', ')})` : ''}`;
  const values = i.observables.map((o) => o.value).sort();
  const text = values.join(', ');
  // The target is part of the idempotency key: a different set of observables is a new lookup.
  return text.length <= 120 ? text : `${values.length} observables ${contentHash(text).slice(0, 12)}`;
}

export default defineResponseAction({
  id: 'enrich',
  description: 'Look observables up again with the enabled intel providers and store the fresh verdicts on the case.',
  destructive: false,
  inputSchema: EnrichInput,
  configSchema: actionConfig({}),
  outputs: {
    results: 'one {type, value, verdict, score} per observable looked up',
    malicious: 'values now judged malicious',
    suspicious: 'values now judged suspicious',
    count: 'how many were looked up',
  },
  target: targetOf,
  async run(input, ctx) {
    const chosen = (input.observables ?? ctx.case.observables).filter((o) => !input.types || input.types.includes(o.type));
    const refs = chosen.map((o) => ({ type: o.type, value: o.value, ...(o.scope !== undefined && { scope: o.scope }) }));
    if (ctx.dryRun || !ctx.services.enrich) {
      return {
        status: 'simulated',
        reason: `would look up ${refs.length} observable${refs.length === 1 ? '' : 's'}${input.providers ? ` with ${input.providers.join(', ')}` : ''}`,
        details: { observables: refs },
        outputs: { results: [], malicious: [], suspicious: [], count: refs.length },
      };
    }
    const answers = await ctx.services.enrich(refs, { ...(input.providers && { providers: input.providers }) });
    const results = answers.map((a) => ({ type: a.type, value: a.value, verdict: a.verdict, score: a.score }));
    const malicious = answers.filter((a) => a.verdict === 'malicious').map((a) => a.value);
    const suspicious = answers.filter((a) => a.verdict === 'suspicious').map((a) => a.value);
    return {
      status: 'executed',
      reason: `${answers.length} observable${answers.length === 1 ? '' : 's'} looked up: ${malicious.length} malicious, ${suspicious.length} suspicious`,
      details: { results: answers },
      outputs: { results, malicious, suspicious, count: answers.length },
    };
  },
});
