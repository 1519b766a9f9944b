import type { IntelResult, Verdict } from '../../../core/types.js';
import type { ObservableRef } from '../../provider.js';
import { count, isoFromEpoch, num, obj, str, strings } from '../shared.js';

export const PROVIDER = 'virustotal';
const MAX_ENGINES_NAMED = 5;

/** The v3 API path for an observable: ip_addresses, domains, urls (unpadded base64url id) or files. */
export function vtPath(o: ObservableRef): string | undefined {
  switch (o.type) {
    case 'ipv4':
    case 'ipv6':
      return `/api/v3/ip_addresses/${encodeURIComponent(o.value)}`;
    case 'domain':
      return `/api/v3/domains/${encodeURIComponent(o.value)}`;
    case 'url':
      return `/api/v3/urls/${Buffer.from(o.value, 'utf8').toString('base64url')}`;
    case 'md5':
    case 'sha1':
    case 'sha256':
      return `/api/v3/files/${o.value}`;
    default:
      return undefined;
  }
}

export function unknownToVt(o: ObservableRef): IntelResult {
  return { provider: PROVIDER, observable: { type: o.type, value: o.value }, verdict: 'unknown', score: 0, evidence: ['not known to VirusTotal'], tags: [] };
}

/**
 * A v3 object answer → the normalized result. Verdict from the engines that say malicious:
 * `maliciousAt` or more → malicious, score 70 + 2 per further engine; fewer (or two or more saying
 * suspicious) → suspicious, 35–69 by share of `maliciousAt`; none → safe when engines looked and the
 * community reputation is not negative; no analysis → unknown.
 */
export function mapVirusTotal(o: ObservableRef, body: unknown, cfg: { maliciousAt: number }): IntelResult {
  const data = obj(obj(body).data);
  const a = obj(data.attributes);
  const stats = obj(a.last_analysis_stats);
  const m = num(stats.malicious);
  const s = num(stats.suspicious);
  let total = 0;
  for (const v of Object.values(stats)) total += num(v);
  const evidence: string[] = [];
  const tags: string[] = [];

  if (total > 0) evidence.push(`${m}/${total} engines flag it${s ? `, ${s} more call it suspicious` : ''}`);
  else evidence.push('no engine has analysed it yet');
  const results = obj(a.last_analysis_results);
  const named: string[] = [];
  const flaggedResults: Record<string, unknown> = {};
  for (const [engine, r0] of Object.entries(results)) {
    const r = obj(r0);
    if (r.category !== 'malicious' && r.category !== 'suspicious') continue;
    flaggedResults[engine] = r;
    if (named.length < MAX_ENGINES_NAMED) named.push(`${str(r.engine_name, 60) ?? engine.slice(0, 60)}${str(r.result, 80) && r.result !== 'malicious' && r.result !== 'suspicious' ? ` (${str(r.result, 80)})` : ''}`);
  }
  if (named.length) evidence.push(`flagged by ${named.join(', ')}${m + s > named.length ? ', …' : ''}`);
  const label = str(obj(a.popular_threat_classification).suggested_threat_label, 100);
  if (label) {
    evidence.push(`threat label ${label}`);
    tags.push(label);
  }
  const rep = num(a.reputation);
  const votes = obj(a.total_votes);
  if (rep !== 0 || num(votes.malicious) || num(votes.harmless)) {
    evidence.push(`community reputation ${rep} (votes: ${count(num(votes.harmless))} harmless, ${count(num(votes.malicious))} malicious)`);
  }
  switch (o.type) {
    case 'ipv4':
    case 'ipv6': {
      const owner = str(a.as_owner, 120);
      const asn = num(a.asn);
      const where = [asn ? `AS${asn}` : undefined, owner].filter(Boolean).join(' ');
      const country = str(a.country, 8);
      if (where || country) evidence.push(`network ${[where, country, str(a.network, 50)].filter(Boolean).join(', ')}`);
      if (asn) tags.push(`AS${asn}`);
      if (country) tags.push(`country:${country}`);
      break;
    }
    case 'domain': {
      const cats = [...new Set(Object.values(obj(a.categories)).filter((c): c is string => typeof c === 'string'))].slice(0, 5);
      if (cats.length) evidence.push(`categories: ${cats.join(', ')}`);
      const created = isoFromEpoch(a.creation_date);
      const registrar = str(a.registrar, 120);
      if (created || registrar) evidence.push(`registered${created ? ` ${created.slice(0, 10)}` : ''}${registrar ? ` with ${registrar}` : ''}`);
      break;
    }
    case 'url': {
      const final = str(a.last_final_url, 300);
      if (final && final !== o.value && final !== str(a.url, 300)) evidence.push(`leads to ${final}`);
      const code = num(a.last_http_response_code);
      if (code) evidence.push(`last answered HTTP ${code}`);
      break;
    }
    default: {
      const name = str(a.meaningful_name, 120);
      const kind = str(a.type_description, 80);
      const size = num(a.size);
      const what = [name, kind, size ? `${count(size)} bytes` : undefined].filter(Boolean);
      if (what.length) evidence.push(what.join(', '));
    }
  }
  for (const t of strings(a.tags, 20)) if (!tags.includes(t)) tags.push(t);

  let verdict: Verdict;
  let score: number;
  if (m >= cfg.maliciousAt) {
    verdict = 'malicious';
    score = Math.min(100, 70 + (m - cfg.maliciousAt) * 2);
  } else if (m > 0 || s >= 2) {
    verdict = 'suspicious';
    score = Math.min(69, 35 + Math.round(((m + s / 2) / cfg.maliciousAt) * 30));
  } else if (s === 1) {
    verdict = 'info';
    score = 10;
  } else if (total > 0) {
    verdict = rep < 0 ? 'info' : 'safe';
    score = 0;
  } else {
    verdict = 'unknown';
    score = 0;
  }

  const result: IntelResult = {
    provider: PROVIDER,
    observable: { type: o.type, value: o.value },
    verdict,
    score,
    evidence,
    tags,
    // The per-engine table is most of a VirusTotal answer; only the engines that flagged it matter.
    raw: { id: data.id, type: data.type, links: data.links, attributes: { ...a, last_analysis_results: flaggedResults } },
  };
  const first = isoFromEpoch(a.first_submission_date) ?? isoFromEpoch(a.creation_date);
  const last = isoFromEpoch(a.last_analysis_date);
  if (first) result.firstSeen = first;
  if (last) result.lastSeen = last;
  return result;
}
