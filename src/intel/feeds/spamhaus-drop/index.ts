import { defineFeedFormat, type Indicator } from '../format.js';
import { normalizeAsn, normalizeCidr } from '../normalize.js';
import { FeedCollector, eachLine, sampleLines } from '../text.js';

const SBL = /^SBL\d{1,10}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined;
}

/** `1.2.3.0/24 ; SBL123` (DROP, EDROP, DROPv6); the SBL id is optional (some mirrors strip it). */
function parseTextLine(line: string, lineNo: number, col: FeedCollector): void {
  const semi = line.indexOf(';');
  const cidrText = (semi === -1 ? line : line.slice(0, semi)).trim();
  const sbl = semi === -1 ? '' : line.slice(semi + 1).trim();
  const cidr = normalizeCidr(cidrText);
  if (cidr === undefined || !cidrText.includes('/')) {
    col.issue(lineNo, `"${cidrText.slice(0, 80)}" is not a CIDR range`);
    return;
  }
  const ind: Indicator = { type: 'cidr', value: cidr, tags: ['spamhaus-drop'], threat: 'hijacked-range', line: lineNo };
  if (SBL.test(sbl)) ind.reference = sbl;
  col.indicators.push(ind);
}

/** ASN-DROP (`{"asn":…,"rir":…,"domain":…,"cc":…,"asname":…}`) and the JSON DROP (`{"cidr":…,"sblid":…,"rir":…}`). */
function parseJsonLine(line: string, lineNo: number, col: FeedCollector): void {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    col.issue(lineNo, 'not valid JSON');
    return;
  }
  if (!isRecord(obj)) { col.issue(lineNo, 'not a JSON object'); return; }
  if (obj.type === 'metadata') return; // the trailing summary record
  const tags = ['spamhaus-drop'];
  const rir = str(obj.rir);
  if (rir) tags.push(`rir:${rir.toLowerCase()}`);
  const cc = str(obj.cc);
  if (cc) tags.push(`cc:${cc.toUpperCase()}`);
  if (obj.asn !== undefined) {
    const asn = typeof obj.asn === 'number' || typeof obj.asn === 'string' ? normalizeAsn(obj.asn) : undefined;
    if (asn === undefined) { col.issue(lineNo, 'asn is not an AS number', 'asn'); return; }
    const ind: Indicator = { type: 'asn', value: asn, tags, threat: 'malicious-asn', line: lineNo };
    const name = str(obj.asname);
    if (name) ind.description = name;
    col.indicators.push(ind);
    return;
  }
  if (obj.cidr !== undefined) {
    const text = str(obj.cidr);
    const cidr = text === undefined ? undefined : normalizeCidr(text);
    if (cidr === undefined) { col.issue(lineNo, 'cidr is not a CIDR range', 'cidr'); return; }
    const ind: Indicator = { type: 'cidr', value: cidr, tags, threat: 'hijacked-range', line: lineNo };
    const sbl = str(obj.sblid);
    if (sbl && SBL.test(sbl)) ind.reference = sbl;
    col.indicators.push(ind);
    return;
  }
  col.issue(lineNo, 'record has neither "asn" nor "cidr"');
}

/**
 * Spamhaus DROP lists in both shapes Spamhaus publishes: the text lists (DROP, EDROP, DROPv6:
 * `; comment` lines, then `CIDR ; SBLnnn`) → `cidr` indicators with threat `hijacked-range` and the
 * SBL id as reference; and the JSON-lines lists (ASN-DROP `{"asn":…}` → `asn` indicators with
 * threat `malicious-asn`; `drop_v4.json`/`drop_v6.json` `{"cidr":…,"sblid":…}` → `cidr`). The
 * trailing `{"type":"metadata"}` record is skipped. A file may mix both shapes line by line.
 */
export const spamhausDrop = defineFeedFormat({
  id: 'spamhaus-drop',
  label: 'Spamhaus DROP',
  description: 'Spamhaus DROP / EDROP / DROPv6 (text) and ASN-DROP (JSON lines)',
  detect(sample, fileName) {
    const lines = sampleLines(sample, 40);
    if (lines.length === 0) return 0;
    if (lines.some((l) => l.startsWith(';') && /spamhaus/i.test(l))) return 0.95;
    const data = lines.filter((l) => !l.startsWith(';'));
    if (data.length === 0) return 0;
    let sbl = 0;
    let bare = 0;
    let json = 0;
    for (const l of data) {
      if (l.startsWith('{')) {
        if ((l.includes('"asn"') && l.includes('"rir"')) || l.includes('"sblid"') || l.includes('"type":"metadata"')) json++;
      } else {
        const semi = l.indexOf(';');
        const c = (semi === -1 ? l : l.slice(0, semi)).trim();
        if (!c.includes('/') || normalizeCidr(c) === undefined) continue;
        if (semi !== -1 && /^\s*SBL\d+\s*$/.test(l.slice(semi + 1))) sbl++;
        else if (semi === -1) bare++;
      }
    }
    if (sbl + json === data.length) return 0.95;
    const named = /drop/i.test(fileName);
    if (sbl + json + bare === data.length) return named ? 0.9 : 0.5;
    return 0;
  },
  parse(text, ctx) {
    const col = new FeedCollector(ctx.file);
    eachLine(text, col, (raw, lineNo) => {
      const line = raw.trim();
      if (line.length === 0 || line.startsWith(';') || line.startsWith('#')) return;
      if (line.startsWith('{')) parseJsonLine(line, lineNo, col);
      else parseTextLine(line, lineNo, col);
    });
    return col.result();
  },
});
