import { VigilError } from '../../core/errors.js';
import { alertId } from '../../core/ids.js';
import { defineAlertSource } from '../source.js';
import { obj, requireStr, str, strs, toIsoTime } from '../fields.js';
import { ObservableBag } from '../observe.js';

export default defineAlertSource({
  id: 'suricata',
  description: 'Suricata EVE JSON (alert events; other event types are skipped)',
  accepts: (r) => typeof r.event_type === 'string' && typeof r.rule !== 'object',
  normalize(r) {
    if (r.event_type !== 'alert') return null;
    const alert = obj(r.alert);
    if (!alert) throw new VigilError('VIGIL_INPUT_INVALID', 'an alert event needs an "alert" object', { field: 'alert' });
    const sid = requireStr(r, 'alert.signature_id');
    const severity = Number(alert.severity ?? 3);
    if (!Number.isInteger(severity) || severity < 1 || severity > 4) {
      throw new VigilError('VIGIL_INPUT_INVALID', `must be an integer 1–4 (1 high … 3 low, 4 informational), got ${JSON.stringify(alert.severity)}`, { field: 'alert.severity' });
    }
    const time = toIsoTime(r.timestamp, 'timestamp');
    // EVE has no alert id: flow id + signature + time is unique per alert and stable across re-reads.
    const sourceRef = `${str(r.flow_id) ?? 'noflow'}:${sid}:${str(r.timestamp)}`;
    const bag = new ObservableBag();
    bag.ip(r.src_ip, 'src', 'src_ip', r.src_port);
    bag.ip(r.dest_ip, 'dst', 'dest_ip', r.dest_port);
    const http = obj(r.http);
    const dns = obj(r.dns);
    const tls = obj(r.tls);
    const file = obj(r.fileinfo);
    // `http.hostname` may be an address (`77.105.161.37`): the pipeline types it as one, never as a domain.
    const host = str(http?.hostname);
    bag.add('domain', host, 'dst', 'http.hostname');
    const path = str(http?.url);
    // The request went to the server side of the flow: without a Host header that is the address and port.
    const server = r.direction === 'to_client' ? { ip: r.src_ip, port: r.src_port } : { ip: r.dest_ip, port: r.dest_port };
    if (path) bag.url({ host: host ?? str(server.ip), port: http?.http_port ?? server.port, path }, 'dst', 'http.url');
    // Suricata 7 alert events carry the query as `dns.query: [{rrname, …}]` (8: `dns.queries`), older ones `dns.rrname`.
    const queries = dns?.query ?? dns?.queries;
    const query = obj(Array.isArray(queries) ? queries[0] : queries);
    bag.add('domain', dns?.rrname ?? query?.rrname, 'dst', 'dns.rrname');
    bag.add('domain', tls?.sni, 'dst', 'tls.sni');
    bag.add('filepath', file?.filename, 'file', 'fileinfo.filename');
    for (const h of ['md5', 'sha1', 'sha256']) bag.hash(file?.[h], 'file', `fileinfo.${h}`);
    const meta = obj(alert.metadata);
    const sensor = str(r.host) ?? 'suricata';
    bag.add('host', sensor, 'sensor', 'host');
    const signature = str(alert.signature) ?? `Suricata signature ${sid}`;
    return {
      id: alertId('suricata', sourceRef),
      source: 'suricata',
      sourceRef,
      time,
      title: signature,
      description: [signature, str(alert.category), `${str(r.src_ip) ?? '?'}:${str(r.src_port) ?? '?'} → ${str(r.dest_ip) ?? '?'}:${str(r.dest_port) ?? '?'} ${str(r.proto) ?? ''}`]
        .filter(Boolean)
        .join(' — '),
      rule: {
        id: sid,
        level: severity,
        scale: 'suricata',
        groups: [str(alert.category), str(alert.action)].filter((x): x is string => !!x),
        mitre: { ids: strs(meta?.mitre_technique_id), tactics: strs(meta?.mitre_tactic_name), techniques: strs(meta?.mitre_technique_name) },
      },
      host: { name: sensor, role: 'sensor' },
      observables: bag.items,
      text: [],
      raw: r,
    };
  },
});
