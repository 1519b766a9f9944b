import type { ObservableType } from '../../../core/types.js';
import { defineFeedFormat, type Indicator } from '../format.js';
import { detectCsvHeader, parseCsvFeed } from '../csv.js';
import { normalizeDomain, normalizeHash, normalizeIp, normalizeUrl } from '../normalize.js';
import { splitTags, toIsoTime } from '../text.js';

const COLUMNS = {
  firstSeen: ['first_seen_utc', 'first_seen'],
  id: ['ioc_id'],
  value: ['ioc_value', 'ioc'],
  iocType: ['ioc_type'],
  threat: ['threat_type'],
  malwareId: ['fk_malware'],
  aliases: ['malware_alias'],
  malware: ['malware_printable'],
  lastSeen: ['last_seen_utc', 'last_seen'],
  confidence: ['confidence_level'],
  reference: ['reference'],
  tags: ['tags'],
  anonymous: ['anonymous'],
  reporter: ['reporter'],
} as const;

/** `ip:port` → the address; handles `[v6]:port` and a bare address. */
function ipOfIpPort(s: string): string | undefined {
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    return close === -1 ? undefined : normalizeIp(s.slice(1, close));
  }
  const colon = s.lastIndexOf(':');
  if (colon > 0 && /^\d{1,5}$/.test(s.slice(colon + 1))) {
    const ip = normalizeIp(s.slice(0, colon));
    if (ip !== undefined) return ip;
  }
  return normalizeIp(s);
}

const HASH_TYPES: Record<string, ObservableType> = { md5_hash: 'md5', sha1_hash: 'sha1', sha256_hash: 'sha256', sha512_hash: 'sha512' };

/**
 * abuse.ch ThreatFox CSV export: `first_seen_utc,ioc_id,ioc_value,ioc_type,threat_type,fk_malware,
 * malware_alias,malware_printable,last_seen_utc,confidence_level,reference,tags,anonymous,reporter`.
 * IOC types `ip:port` (→ ipv4/ipv6, port as a tag), `domain`, `url` and `md5_hash`/`sha1_hash`/
 * `sha256_hash` are mapped; other IOC types are reported as unsupported. Confidence is the feed's
 * `confidence_level`.
 */
export const threatfox = defineFeedFormat({
  id: 'threatfox',
  label: 'ThreatFox',
  description: 'abuse.ch ThreatFox IOCs (CSV)',
  detect(sample) {
    return detectCsvHeader(sample, ['ioc_value', 'ioc_type', 'threat_type'], ['ThreatFox']);
  },
  parse(text, ctx) {
    const unsupportedTypes = new Map<string, { line: number; count: number }>();
    const res = parseCsvFeed({
      columns: COLUMNS,
      required: ['value', 'iocType'],
      row(get, line) {
        const raw = get('value') ?? '';
        const iocType = (get('iocType') ?? '').toLowerCase();
        const tags = splitTags(get('tags'));
        let type: ObservableType;
        let value: string | undefined;
        if (iocType === 'ip:port') {
          value = ipOfIpPort(raw);
          type = value?.includes(':') ? 'ipv6' : 'ipv4';
          const port = /:(\d{1,5})$/.exec(raw)?.[1];
          if (port && value !== undefined && raw !== value) tags.push(`port:${port}`);
        } else if (iocType === 'domain') {
          type = 'domain';
          value = normalizeDomain(raw);
        } else if (iocType === 'url') {
          type = 'url';
          value = normalizeUrl(raw);
        } else if (HASH_TYPES[iocType] !== undefined) {
          type = HASH_TYPES[iocType];
          const h = normalizeHash(raw);
          value = h?.type === type ? h.value : undefined;
        } else {
          const u = unsupportedTypes.get(iocType);
          if (u) u.count++;
          else unsupportedTypes.set(iocType, { line, count: 1 });
          return [];
        }
        if (value === undefined) return `"${raw.slice(0, 80)}" is not a valid ${iocType}`;
        const ind: Indicator = { type, value, tags, line };
        const threat = get('threat');
        if (threat) ind.threat = threat;
        const malware = get('malware');
        if (malware && !/^unknown/i.test(malware)) ind.malware = malware;
        const malwareId = get('malwareId');
        if (malwareId && !malwareId.startsWith('unknown') && !tags.includes(malwareId)) tags.push(malwareId);
        const conf = get('confidence');
        if (conf && /^\d{1,3}$/.test(conf) && Number(conf) <= 100) ind.confidence = Number(conf);
        const id = get('id');
        if (id && /^\d+$/.test(id)) ind.reference = `https://threatfox.abuse.ch/ioc/${id}/`;
        const first = toIsoTime(get('firstSeen'));
        if (first) ind.firstSeen = first;
        const last = toIsoTime(get('lastSeen'));
        if (last) ind.lastSeen = last;
        return ind;
      },
    }, text, ctx.file);
    if (unsupportedTypes.size > 0) {
      const unsupported = res.unsupported ?? [];
      for (const [t, u] of unsupportedTypes) {
        unsupported.push({ file: ctx.file, line: u.line, field: 'ioc_type', reason: `${u.count} IOC(s) of type "${t}" not supported` });
      }
      res.unsupported = unsupported;
    }
    return res;
  },
});
