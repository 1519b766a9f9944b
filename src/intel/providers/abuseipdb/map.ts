import type { IntelResult, Verdict } from '../../../core/types.js';
import type { ObservableRef } from '../../provider.js';
import { count, isoFromText, num, obj, str, strings } from '../shared.js';

export const PROVIDER = 'abuseipdb';

/** AbuseIPDB report category ids (https://www.abuseipdb.com/categories). */
export const CATEGORIES: Record<number, string> = {
  1: 'DNS Compromise', 2: 'DNS Poisoning', 3: 'Fraud Orders', 4: 'DDoS Attack', 5: 'FTP Brute-Force',
  6: 'Ping of Death', 7: 'Phishing', 8: 'Fraud VoIP', 9: 'Open Proxy', 10: 'Web Spam', 11: 'Email Spam',
  12: 'Blog Spam', 13: 'VPN IP', 14: 'Port Scan', 15: 'Hacking', 16: 'SQL Injection', 17: 'Spoofing',
  18: 'Brute-Force', 19: 'Bad Web Bot', 20: 'Exploited Host', 21: 'Web App Attack', 22: 'SSH', 23: 'IoT Targeted',
};
const MAX_RAW_REPORTS = 20;

export interface AbuseMapConfig {
  maxAgeInDays: number;
  maliciousAt: number;
  suspiciousAt: number;
}

export function rejected(o: ObservableRef, detail: string): IntelResult {
  return { provider: PROVIDER, observable: { type: o.type, value: o.value }, verdict: 'unknown', score: 0, evidence: [`AbuseIPDB did not check it: ${detail || 'invalid address'}`], tags: [] };
}

/**
 * A v2 `check` answer → the normalized result. The score is AbuseIPDB's abuse confidence;
 * verdict malicious from `maliciousAt`, suspicious from `suspiciousAt`, safe when AbuseIPDB
 * whitelists the address, unknown when nobody reported it.
 */
export function mapAbuseIpdb(o: ObservableRef, body: unknown, cfg: AbuseMapConfig): IntelResult {
  const d = obj(obj(body).data);
  const confidence = Math.max(0, Math.min(100, num(d.abuseConfidenceScore)));
  const reports = num(d.totalReports);
  const users = num(d.numDistinctUsers);
  const last = isoFromText(d.lastReportedAt);
  const evidence: string[] = [];
  const tags: string[] = [];
  const days = `in the last ${cfg.maxAgeInDays} day${cfg.maxAgeInDays === 1 ? '' : 's'}`;
  if (reports > 0) {
    evidence.push(`abuse confidence ${confidence}, ${count(reports)} report${reports === 1 ? '' : 's'}`);
    evidence.push(`reported by ${count(users)} distinct user${users === 1 ? '' : 's'} ${days}${last ? `, last on ${last.slice(0, 10)}` : ''}`);
  } else {
    evidence.push(`no abuse reports ${days}`);
  }
  const perCategory = new Map<number, number>();
  const rawReports = Array.isArray(d.reports) ? d.reports : [];
  for (const r of rawReports.slice(0, 10_000)) {
    for (const c of Array.isArray(obj(r).categories) ? (obj(r).categories as unknown[]) : []) {
      if (typeof c === 'number' && CATEGORIES[c]) perCategory.set(c, (perCategory.get(c) ?? 0) + 1);
    }
  }
  const top = [...perCategory.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 5);
  if (top.length) {
    evidence.push(`reported for ${top.map(([c, n]) => `${CATEGORIES[c]} (${count(n)})`).join(', ')}`);
    for (const [c] of top) tags.push(CATEGORIES[c]!.toLowerCase());
  }
  if (d.isWhitelisted === true) evidence.push("on AbuseIPDB's whitelist");
  if (d.isTor === true) {
    evidence.push('Tor exit node');
    tags.push('tor');
  }
  const org = [str(d.usageType, 80), str(d.isp, 120) ? `${str(d.isp, 120)}${str(d.domain, 80) ? ` (${str(d.domain, 80)})` : ''}` : undefined, str(d.countryName, 60) ?? str(d.countryCode, 8)].filter(Boolean);
  if (org.length) evidence.push(org.join(', '));
  const cc = str(d.countryCode, 8);
  if (cc) tags.push(`country:${cc}`);
  const hostnames = strings(d.hostnames, 3);
  if (hostnames.length) evidence.push(`hostname${hostnames.length > 1 ? 's' : ''} ${hostnames.join(', ')}`);

  let verdict: Verdict;
  let score = confidence;
  if (d.isWhitelisted === true) {
    verdict = 'safe';
    score = 0;
  } else if (confidence >= cfg.maliciousAt) verdict = 'malicious';
  else if (confidence >= cfg.suspiciousAt) verdict = 'suspicious';
  else if (reports > 0) verdict = 'info';
  else verdict = 'unknown';

  const result: IntelResult = {
    provider: PROVIDER,
    observable: { type: o.type, value: o.value },
    verdict,
    score,
    evidence,
    tags,
    raw: { ...d, reports: rawReports.slice(0, MAX_RAW_REPORTS) },
  };
  if (last) result.lastSeen = last;
  return result;
}
