import { VigilError } from '../../core/errors.js';
import { alertId } from '../../core/ids.js';
import { defineAlertSource, type NormalizedAlert } from '../source.js';
import { get, obj, requireStr, str, strs, toIsoTime, type Json } from '../fields.js';
import { ObservableBag } from '../observe.js';

type Kind = 'ip' | 'user' | 'domain' | 'url' | 'process' | 'commandline' | 'hash' | 'hashes';

// What the fields Wazuh decoders fill hold, keyed by field name: the normalizer walks the keys an
// alert actually has (a handful) instead of probing every known path (it runs for every alert).
const DATA_FIELDS = new Map<string, [Kind, string]>([
  ['srcip', ['ip', 'src']], ['src_ip', ['ip', 'src']], ['dstip', ['ip', 'dst']], ['dest_ip', ['ip', 'dst']], ['dst_ip', ['ip', 'dst']],
  ['srcuser', ['user', 'user']], ['dstuser', ['user', 'user']], ['user', ['user', 'user']],
  ['hostname', ['domain', 'dst']], ['url', ['url', 'dst']],
]);
const NESTED_FIELDS = new Map<string, Map<string, [Kind, string]>>([
  ['http', new Map([['hostname', ['domain', 'dst']]])],
  ['dns', new Map([['rrname', ['domain', 'dst']]])],
  ['tls', new Map([['sni', ['domain', 'dst']]])],
]);
const EVENTDATA_FIELDS = new Map<string, [Kind, string]>([
  ['ipAddress', ['ip', 'src']], ['sourceIp', ['ip', 'src']], ['destinationIp', ['ip', 'dst']],
  ['targetUserName', ['user', 'user']], ['subjectUserName', ['user', 'user']], ['user', ['user', 'user']],
  ['queryName', ['domain', 'dst']], ['destinationHostname', ['domain', 'dst']],
  ['image', ['process', 'process']], ['parentImage', ['process', 'parent']],
  ['commandLine', ['commandline', 'process']], ['parentCommandLine', ['commandline', 'parent']],
  ['md5', ['hash', 'file']], ['sha1', ['hash', 'file']], ['sha256', ['hash', 'file']], ['hashes', ['hashes', 'file']],
]);

function collect(bag: ObservableBag, [kind, role]: [Kind, string], v: unknown, field: string, port?: unknown): void {
  switch (kind) {
    case 'ip':
      return bag.ip(v, role, field, port);
    case 'hash':
      return bag.hash(v, role, field);
    case 'hashes': {
      // Sysmon writes `MD5=…,SHA256=…,IMPHASH=…`.
      const s = str(v);
      if (s) for (const part of s.split(',')) bag.hash(part.split('=')[1], role, field);
      return;
    }
    case 'url':
      if (typeof v === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) bag.add('url', v, role, field);
      return;
    default:
      return bag.add(kind, v, role, field);
  }
}

// The port field beside each address field, where decoders write one (forwarded Suricata EVE, firewalls).
const PORT_OF: Record<string, string> = { srcip: 'srcport', src_ip: 'src_port', dstip: 'dstport', dest_ip: 'dest_port', dst_ip: 'dst_port', sourceIp: 'sourcePort', destinationIp: 'destinationPort' };

function walk(bag: ObservableBag, o: Json, fields: Map<string, [Kind, string]>, prefix: string): void {
  for (const k in o) {
    const spec = fields.get(k);
    if (spec) collect(bag, spec, o[k], `${prefix}${k}`, PORT_OF[k] !== undefined ? o[PORT_OF[k]] : undefined);
  }
}

function mitre(rule: Json): NormalizedAlert['rule']['mitre'] {
  const m = obj(rule.mitre);
  return m ? { ids: strs(m.id), tactics: strs(m.tactic), techniques: strs(m.technique) } : { ids: [], tactics: [], techniques: [] };
}

