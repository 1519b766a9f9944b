import type { IntelResult, Verdict } from '../../../core/types.js';
import type { ObservableRef } from '../../provider.js';
import { normalizeUrl } from '../../feeds/normalize.js';
import { count, isoFromText, num, obj, str, strings } from '../shared.js';

export const PROVIDER = 'urlscan';

function quote(v: string): string {
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The search query for an observable: scans of the URL (as submitted or as landed on), or of pages on the domain. */
export function searchQuery(o: ObservableRef, maxAgeDays: number): string | undefined {
  const age = ` AND date:>now-${maxAgeDays}d`;
  if (o.type === 'url') return `(task.url:${quote(o.value)} OR page.url:${quote(o.value)})${age}`;
  if (o.type === 'domain') return `page.domain:${quote(o.value)}${age}`;
  return undefined;
}

export interface ScanSummary {
  uuid: string;
  time?: string;
  url?: string;
  page: Record<string, unknown>;
  verdicts?: Record<string, unknown>;
}

/** The scans in a search answer, newest first as urlscan.io returns them. */
export function scansOf(body: unknown): { scans: ScanSummary[]; total: number } {
  const b = obj(body);
  const results = Array.isArray(b.results) ? b.results : [];
  const scans: ScanSummary[] = [];
  for (const r0 of results.slice(0, 100)) {
    const r = obj(r0);
    const task = obj(r.task);
    const uuid = str(task.uuid, 64) ?? str(r._id, 64);
    if (!uuid) continue;
    const s: ScanSummary = { uuid, page: obj(r.page) };
    const time = isoFromText(task.time);
    if (time) s.time = time;
    const url = str(task.url, 2000);
    if (url) s.url = url;
    if (r.verdicts && typeof r.verdicts === 'object') s.verdicts = obj(r.verdicts);
    scans.push(s);
  }
  return { scans, total: Math.max(num(b.total), scans.length) };
}

/**
 * Whether a scan is about the queried value: for a domain, the scanned page's domain (or the
 * submitted URL's host) is that domain; for a URL, the submitted or the landed-on URL is that URL.
 * A search answers with near matches too (another host, a page that merely links there), and their
 * verdicts are not this value's.
 */
export function aboutQuery(o: ObservableRef, s: ScanSummary): boolean {
  const pageUrl = str(s.page.url, 2000);
  if (o.type === 'domain') {
    const d = o.value.toLowerCase().replace(/\.$/, '');
    return str(s.page.domain, 300)?.toLowerCase() === d || hostOf(s.url) === d || hostOf(pageUrl) === d;
  }
  if (o.type === 'url') {
    const want = normalizeUrl(o.value) ?? o.value;
    return (s.url !== undefined && (normalizeUrl(s.url) ?? s.url) === want) || (pageUrl !== undefined && (normalizeUrl(pageUrl) ?? pageUrl) === want);
  }
  return false;
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

export function noScans(o: ObservableRef, maxAgeDays: number, extra?: string): IntelResult {
  return { provider: PROVIDER, observable: { type: o.type, value: o.value }, verdict: 'unknown', score: 0, evidence: [`no urlscan.io scans in the last ${maxAgeDays} days${extra ? `; ${extra}` : ''}`], tags: [] };
}

/**
 * Existing scans (and the newest one's full result, when fetched) → the normalized result. The
 * newest scan's overall verdict decides: malicious → at least 70; a positive score → suspicious
 * (35–69); otherwise `info` (scanned, nothing found).
 */
export function mapUrlscan(o: ObservableRef, search: { scans: ScanSummary[]; total: number }, latestResult: unknown, baseUrl: string): IntelResult {
  const latest = search.scans[0]!;
  const full = obj(latestResult);
  const verdicts = obj(full.verdicts ?? latest.verdicts);
  const overall = obj(verdicts.overall);
  const evidence: string[] = [];
  const tags: string[] = [];
  const when = latest.time ? `, latest ${latest.time.slice(0, 10)}` : '';
  evidence.push(`${count(search.total)} urlscan.io scan${search.total === 1 ? '' : 's'}${when}`);

  const flaggedScans = search.scans.filter((s) => obj(s.verdicts).malicious === true || obj(obj(s.verdicts).overall).malicious === true).length;
  const hasVerdict = Object.keys(overall).length > 0;
  const score = Math.max(-100, Math.min(100, num(overall.score)));
  const malicious = overall.malicious === true;
  if (hasVerdict) evidence.push(`latest scan verdict: ${malicious ? 'malicious' : score > 0 ? 'suspicious' : 'no threat found'} (score ${score})`);
  else evidence.push('latest scan has no verdict');
  if (flaggedScans > 0 && search.scans.length > 1) evidence.push(`${flaggedScans} of the ${search.scans.length} newest scans judged malicious`);
  const brands = [...new Set([...brandNames(overall.brands), ...brandNames(obj(verdicts.urlscan).brands)])].slice(0, 5);
  if (brands.length) {
    evidence.push(`impersonates ${brands.join(', ')}`);
    for (const b of brands) tags.push(`brand:${b}`);
  }
  const cats = [...new Set([...strings(overall.categories, 10), ...strings(obj(verdicts.urlscan).categories, 10)])].slice(0, 5);
  if (cats.length) {
    evidence.push(`categories: ${cats.join(', ')}`);
    tags.push(...cats);
  }
  for (const t of strings(overall.tags, 10)) if (!tags.includes(t)) tags.push(t);
  const page = Object.keys(obj(full.page)).length ? obj(full.page) : latest.page;
  const pageUrl = str(page.url, 300);
  const where = [str(page.ip, 50), str(page.country, 8), str(page.asnname, 80)].filter(Boolean);
  if (pageUrl || where.length) evidence.push(['page', pageUrl, where.length ? `on ${where.join(', ')}` : undefined].filter(Boolean).join(' '));
  evidence.push(`result ${baseUrl}/result/${latest.uuid}/`);

  let verdict: Verdict;
  let s: number;
  if (malicious || flaggedScans > 0) {
    verdict = 'malicious';
    s = Math.max(70, score);
  } else if (score > 0) {
    verdict = 'suspicious';
    s = Math.max(35, Math.min(69, score));
  } else {
    verdict = 'info';
    s = 0;
  }
  const oldest = search.scans[search.scans.length - 1]?.time;
  const result: IntelResult = {
    provider: PROVIDER,
    observable: { type: o.type, value: o.value },
    verdict,
    score: s,
    evidence,
    tags,
    raw: { total: search.total, scans: search.scans, latest: { uuid: latest.uuid, verdicts, page } },
  };
  if (oldest) result.firstSeen = oldest;
  if (latest.time) result.lastSeen = latest.time;
  return result;
}

function brandNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((b) => (typeof b === 'string' ? [b.slice(0, 80)] : str(obj(b).name, 80) ? [str(obj(b).name, 80)!] : []));
}
