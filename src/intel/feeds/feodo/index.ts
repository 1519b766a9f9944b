import { defineFeedFormat, type Indicator } from '../format.js';
import { detectCsvHeader, parseCsvFeed } from '../csv.js';
import { normalizeIp } from '../normalize.js';
import { toIsoTime } from '../text.js';

const COLUMNS = {
  firstSeen: ['first_seen_utc', 'firstseen'],
  ip: ['dst_ip', 'dstip'],
  port: ['dst_port', 'dstport'],
  status: ['c2_status', 'status'],
  lastOnline: ['last_online', 'lastonline'],
  malware: ['malware'],
} as const;

/**
 * abuse.ch Feodo Tracker botnet C2 IP blocklist, CSV flavour
 * (`first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware`). Each row is one C2 address:
 * an `ipv4`/`ipv6` indicator with threat `botnet_cc`, the malware family, the port and C2 status as
 * tags, first seen and last online as first/last seen.
 */
export const feodo = defineFeedFormat({
  id: 'feodo',
  label: 'Feodo Tracker',
  description: 'abuse.ch Feodo Tracker botnet C2 IP blocklist (CSV)',
  detect(sample) {
    return detectCsvHeader(sample, ['dst_ip', 'dst_port', 'malware'], ['Feodo Tracker']);
  },
  parse(text, ctx) {
    return parseCsvFeed({
      columns: COLUMNS,
      required: ['ip'],
      row(get, line) {
        const rawIp = get('ip') ?? '';
        const ip = normalizeIp(rawIp);
        if (ip === undefined) return `"${rawIp.slice(0, 80)}" is not an IP address`;
        const malware = get('malware');
        const port = get('port');
        const status = get('status');
        const tags: string[] = [];
        if (malware) tags.push(malware.toLowerCase());
        if (port && /^\d{1,5}$/.test(port)) tags.push(`port:${port}`);
        if (status) tags.push(`c2:${status.toLowerCase()}`);
        const ind: Indicator = {
          type: ip.includes(':') ? 'ipv6' : 'ipv4',
          value: ip,
          tags,
          threat: 'botnet_cc',
          reference: `https://feodotracker.abuse.ch/browse/host/${ip}/`,
          line,
        };
        if (malware) ind.malware = malware;
        const first = toIsoTime(get('firstSeen'));
        if (first) ind.firstSeen = first;
        const last = toIsoTime(get('lastOnline'));
        if (last) ind.lastSeen = last;
        return ind;
      },
    }, text, ctx.file);
  },
});
