import { defineFeedFormat, type Indicator } from '../format.js';
import { detectCsvHeader, parseCsvFeed } from '../csv.js';
import { normalizeUrl } from '../normalize.js';
import { toIsoTime } from '../text.js';

const COLUMNS = {
  id: ['phish_id'],
  url: ['url'],
  detail: ['phish_detail_url'],
  submitted: ['submission_time'],
  verified: ['verified'],
  verifiedAt: ['verification_time'],
  online: ['online'],
  target: ['target'],
} as const;

/**
 * PhishTank CSV (`online-valid.csv`):
 * `phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target`.
 * Each row is a `url` indicator with threat `phishing`; the target brand becomes a tag; a verified
 * phish gets confidence 100 and an unverified one 50.
 */
export const phishtank = defineFeedFormat({
  id: 'phishtank',
  label: 'PhishTank',
  description: 'PhishTank verified phishing URLs (CSV)',
  detect(sample) {
    return detectCsvHeader(sample, ['phish_id', 'url', 'phish_detail_url'], []);
  },
  parse(text, ctx) {
    return parseCsvFeed({
      columns: COLUMNS,
      required: ['url'],
      row(get, line) {
        const raw = get('url') ?? '';
        const url = normalizeUrl(raw);
        if (url === undefined) return `"${raw.slice(0, 80)}" is not a URL`;
        const tags: string[] = [];
        const target = get('target');
        if (target && target !== 'Other') tags.push(`target:${target}`);
        if (get('online') === 'no') tags.push('url:offline');
        const verified = get('verified');
        const ind: Indicator = { type: 'url', value: url, tags, threat: 'phishing', line };
        if (verified === 'yes') ind.confidence = 100;
        else if (verified === 'no') ind.confidence = 50;
        const detail = get('detail');
        const id = get('id');
        if (detail && /^https?:\/\//.test(detail)) ind.reference = detail;
        else if (id && /^\d+$/.test(id)) ind.reference = `https://www.phishtank.com/phish_detail.php?phish_id=${id}`;
        const first = toIsoTime(get('submitted'));
        if (first) ind.firstSeen = first;
        return ind;
      },
    }, text, ctx.file);
  },
});
