import type { IntelResult } from '../../../core/types.js';
import type { ObservableRef } from '../../provider.js';
import { isoFromText, obj, str } from '../shared.js';

export const PROVIDER = 'greynoise';

/**
 * A Community API answer (`{ip, noise, riot, classification, name, link, last_seen, message}`) →
 * the normalized result. RIOT (a known business service: a CDN, a public resolver, Microsoft 365)
 * and scanners GreyNoise calls benign are `safe`: internet background noise, not an attack on you.
 * Scanners with malicious intent are `suspicious` (`maliciousScore`): they hit everyone, so on
 * their own they say little about a targeted attack. A 404 (never seen) is `unknown`.
 */
export function mapGreyNoise(o: ObservableRef, body: unknown, maliciousScore: number): IntelResult {
  const d = obj(body);
  const noise = d.noise === true;
  const riot = d.riot === true;
  const cls = str(d.classification, 20)?.toLowerCase();
  const name = str(d.name, 120);
  const named = name && name.toLowerCase() !== 'unknown' ? name : undefined;
  const last = isoFromText(d.last_seen);
  const evidence: string[] = [];
  const tags: string[] = [];
  let verdict: IntelResult['verdict'] = 'unknown';
  let score = 0;
  if (riot) {
    evidence.push(`a known business service${named ? ` (${named})` : ''}: traffic from it is expected (GreyNoise RIOT)`);
    tags.push('riot');
    verdict = 'safe';
  }
  if (noise) {
    const said = cls === 'malicious' ? 'with malicious intent' : cls === 'benign' ? `by a benign scanner${named ? ` (${named})` : ''}` : 'with unknown intent';
    evidence.push(`seen scanning the internet ${said}${last ? `, last on ${last.slice(0, 10)}` : ''}`);
    tags.push('scanner');
    if (cls === 'malicious') {
      verdict = 'suspicious';
      score = maliciousScore;
    } else if (cls === 'benign') verdict = 'safe';
    else if (verdict === 'unknown') verdict = 'info';
  }
  if (cls) tags.push(`greynoise:${cls}`);
  if (!riot && !noise) evidence.push(str(d.message, 200) ?? 'not seen scanning the internet, not a known business service');
  const link = str(d.link, 300);
  if (link && (riot || noise)) evidence.push(link);
  const result: IntelResult = { provider: PROVIDER, observable: { type: o.type, value: o.value }, verdict, score, evidence, tags, raw: d };
  if (last) result.lastSeen = last;
  return result;
}