export default defineAlertSource({
  id: 'wazuh',
  description: 'Wazuh manager alerts (alerts.json lines, the JSON a Wazuh integration posts)',
  // An agent plus a manager is a Wazuh alert even with its rule missing: it is then rejected naming
  // the field, rather than taken for some other kind of event.
  accepts: (r) => (typeof r.rule === 'object' || typeof r.manager === 'object') && (typeof r.agent === 'object' || typeof r.manager === 'object'),
  normalize(r) {
    const rule = obj(r.rule);
    if (!rule) throw new VigilError('VIGIL_INPUT_INVALID', 'missing or not an object', { field: 'rule' });
    const sourceRef = requireStr(r, 'id');
    // Wazuh levels are 0–15; a missing, null or empty level is not 0.
    const level = typeof rule.level === 'number' ? rule.level : typeof rule.level === 'string' && rule.level.trim() !== '' ? Number(rule.level) : NaN;
    if (!Number.isInteger(level) || level < 0 || level > 15) {
      throw new VigilError('VIGIL_INPUT_INVALID', `must be an integer 0–15, got ${JSON.stringify(rule.level)}`, { field: 'rule.level' });
    }
    const agent = obj(r.agent) ?? {};
    const data = obj(r.data) ?? {};
    const bag = new ObservableBag();
    walk(bag, data, DATA_FIELDS, 'data.');
    for (const [name, fields] of NESTED_FIELDS) {
      const nested = obj(data[name]);
      if (!nested) continue;
      walk(bag, nested, fields, `data.${name}.`);
      const query = obj(nested.query);
      if (name === 'dns' && query) walk(bag, query, fields, 'data.dns.query.');
    }
    const eventdata = obj(get(data, 'win.eventdata'));
    if (eventdata) walk(bag, eventdata, EVENTDATA_FIELDS, 'data.win.eventdata.');
    const syscheck = obj(r.syscheck);
    if (syscheck) {
      bag.add('filepath', syscheck.path, 'file', 'syscheck.path');
      for (const h of ['md5_after', 'sha1_after', 'sha256_after']) bag.hash(syscheck[h], 'file', `syscheck.${h}`);
    }
    const http = obj(data.http);
    // Forwarded IDS events (Suricata EVE under data.*): the URL with its port, as the Suricata source builds it.
    if (http && str(http.url)) bag.url({ host: str(http.hostname) ?? str(data.dest_ip), port: http.http_port ?? data.dest_port, path: str(http.url) }, 'dst', 'data.http.url');
    const agentName = str(agent.name) ?? str(get(r, 'manager.name')) ?? 'unknown';
    bag.add('host', agentName, 'host', 'agent.name');
    // The agent's own address links network alerts (a sensor seeing its traffic) to this host.
    bag.ip(agent.ip, 'host', 'agent.ip');

    const text: NormalizedAlert['text'] = [];
    const fullLog = str(r.full_log);
    if (fullLog) text.push({ field: 'full_log', value: fullLog });
    const cmd = str(get(data, 'win.eventdata.commandLine'));
    if (cmd) text.push({ field: 'data.win.eventdata.commandLine', value: cmd });
    const url = str(data.url);
    if (url) text.push({ field: 'data.url', value: url });

    const agentIp = str(agent.ip);
    const agentId = str(agent.id);
    // Windows events name the machine by its FQDN: the same host as the agent (src/core/identity.ts ties them).
    const computer = str(get(data, 'win.system.computer'));
    const aliases = computer && computer.toLowerCase() !== agentName.toLowerCase() ? [computer] : undefined;
    // An IDS alert forwarded by the agent (Suricata's eve.json read by the firewall's agent) is about the
    // traffic's hosts, not the agent's: the agent is then a sensor.
    const groups = strs(rule.groups);
    const role = groups.includes('ids') ? 'sensor' : 'agent';
    return {
      id: alertId('wazuh', sourceRef),
      source: 'wazuh',
      sourceRef,
      time: toIsoTime(r.timestamp, 'timestamp'),
      title: str(rule.description) ?? `Wazuh rule ${str(rule.id) ?? '?'}`,
      description: fullLog ?? '',
      rule: { id: requireStr(r, 'rule.id'), level, scale: 'wazuh', groups, mitre: mitre(rule) },
      host: { name: agentName, role, ...(aliases && { aliases }), ...(agentIp && { ip: agentIp }), ...(agentId && { id: agentId }) },
      observables: bag.items,
      text,
      raw: r,
    };
  },
});
