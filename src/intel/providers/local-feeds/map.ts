import type { IntelResult } from '../../../core/types.js';
import type { Indicator } from '../../feeds/format.js';
import type { IndicatorMatch } from '../../local-index.js';
import type { ObservableRef } from '../../provider.js';
import { DEFAULT_THREAT_SCORES, type LocalFeedsConfig } from './config.js';

const PROVIDER = 'local-feeds';
const MAX_TAGS = 50;
const MAX_RAW = 50;

const THREAT_WORDS: Record<string, string> = {
  botnet_cc: 'C2',
  payload_delivery: 'payload delivery',
  malware_download: 'malware download',
  'hijacked-range': 'hijacked range',
  'malicious-asn': 'malicious network',
};

function threatWords(t: string | undefined): string | undefined {
  if (!t) return undefined;
  return THREAT_WORDS[t] ?? t.replace(/[_-]+/g, ' ');
}

/** One match's score: the threat's score scaled by the feed's confidence (none stated = full). */
export function matchScore(ind: Indicator, cfg: LocalFeedsConfig): number {
  const base = (ind.threat !== undefined ? cfg.threatScores[ind.threat] ?? DEFAULT_THREAT_SCORES[ind.threat] : undefined) ?? cfg.defaultScore;
  // Low confidence halves the score at most: a listing is still a listing.
  const factor = ind.confidence === undefined ? 1 : 0.5 + Math.max(0, Math.min(100, ind.confidence)) / 200;
  return Math.round(base * factor);
}

function isLink(s: string): boolean {
  return s.startsWith('http://') || s.startsWith('https://');
}

/** The evidence sentence for one match, as an analyst reads it. */
export function evidenceLine(m: IndicatorMatch, observable: ObservableRef): string {
  const ind = m.indicator;
  const what = [ind.malware, threatWords(ind.threat)].filter((x) => x !== undefined && x !== '').join(' ');
  const as = what ? ` as ${what}` : '';
  const since = ind.firstSeen ? ` since ${ind.firstSeen.slice(0, 10)}` : '';
  const about = ind.description ? ` ("${ind.description.length > 80 ? `${ind.description.slice(0, 77)}...` : ind.description}")` : '';
  switch (m.matchedBy) {
    case 'cidr': {
      const ref = ind.reference && !isLink(ind.reference) ? ` (${ind.reference})` : '';
      const fam = ind.malware ? ` as ${ind.malware}` : '';
      return `inside ${ind.value} listed by ${m.feed}${fam}${ref}${since}`;
    }
    case 'subdomain':
      return `subdomain of ${ind.value} listed by ${m.feed}${as}${since}${about}`;
    case 'url':
      // the same URL over the other scheme (`https://` for a listed `http://`)
      return `listed by ${m.feed}${as}${since}${about}${ind.value !== observable.value ? ` (listed as ${ind.value})` : ''}`;
    case 'url-host':
      return `hosts ${ind.value}, listed by ${m.feed}${as}${since}`;
    default:
      if (observable.type === 'url' && ind.type !== 'url') return `host ${ind.value} listed by ${m.feed}${as}${since}${about}`;
      return `listed by ${m.feed}${as}${since}${about}`;
  }
}

function expired(ind: Indicator, now: Date): boolean {
  if (!ind.validUntil) return false;
  const t = Date.parse(ind.validUntil);
  return !Number.isNaN(t) && t < now.getTime();
}

/**
 * Turns the index's matches for one observable into the provider's answer. No match: verdict
 * `unknown`, score 0, no evidence. Otherwise the best match's score (threat score × confidence),
 * plus `perExtraFeed` for each further feed listing it, capped at 100; `malicious` from
 * `maliciousAt`, else `suspicious` (`info` for a zero score). Only expired listings: `unknown` with
 * one evidence line saying so.
 */
