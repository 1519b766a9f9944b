import { VigilError } from '../../core/errors.js';
import { alertId } from '../../core/ids.js';
import { defineAlertSource, type NormalizedAlert } from '../source.js';
import { get, obj, requireStr, str, strs, toIsoTime, type Json } from '../fields.js';
import { ObservableBag } from '../observe.js';

// data.* fields Wazuh decoders fill, by what they hold.
const IP_FIELDS: Array<[string, string]> = [
  ['srcip', 'src'], ['src_ip', 'src'], ['dstip', 'dst'], ['dest_ip', 'dst'], ['dst_ip', 'dst'],
  ['win.eventdata.ipAddress', 'src'], ['win.eventdata.sourceIp', 'src'], ['win.eventdata.destinationIp', 'dst'],
];
const USER_FIELDS = ['srcuser', 'dstuser', 'user', 'win.eventdata.targetUserName', 'win.eventdata.subjectUserName', 'win.eventdata.user'];
const DOMAIN_FIELDS = ['hostname', 'http.hostname', 'dns.rrname', 'dns.query.rrname', 'tls.sni', 'win.eventdata.queryName', 'win.eventdata.destinationHostname'];

function mitre(rule: Json): NormalizedAlert['rule']['mitre'] {
  const m = obj(rule.mitre);
  return m ? { ids: strs(m.id), tactics: strs(m.tactic), techniques: strs(m.technique) } : { ids: [], tactics: [], techniques: [] };
}

export default defineAlertSource({
  id: 'wazuh',
  description: 'Wazuh manager alerts (alerts.json lines, the JSON a Wazuh integration posts)',
  accepts: (r) => typeof r.rule === 'object' && (typeof r.agent === 'object' || typeof r.manager === 'object'),
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
    // Most alerts carry a handful of data fields: probe the known paths only when data has any.
    const hasData = Object.keys(data).length > 0;
    if (hasData) {
      for (const [f, role] of IP_FIELDS) bag.ip(get(data, f), role, `data.${f}`);
      for (const f of USER_FIELDS) bag.add('user', get(data, f), 'user', `data.${f}`);
      for (const f of DOMAIN_FIELDS) bag.add('domain', get(data, f), 'dst', `data.${f}`);
    }
    bag.add('url', str(data.url)?.match(/^[a-z][a-z0-9+.-]*:\/\//i) ? data.url : undefined, 'dst', 'data.url');
    bag.add('process', get(data, 'win.eventdata.image'), 'process', 'data.win.eventdata.image');
    bag.add('process', get(data, 'win.eventdata.parentImage'), 'parent', 'data.win.eventdata.parentImage');
    bag.add('commandline', get(data, 'win.eventdata.commandLine'), 'process', 'data.win.eventdata.commandLine');
    bag.add('commandline', get(data, 'win.eventdata.parentCommandLine'), 'parent', 'data.win.eventdata.parentCommandLine');
    for (const h of ['md5', 'sha1', 'sha256']) bag.hash(get(data, `win.eventdata.${h}`), 'file', `data.win.eventdata.${h}`);
    const hashes = str(get(data, 'win.eventdata.hashes'));
    if (hashes) for (const part of hashes.split(',')) bag.hash(part.split('=')[1], 'file', 'data.win.eventdata.hashes');
    const syscheck = obj(r.syscheck);
    if (syscheck) {
      bag.add('filepath', syscheck.path, 'file', 'syscheck.path');
      for (const h of ['md5_after', 'sha1_after', 'sha256_after']) bag.hash(syscheck[h], 'file', `syscheck.${h}`);
    }
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
    return {
      id: alertId('wazuh', sourceRef),
      source: 'wazuh',
      sourceRef,
      time: toIsoTime(r.timestamp, 'timestamp'),
      title: str(rule.description) ?? `Wazuh rule ${str(rule.id) ?? '?'}`,
      description: fullLog ?? '',
      rule: { id: requireStr(r, 'rule.id'), level, scale: 'wazuh', groups: strs(rule.groups), mitre: mitre(rule) },
      host: { name: agentName, role: 'agent', ...(agentIp && { ip: agentIp }), ...(agentId && { id: agentId }) },
      observables: bag.items,
      text,
      raw: r,
    };
  },
});
