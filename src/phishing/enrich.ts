import type { Observable } from '../core/types.js';
import { IntelEngine, observableKey, type EnrichedObservable } from '../intel/engine.js';
import type { ObservableRef } from '../intel/provider.js';
import type { PhishingConfig } from './config.js';
import { FINDINGS, clip, defangEvidence } from './findings.js';
import { observablesOf } from './iocs.js';
import type { EnrichmentEntry, Finding, PhishReport } from './types.js';
import { addFindings } from './model.js';

/** What enrichment needs from the intel engine (the App's, or a fake in tests). */
export interface IntelLookup {
  enrichMany(observables: Iterable<ObservableRef>): Promise<Map<string, EnrichedObservable>>;
}

/**
 * Looks the message's indicators up with the configured intel providers (local feeds by default,
 * remote ones when configured), records what they say, and adds intel findings to the verdict.
 */
export async function enrichReport(r: PhishReport, intel: IntelLookup, cfg: PhishingConfig): Promise<PhishReport> {
  const obs: Observable[] = observablesOf(r).filter((o) => o.role !== 'recipient' && IntelEngine.enrichable(o));
  const answers = await intel.enrichMany(obs);
  const entries: EnrichmentEntry[] = [];
  for (const o of obs) {
    const e = answers.get(observableKey(o));
    // Only what some provider knows: "looked up, nothing found" for every indicator is noise.
    if (!e || e.results.length === 0 || (e.risk.verdict === 'unknown' && e.risk.evidence.length === 0)) continue;
    entries.push({ type: o.type, value: o.value, role: o.role ?? '', verdict: e.risk.verdict, score: e.risk.score, evidence: e.risk.evidence.slice(0, 5) });
  }
  const findings: Finding[] = [];
  const add = (id: 'intel.malicious' | 'intel.suspicious', hits: EnrichmentEntry[]) => {
    if (!hits.length || r.findings.some((f) => f.id === id)) return;
    const h = hits[0]!;
    const weight = cfg.weights[id] ?? FINDINGS[id].weight;
    const what = `${h.role ? `${h.role} ` : ''}${h.type} ${h.value}`;
    findings.push({
      id,
      weight,
      message: `${hits.length === 1 ? `The ${what} is` : `${hits.length} indicators are`} ${id === 'intel.malicious' ? 'malicious' : 'suspicious'} according to threat intel${h.evidence[0] ? ` (${h.evidence[0]})` : ''}.`,
      evidence: defangEvidence(clip(`${h.type} ${h.value} — risk ${h.score}${h.evidence.length ? `: ${h.evidence.join('; ')}` : ''}`)),
    });
  };
  add('intel.malicious', entries.filter((e) => e.verdict === 'malicious'));
  add('intel.suspicious', entries.filter((e) => e.verdict === 'suspicious'));
  // Domain age from the rdap provider (when it is on): a sender or link domain registered days ago
  // is an intel.suspicious finding (young domains are what phishing runs on), or adds to that finding.
  const young = obs.flatMap((o) => {
    const rd = o.type === 'domain' ? answers.get(observableKey(o))?.results.find((x) => x.provider === 'rdap' && !x.partial && x.tags.includes('new-domain')) : undefined;
    return rd ? [{ o, said: rd.evidence[0]?.split(' — ')[0] ?? 'recently registered' }] : [];
  });
  if (young.length && !r.findings.some((f) => f.id === 'intel.suspicious')) {
    const { o, said } = young[0]!;
    const line = `The ${o.role ? `${o.role} ` : ''}domain ${o.value} is newly registered (${said}).`;
    const ages = young.map((y) => `${y.o.value}: ${y.said}`).join('; ');
    const existing = findings.find((f) => f.id === 'intel.suspicious');
    if (existing) {
      existing.message = `${existing.message} ${line}`;
      existing.evidence = clip(`${existing.evidence}; ${ages}`);
    } else {
      findings.push({ id: 'intel.suspicious', weight: cfg.weights['intel.suspicious'] ?? FINDINGS['intel.suspicious'].weight, message: line, evidence: clip(ages) });
    }
  }
  const scored = addFindings(r, findings, { weights: cfg.weights, thresholds: cfg.thresholds });
  return { ...r, ...scored, enrichment: entries };
}
