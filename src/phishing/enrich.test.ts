import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import type { IntelResult } from '../core/types.js';
import type { EnrichedObservable } from '../intel/engine.js';
import type { ObservableRef } from '../intel/provider.js';
import { analyzeEmail } from './analyze.js';
import { enrichReport, type IntelLookup } from './enrich.js';

const FIX = join(import.meta.dirname, 'fixtures');

/** Intel that knows only the rdap answer for one domain. */
function rdapSays(domain: string, evidence: string, tags: string[]): IntelLookup {
  return {
    async enrichMany(obs: Iterable<ObservableRef>) {
      const out = new Map<string, EnrichedObservable>();
      for (const o of obs) {
        if (o.type !== 'domain' || o.value !== domain) continue;
        const r: IntelResult = { provider: 'rdap', observable: o, verdict: tags.includes('new-domain') ? 'suspicious' : 'info', score: tags.includes('new-domain') ? 30 : 0, evidence: [evidence], tags };
        out.set(`${o.type}:${o.value}`, { results: [r], risk: { type: o.type, value: o.value, score: r.score, verdict: 'info', evidence: [`rdap: ${evidence}`] } });
      }
      return out;
    },
  };
}

describe('domain age as a phishing finding', () => {
  const cfg = loadConfig({ env: {}, cwd: tmpdir() }).config.phishing;

  it('adds an intel.suspicious finding when RDAP says the sender domain was registered days ago', async () => {
    const before = await analyzeEmail(readFileSync(join(FIX, 'credential-phish.eml')), { file: 'credential-phish.eml', config: cfg });
    const r = await enrichReport(before, rdapSays('paypa1-secure.com', 'registered 2024-05-12, 3 days ago, by NameCheap, Inc. — newly registered (under 30 days)', ['domain-age:3d', 'new-domain']), cfg);
    const f = r.findings.find((x) => x.id === 'intel.suspicious');
    expect(f).toMatchObject({ message: 'The sender domain paypa1-secure.com is newly registered (registered 2024-05-12, 3 days ago, by NameCheap, Inc.).', evidence: 'paypa1-secure.com: registered 2024-05-12, 3 days ago, by NameCheap, Inc.' });
    expect(f!.weight).toBeGreaterThan(0);
    expect(r.probability).toBeGreaterThanOrEqual(before.probability);
  });

  it('raises an otherwise quiet message by the finding’s points', async () => {
    const before = await analyzeEmail(readFileSync(join(FIX, 'newsletter.eml')), { file: 'newsletter.eml', config: cfg });
    const r = await enrichReport(before, rdapSays('example-shop.com', 'registered 2024-05-12, 2 days ago — newly registered (under 30 days)', ['new-domain']), cfg);
    expect(r.findings.find((x) => x.id === 'intel.suspicious')?.message).toBe('The sender domain example-shop.com is newly registered (registered 2024-05-12, 2 days ago).');
    expect(r.probability).toBeGreaterThan(before.probability);
  });

  it('adds nothing for an established domain', async () => {
    const before = await analyzeEmail(readFileSync(join(FIX, 'credential-phish.eml')), { file: 'credential-phish.eml', config: cfg });
    const r = await enrichReport(before, rdapSays('paypa1-secure.com', 'registered 2009-01-02, 15 years ago', ['domain-age:5600d']), cfg);
    expect(r.findings.some((x) => x.id === 'intel.suspicious')).toBe(false);
  });
});
