import { describe, expect, it } from 'vitest';
import type { EnrichAnswer } from '../../action.js';
import { ctxFor } from '../fake-servers.js';
import enrich, { EnrichInput } from './index.js';

describe('enrich', () => {
  const asked: Array<{ refs: unknown; opts: unknown }> = [];
  const fake = async (refs: Array<{ type: string; value: string }>, opts: { providers?: string[] }): Promise<EnrichAnswer[]> => {
    asked.push({ refs, opts });
    return refs.map((r) => ({ ...r, verdict: r.value.startsWith('185.') ? 'malicious' : 'safe', score: r.value.startsWith('185.') ? 90 : 0, evidence: [], providers: ['local-feeds'] }));
  };
  const services = { fetch, env: {}, log: undefined as never, enrich: fake };

  it('looks the case observables up again (filtered by type) and reports the verdicts', async () => {
    const out = await enrich.run(EnrichInput.parse({ types: ['ipv4'], providers: ['abuseipdb'] }), ctxFor({}, { services }));
    expect(out).toMatchObject({
      status: 'executed',
      reason: '4 observables looked up: 1 malicious, 0 suspicious',
      outputs: { malicious: ['185.220.101.4'], suspicious: [], count: 4 },
    });
    expect(asked[0]).toEqual({ refs: expect.arrayContaining([{ type: 'ipv4', value: '185.220.101.4', scope: 'public' }]), opts: { providers: ['abuseipdb'] } });
  });

  it('takes an explicit list, whose values make the target', async () => {
    const input = EnrichInput.parse({ observables: [{ type: 'domain', value: 'b.example', verdict: 'x' }, { type: 'domain', value: 'a.example' }] });
    expect(enrich.target(input)).toBe('a.example, b.example');
    expect(enrich.target(EnrichInput.parse({}))).toBe('case observables');
    expect((await enrich.run(input, ctxFor({}, { services }))).outputs).toMatchObject({ count: 2 });
  });

  it('only says what it would look up in dry run, or where there is no intel engine', async () => {
    expect(await enrich.run(EnrichInput.parse({}), ctxFor({}, { dryRun: true, services }))).toMatchObject({ status: 'simulated', reason: 'would look up 6 observables' });
    expect((await enrich.run(EnrichInput.parse({}), ctxFor({}))).status).toBe('simulated');
  });
});
