import type { IntelResult } from '../../../core/types.js';
import type { ObservableRef } from '../../provider.js';
import { obj, strings } from '../shared.js';

export const PROVIDER = 'internetdb';

function list(xs: readonly (string | number)[], n: number): string {
  return `${xs.slice(0, n).join(', ')}${xs.length > n ? ` (+${xs.length - n})` : ''}`;
}

/**
 * An InternetDB answer (`{ip, ports[], hostnames[], cpes[], tags[], vulns[]}`) → the normalized
 * result: what the address exposes, as context (info, score 0), unless Shodan tags it with one of
 * `suspiciousTags` (suspicious, `suspiciousScore`). 404 (`{"detail":"No information available"}`)
 * is unknown.
 */
export function mapInternetDb(o: ObservableRef, body: unknown, cfg: { suspiciousTags: readonly string[]; suspiciousScore: number }): IntelResult {
  const d = obj(body);
  const ports = (Array.isArray(d.ports) ? d.ports : []).filter((p): p is number => Number.isInteger(p) && p >= 0 && p <= 65535).slice(0, 200).sort((a, b) => a - b);
  const tags = strings(d.tags, 30).map((t) => t.toLowerCase());
  const vulns = strings(d.vulns, 500).filter((v) => /^CVE-\d{4}-\d+$/i.test(v));
  const cpes = strings(d.cpes, 50);
  const hostnames = strings(d.hostnames, 20);
  const evidence: string[] = [];
  if (ports.length) evidence.push(`open port${ports.length > 1 ? 's' : ''} ${list(ports, 12)}`);
  if (tags.length) evidence.push(`Shodan tags: ${tags.join(', ')}`);
  if (vulns.length) evidence.push(`${vulns.length} known vulnerabilit${vulns.length > 1 ? 'ies' : 'y'} by version: ${list(vulns, 5)}`);
  if (cpes.length) evidence.push(`software ${list(cpes, 5)}`);
  if (hostnames.length) evidence.push(`hostname${hostnames.length > 1 ? 's' : ''} ${list(hostnames, 3)}`);
  const flagged = tags.filter((t) => cfg.suspiciousTags.includes(t));
  const known = ports.length + tags.length + vulns.length + cpes.length + hostnames.length > 0;
  if (!known) evidence.push('Shodan has no open ports or tags for it');
  return {
    provider: PROVIDER,
    observable: { type: o.type, value: o.value },
    verdict: flagged.length ? 'suspicious' : known ? 'info' : 'unknown',
    score: flagged.length ? cfg.suspiciousScore : 0,
    evidence,
    tags: [...tags, ...ports.slice(0, 20).map((p) => `port:${p}`), ...(vulns.length ? ['vulnerable'] : [])],
    raw: { ports, tags, vulns: vulns.slice(0, 100), cpes, hostnames },
  };
}

export function noInfo(o: ObservableRef): IntelResult {
  return { provider: PROVIDER, observable: { type: o.type, value: o.value }, verdict: 'unknown', score: 0, evidence: ['not in Shodan InternetDB (no open ports seen)'], tags: [] };
}
