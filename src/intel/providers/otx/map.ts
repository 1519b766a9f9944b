import type { IntelResult, ObservableType } from '../../../core/types.js';
import type { ObservableRef } from '../../provider.js';
import { count, isoFromText, obj, str, strings } from '../shared.js';

export const PROVIDER = 'otx';

/** OTX's indicator section for each observable type (`/api/v1/indicators/{section}/{value}/general`). */
export const SECTIONS: Partial<Record<ObservableType, string>> = { ipv4: 'IPv4', ipv6: 'IPv6', domain: 'domain', url: 'url', md5: 'file', sha1: 'file', sha256: 'file' };

export interface OtxMapConfig {
  maliciousAt: number;
  suspiciousAt: number;
}

/**
 * An OTX `general` answer → the normalized result. The pulses (community threat reports) that list
 * the observable decide: `maliciousAt` (5) or more is malicious (70, plus 2 per further pulse),
 * `suspiciousAt` (2) or more suspicious (40 plus 5 per further pulse), one is info (15): a single
 * community pulse is often a sandbox run or a noisy list. OTX's own validation (a whitelisted
 * domain, a known-good resolver) or false-positive reports make it safe. Evidence names the newest
 * pulses, malware families, ATT&CK techniques and adversaries.
 */
export function mapOtx(o: ObservableRef, body: unknown, cfg: OtxMapConfig): IntelResult {
  const d = obj(body);
  const pi = obj(d.pulse_info);
  const pulses = (Array.isArray(pi.pulses) ? pi.pulses : []).slice(0, 200).map(obj);
  const n = Math.max(typeof pi.count === 'number' && Number.isFinite(pi.count) ? pi.count : 0, pulses.length);
  const validation = (Array.isArray(d.validation) ? d.validation : []).slice(0, 10).map(obj);
  const falsePositive = Array.isArray(d.false_positive) ? d.false_positive.length : 0;
  const dated = pulses.map((p) => ({ p, at: isoFromText(p.modified) ?? isoFromText(p.created) })).sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''));
  const families = new Set<string>();
  const attack = new Set<string>();
  const adversaries = new Set<string>();
  const tags = new Set<string>();
  for (const { p } of dated) {
    for (const m of Array.isArray(p.malware_families) ? p.malware_families.slice(0, 20) : []) {
      const name = typeof m === 'string' ? str(m, 60) : str(obj(m).display_name, 60);
      if (name) families.add(name);
    }
    for (const a of Array.isArray(p.attack_ids) ? p.attack_ids.slice(0, 30) : []) {
      const id = typeof a === 'string' ? str(a, 20) : str(obj(a).id, 20);
      if (id && /^T\d{4}(\.\d{3})?$/.test(id)) attack.add(id);
    }
    const adv = str(p.adversary, 80);
    if (adv) adversaries.add(adv);
    for (const t of strings(p.tags, 10)) if (tags.size < 10) tags.add(t.toLowerCase());
  }
  const evidence: string[] = [];
  if (n > 0) {
    const newest = dated.slice(0, 3).map(({ p, at }) => `"${str(p.name, 100) ?? 'unnamed'}"${at ? ` (${at.slice(0, 10)})` : ''}`);
    evidence.push(`in ${count(n)} OTX pulse${n === 1 ? '' : 's'}${newest.length ? `, newest ${newest.join(', ')}` : ''}`);
  } else {
    evidence.push('in no OTX pulse');
  }
  if (families.size) evidence.push(`malware: ${[...families].slice(0, 5).join(', ')}`);
  if (adversaries.size) evidence.push(`adversary: ${[...adversaries].slice(0, 3).join(', ')}`);
  if (attack.size) evidence.push(`ATT&CK ${[...attack].slice(0, 8).join(', ')}`);
  const valid = validation.map((v) => str(v.message, 120) ?? str(v.name, 120)).filter(Boolean);
  if (valid.length) evidence.push(`OTX validation: ${valid.slice(0, 2).join('; ')}`);
  if (falsePositive) evidence.push(`reported as a false positive ${falsePositive} time${falsePositive === 1 ? '' : 's'}`);

  let verdict: IntelResult['verdict'];
  let score = 0;
  if (valid.length || falsePositive) verdict = 'safe';
  else if (n >= cfg.maliciousAt) {
    verdict = 'malicious';
    score = Math.min(100, 70 + 2 * (n - cfg.maliciousAt));
  } else if (n >= cfg.suspiciousAt) {
    verdict = 'suspicious';
    score = Math.min(69, 40 + 5 * (n - cfg.suspiciousAt));
  } else if (n > 0) {
    verdict = 'info';
    score = 15;
  } else verdict = 'unknown';

  const result: IntelResult = {
    provider: PROVIDER,
    observable: { type: o.type, value: o.value },
    verdict,
    score,
    evidence,
    tags: [...[...families].slice(0, 5).map((f) => f.toLowerCase()), ...attack, ...tags].slice(0, 25),
    raw: { count: n, pulses: dated.slice(0, 10).map(({ p }) => ({ id: p.id, name: p.name, modified: p.modified, tlp: p.TLP ?? p.tlp })), validation, reputation: d.reputation },
  };
  const newest = dated[0]?.at;
  const oldest = dated.length ? dated[dated.length - 1]!.at : undefined;
  if (newest) result.lastSeen = newest;
  if (oldest) result.firstSeen = oldest;
  return result;
}

/** OTX has no page for the value (404): unknown. */
export function notInOtx(o: ObservableRef, detail: string): IntelResult {
  return { provider: PROVIDER, observable: { type: o.type, value: o.value }, verdict: 'unknown', score: 0, evidence: [`not in OTX${detail ? ` (${detail})` : ''}`], tags: [] };
}