export function mapMatches(observable: ObservableRef, matches: readonly IndicatorMatch[], cfg: LocalFeedsConfig, now: Date): IntelResult {
  const obs = { type: observable.type, value: observable.value };
  if (matches.length === 0) return { provider: PROVIDER, observable: obs, verdict: 'unknown', score: 0, evidence: [], tags: [] };
  const live = cfg.ignoreExpired ? matches.filter((m) => !expired(m.indicator, now)) : [...matches];
  if (live.length === 0) {
    const m = matches[0] as IndicatorMatch;
    return {
      provider: PROVIDER,
      observable: obs,
      verdict: 'unknown',
      score: 0,
      evidence: [`was listed by ${m.feed} until ${m.indicator.validUntil?.slice(0, 10)} (expired)`],
      tags: [],
    };
  }
  // Listed URLs on the host count for it, discounted: the host itself was not listed.
  const scored = live.map((m) => ({ m, score: m.matchedBy === 'url-host' ? Math.round(matchScore(m.indicator, cfg) * cfg.urlHostFactor) : matchScore(m.indicator, cfg) }));
  scored.sort((a, b) => b.score - a.score);
  const feeds = new Set(scored.map((s) => s.m.feed));
  const best = scored[0]?.score ?? 0;
  const score = Math.min(100, best + (feeds.size - 1) * cfg.perExtraFeed);
  const verdict = score >= cfg.maliciousAt ? 'malicious' : score > 0 ? 'suspicious' : 'info';

  const evidence: string[] = [];
  const seenLines = new Set<string>();
  // Several listed URLs of one feed on the host make one line: "hosts 2 URLs listed by URLhaus …, e.g. …".
  const urlsByFeed = new Map<string, number>();
  for (const s of scored) if (s.m.matchedBy === 'url-host') urlsByFeed.set(s.m.feed, (urlsByFeed.get(s.m.feed) ?? 0) + 1);
  for (const s of scored) {
    let line = evidenceLine(s.m, observable);
    if (s.m.matchedBy === 'url-host') {
      const n = urlsByFeed.get(s.m.feed) ?? 0;
      if (n === 0) continue;
      urlsByFeed.set(s.m.feed, 0);
      const pct = Math.round(cfg.urlHostFactor * 100);
      line =
        n === 1
          ? `${line} (counted at ${pct}%: the URL is listed, not the host)`
          : `${line.replace(`hosts ${s.m.indicator.value}, `, `hosts ${n} URLs (e.g. ${s.m.indicator.value}) `)} (counted at ${pct}%: the URLs are listed, not the host)`;
    }
    if (seenLines.has(line)) continue;
    seenLines.add(line);
    evidence.push(line);
  }
  if (evidence.length > cfg.maxEvidence) {
    const more = evidence.length - cfg.maxEvidence;
    evidence.length = cfg.maxEvidence;
    evidence.push(`and ${more} more listing${more === 1 ? '' : 's'}`);
  }

  const tags: string[] = [];
  const addTag = (t: string | undefined) => {
    if (t && tags.length < MAX_TAGS && !tags.includes(t)) tags.push(t);
  };
  let firstSeen: string | undefined;
  let lastSeen: string | undefined;
  for (const { m } of scored) {
    addTag(m.indicator.malware);
    addTag(m.indicator.threat);
    for (const t of m.indicator.tags) addTag(t);
    const f = m.indicator.firstSeen;
    if (f && (firstSeen === undefined || f < firstSeen)) firstSeen = f;
    const l = m.indicator.lastSeen ?? m.indicator.firstSeen;
    if (l && (lastSeen === undefined || l > lastSeen)) lastSeen = l;
  }

  const result: IntelResult = {
    provider: PROVIDER,
    observable: obs,
    verdict,
    score,
    evidence,
    tags,
    raw: scored.slice(0, MAX_RAW).map(({ m, score: s }) => ({
      feed: m.feed,
      matchedBy: m.matchedBy,
      score: s,
      indicator: m.indicator,
    })),
  };
  if (firstSeen) result.firstSeen = firstSeen;
  if (lastSeen) result.lastSeen = lastSeen;
  return result;
}
