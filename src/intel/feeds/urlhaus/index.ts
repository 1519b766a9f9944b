import { defineFeedFormat, type Indicator } from '../format.js';
import { detectCsvHeader, parseCsvFeed } from '../csv.js';
import { normalizeUrl } from '../normalize.js';
import { splitTags, toIsoTime } from '../text.js';

const COLUMNS = {
  id: ['id'],
  dateAdded: ['dateadded', 'date_added'],
  url: ['url'],
  status: ['url_status', 'status'],
  lastOnline: ['last_online'],
  threat: ['threat'],
  tags: ['tags'],
  link: ['urlhaus_link'],
  reporter: ['reporter'],
} as const;

/**
 * abuse.ch URLhaus CSV (`csv_recent` and `csv_online`):
 * `id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter`, the header written
 * as a `#` comment. Each row is a `url` indicator; `threat` (usually `malware_download`) is kept,
 * the comma-separated tags become tags (the first one that is not a file type is not guessed to be
 * the family: URLhaus does not say which tag is the malware).
 */
export const urlhaus = defineFeedFormat({
  id: 'urlhaus',
  label: 'URLhaus',
  description: 'abuse.ch URLhaus malware URL feed (CSV)',
  detect(sample) {
    return detectCsvHeader(sample, ['dateadded', 'url', 'urlhaus_link'], ['URLhaus']);
  },
  parse(text, ctx) {
    return parseCsvFeed({
      columns: COLUMNS,
      required: ['url'],
      row(get, line) {
        const raw = get('url') ?? '';
        const url = normalizeUrl(raw);
        if (url === undefined) return `"${raw.slice(0, 80)}" is not a URL`;
        const tags = splitTags(get('tags'));
        const status = get('status');
        if (status) tags.push(`url:${status.toLowerCase()}`);
        const ind: Indicator = { type: 'url', value: url, tags, threat: get('threat') || 'malware_download', line };
        const link = get('link');
        const id = get('id');
        if (link && /^https?:\/\//.test(link)) ind.reference = link;
        else if (id && /^\d+$/.test(id)) ind.reference = `https://urlhaus.abuse.ch/url/${id}/`;
        const first = toIsoTime(get('dateAdded'));
        if (first) ind.firstSeen = first;
        const last = toIsoTime(get('lastOnline'));
        if (last) ind.lastSeen = last;
        return ind;
      },
    }, text, ctx.file);
  },
});
