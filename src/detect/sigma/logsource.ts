// Where events come from and what Sigma calls it. Windows event exports (`{"Event":{"System":…,
// "EventData":…}}`), flat Windows JSON and Wazuh's `data.win.*` are turned into the flat field
// names Sigma rules use, and their channel/EventID into a logsource (spec taxonomy appendix).
import type { EventLogsource, SigmaLogsource } from './types.js';

const SYSMON_CHANNEL = 'microsoft-windows-sysmon/operational';

// Sysmon EventID → Sigma categories (taxonomy appendix, Windows "Category" table).
const SYSMON_CATEGORIES: Record<number, string[]> = {
  1: ['process_creation'],
  2: ['file_change'],
  3: ['network_connection'],
  4: ['sysmon_status'],
  5: ['process_termination'],
  6: ['driver_load'],
  7: ['image_load'],
  8: ['create_remote_thread'],
  9: ['raw_access_thread'],
  10: ['process_access'],
  11: ['file_event'],
  12: ['registry_event', 'registry_add', 'registry_delete'],
  13: ['registry_event', 'registry_set'],
  14: ['registry_event', 'registry_rename'],
  15: ['create_stream_hash'],
  16: ['sysmon_status'],
  17: ['pipe_created'],
  18: ['pipe_created'],
  19: ['wmi_event'],
  20: ['wmi_event'],
  21: ['wmi_event'],
  22: ['dns_query'],
  23: ['file_delete'],
  24: ['clipboard_capture'],
  25: ['process_tampering'],
  26: ['file_delete_detected'],
  27: ['file_block_executable'],
  28: ['file_block_shredding'],
  29: ['file_executable_detected'],
  255: ['sysmon_error'],
};

// Windows channel (lower-cased) → Sigma service (taxonomy appendix, Windows "Service" table).
const CHANNEL_SERVICES: Record<string, string> = {
  application: 'application',
  'microsoft-windows-applocker/msi and script': 'applocker',
  'microsoft-windows-applocker/exe and dll': 'applocker',
  'microsoft-windows-applocker/packaged app-deployment': 'applocker',
  'microsoft-windows-applocker/packaged app-execution': 'applocker',
  'microsoft-windows-bits-client/operational': 'bits-client',
  'microsoft-windows-codeintegrity/operational': 'codeintegrity-operational',
  'microsoft-windows-dns client events/operational': 'dns-client',
  'dns server': 'dns-server',
  'microsoft-windows-windows firewall with advanced security/firewall': 'firewall-as',
  'microsoft-windows-lsa/operational': 'lsa-server',
  'microsoft-windows-ntlm/operational': 'ntlm',
  'openssh/operational': 'openssh',
  'microsoft-windows-powershell/operational': 'powershell',
  'windows powershell': 'powershell-classic',
  'microsoft-windows-printservice/admin': 'printservice-admin',
  'microsoft-windows-printservice/operational': 'printservice-operational',
  security: 'security',
  'microsoft-windows-sense/operational': 'sense',
  'microsoft-windows-shell-core/operational': 'shell-core',
  'microsoft-windows-smbclient/security': 'smbclient-security',
  [SYSMON_CHANNEL]: 'sysmon',
  system: 'system',
  'microsoft-windows-taskscheduler/operational': 'taskscheduler',
  'microsoft-windows-terminalservices-localsessionmanager/operational': 'terminalservices-localsessionmanager',
  'microsoft-windows-vhdmp/operational': 'vhdmp',
  'microsoft-windows-windows defender/operational': 'windefend',
  'microsoft-windows-wmi-activity/operational': 'wmi',
};

const POWERSHELL_CATEGORIES: Record<number, string> = {
  400: 'ps_classic_start',
  600: 'ps_classic_provider_start',
  800: 'ps_classic_script',
  4103: 'ps_module',
  4104: 'ps_script',
};

const logsourceCache = new Map<string, EventLogsource | undefined>();

/**
 * The logsource of a Windows event from its channel and EventID; undefined when unknown. Results
 * are shared frozen objects, so callers (and the engine's per-logsource cache) can key on identity.
 */
export function windowsLogsource(channel: unknown, eventId: unknown, eventType?: unknown): EventLogsource | undefined {
  if (typeof channel !== 'string') return undefined;
  const key = `${channel}\u0000${String(eventId)}\u0000${eventId === 12 || eventId === '12' ? String(eventType) : ''}`;
  if (logsourceCache.has(key)) return logsourceCache.get(key);
  const ls = computeWindowsLogsource(channel, eventId, eventType);
  // Channels are a small closed set in practice; the cap only guards against hostile input.
  if (logsourceCache.size < 4096) logsourceCache.set(key, ls);
  return ls;
}

function computeWindowsLogsource(channel: string, eventId: unknown, eventType: unknown): EventLogsource | undefined {
  const ch = channel.toLowerCase();
  const id = typeof eventId === 'number' ? eventId : typeof eventId === 'string' ? Number(eventId) : NaN;
  const out: { product: string; category?: string[]; service?: string[] } = { product: 'windows' };
  const service = CHANNEL_SERVICES[ch];
  if (service) out.service = [service];
  if (ch === SYSMON_CHANNEL && SYSMON_CATEGORIES[id]) {
    out.category = SYSMON_CATEGORIES[id];
    // EventID 12 is both key creation and deletion; EventType tells which.
    if (id === 12 && typeof eventType === 'string') {
      out.category = ['registry_event', /^delete/i.test(eventType) ? 'registry_delete' : 'registry_add'];
    }
  }
  if ((ch === 'windows powershell' || ch === 'microsoft-windows-powershell/operational' || ch === 'powershellcore/operational') && POWERSHELL_CATEGORIES[id]) {
    out.category = [POWERSHELL_CATEGORIES[id]];
  }
  if (ch === 'security' && id === 4688) out.category = ['process_creation'];
  return Object.freeze(out);
}

/** An event made ready for matching: flat Sigma field names, and its logsource when known. */
export interface PreparedEvent {
  fields: Record<string, unknown>;
  logsource?: EventLogsource;
}

function attrs(v: unknown): Record<string, unknown> | undefined {
  if (v && typeof v === 'object' && '#attributes' in v) {
    const a = (v as Record<string, unknown>)['#attributes'];
    if (a && typeof a === 'object') return a as Record<string, unknown>;
  }
  return undefined;
}

function textOf(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v) && '#text' in v) return (v as Record<string, unknown>)['#text'];
  return v;
}

/**
 * Flattens a Windows event export: EventData fields by name, System elements by tag, and XML
 * attributes as `Tag_Attribute` (spec: "Field Usage" — `Provider_Name`, `Execution_ProcessID`).
 */
export function flattenWindowsExport(event: { Event: Record<string, unknown> }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const sys = event.Event['System'];
  if (sys && typeof sys === 'object') {
    for (const [k, v] of Object.entries(sys as Record<string, unknown>)) {
      const a = attrs(v);
      if (a) for (const [ak, av] of Object.entries(a)) out[`${k}_${ak}`] = av;
      const t = textOf(v);
      if (t === null || typeof t !== 'object') out[k] = t;
    }
  }
  for (const section of ['EventData', 'UserData']) {
    const data = event.Event[section];
    if (!data || typeof data !== 'object') continue;
    const d = data as Record<string, unknown>;
    // Some exporters keep the XML shape: {"Data":[{"#attributes":{"Name":"Image"},"#text":"…"}]}
    const rows = Array.isArray(d['Data']) ? (d['Data'] as unknown[]) : undefined;
    if (rows && rows.every((r) => attrs(r)?.['Name'] !== undefined)) {
      for (const r of rows) out[String(attrs(r)!['Name'])] = textOf(r) ?? '';
      continue;
    }
    for (const [k, v] of Object.entries(d)) {
      if (k === '#attributes') continue;
      if (v && typeof v === 'object' && !Array.isArray(v) && section === 'UserData') {
        for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) if (k2 !== '#attributes') out[k2] = textOf(v2);
      } else out[k] = textOf(v);
    }
  }
  // Sigma names fields as the log shows them with spaces removed (`Source Name` → `SourceName`).
  for (const k of Object.keys(out)) {
    if (!k.includes(' ')) continue;
    const bare = k.replace(/ /g, '');
    if (!(bare in out)) out[bare] = out[k];
  }
  return out;
}

function upperFirst(s: string): string {
  return s.length ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/**
 * Prepares an event of any supported shape. Unknown shapes pass through unchanged (nested
 * fields stay reachable by dotted names) with no logsource.
 */
export function prepareEvent(event: Record<string, unknown>): PreparedEvent {
  if (typeof event['event_type'] === 'string' && ('src_ip' in event || 'dest_ip' in event)) return prepareEve(event);
  const ev = event['Event'];
  if (ev && typeof ev === 'object' && !Array.isArray(ev) && 'System' in ev) {
    const fields = flattenWindowsExport(event as { Event: Record<string, unknown> });
    const ls = windowsLogsource(fields['Channel'], fields['EventID'], fields['EventType']);
    return ls ? { fields, logsource: ls } : { fields };
  }
  const win = (event['data'] as Record<string, unknown> | undefined)?.['win'];
  if (win && typeof win === 'object') {
    // Wazuh lower-cases the first letter of every Windows field (`data.win.eventdata.commandLine`).
    const fields: Record<string, unknown> = { ...event };
    for (const part of ['system', 'eventdata']) {
      const sec = (win as Record<string, unknown>)[part];
      if (sec && typeof sec === 'object') for (const [k, v] of Object.entries(sec)) fields[upperFirst(k)] = v;
    }
    const eid = fields['EventID'];
    if (typeof eid === 'string' && /^\d+$/.test(eid)) fields['EventID'] = Number(eid);
    const ls = windowsLogsource(fields['Channel'], fields['EventID'], fields['EventType']);
    return ls ? { fields, logsource: ls } : { fields };
  }
  if ('Channel' in event && 'EventID' in event) {
    const ls = windowsLogsource(event['Channel'], event['EventID'], event['EventType']);
    return ls ? { fields: event, logsource: ls } : { fields: event };
  }
  return { fields: event };
}

// Compares case-insensitively; a value that is already lower-case (normalized) costs no copy.
function eqLower(x: string, want: string): boolean {
  return x === want || (x.length === want.length && x.toLowerCase() === want);
}

function has(v: string | readonly string[] | undefined, want: string): boolean {
  if (v === undefined) return false;
  if (typeof v === 'string') return eqLower(v, want);
  for (const x of v) if (eqLower(x, want)) return true;
  return false;
}

/** Lower-cases a logsource once so repeated `logsourceApplies` calls compare directly. */
export function normalizeLogsource(ev: EventLogsource): EventLogsource {
  const low = (v: string | readonly string[] | undefined): string[] | undefined =>
    v === undefined ? undefined : (typeof v === 'string' ? [v] : [...v]).map((x) => x.toLowerCase());
  const out: { product?: string; category?: string[]; service?: string[] } = {};
  if (ev.product !== undefined) out.product = ev.product.toLowerCase();
  const c = low(ev.category);
  if (c) out.category = c;
  const s = low(ev.service);
  if (s) out.service = s;
  return out;
}

/** True when an event with logsource `ev` is in scope for a rule with logsource `rule`. */
export function logsourceApplies(rule: SigmaLogsource, ev: EventLogsource): boolean {
  if (rule.product !== undefined && (ev.product === undefined || !eqLower(ev.product, rule.product))) return false;
  if (rule.category !== undefined && !has(ev.category, rule.category)) return false;
  if (rule.service !== undefined && !has(ev.service, rule.service)) return false;
  return true;
}

/** A stable key for caching per-logsource rule sets. */
export function logsourceKey(ev: EventLogsource): string {
  const norm = (v: string | readonly string[] | undefined): string =>
    v === undefined ? '' : (typeof v === 'string' ? [v] : [...v]).map((x) => x.toLowerCase()).sort().join(',');
  return `${(ev.product ?? '').toLowerCase()}|${norm(ev.category)}|${norm(ev.service)}`;
}

// Suricata EVE event types → Sigma's generic network categories (taxonomy appendix).
const EVE_CATEGORIES: Record<string, string[]> = {
  dns: ['dns'],
  http: ['proxy'],
  flow: ['firewall'],
  netflow: ['firewall'],
  alert: ['firewall'],
  tls: ['firewall'],
};

function sub(event: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = event[key];
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * Suricata EVE: the event keeps its own fields (dotted names reach nested ones) and gains the
 * Sigma taxonomy names of the dns, proxy and firewall categories.
 */
function prepareEve(event: Record<string, unknown>): PreparedEvent {
  const type = event['event_type'] as string;
  const fields: Record<string, unknown> = { ...event };
  fields['dst_ip'] = event['dest_ip'];
  fields['dst_port'] = event['dest_port'];
  if (type === 'dns') {
    const dns = sub(event, 'dns');
    // EVE v1 logs one record per query/answer; v2 nests queries and answers in arrays.
    const queries = Array.isArray(dns['queries']) ? (dns['queries'] as Array<Record<string, unknown>>) : [];
    fields['query'] = dns['rrname'] ?? queries[0]?.['rrname'];
    fields['record_type'] = dns['rrtype'] ?? queries[0]?.['rrtype'];
    const answers = Array.isArray(dns['answers']) ? (dns['answers'] as Array<Record<string, unknown>>).map((a) => a['rdata']).filter((x) => x !== undefined) : [];
    fields['answer'] = dns['rdata'] ?? (answers.length ? answers : undefined);
  } else if (type === 'http') {
    const http = sub(event, 'http');
    const url = typeof http['url'] === 'string' ? http['url'] : undefined;
    const q = url?.indexOf('?') ?? -1;
    fields['c-uri'] = url;
    fields['c-uri-stem'] = url !== undefined && q >= 0 ? url.slice(0, q) : url;
    fields['c-uri-query'] = url !== undefined && q >= 0 ? url.slice(q + 1) : undefined;
    const stem = fields['c-uri-stem'];
    const dot = typeof stem === 'string' ? stem.lastIndexOf('.') : -1;
    if (typeof stem === 'string' && dot > stem.lastIndexOf('/')) fields['c-uri-extension'] = stem.slice(dot + 1);
    fields['cs-host'] = http['hostname'];
    fields['cs-method'] = http['http_method'];
    fields['c-useragent'] = http['http_user_agent'];
    fields['cs-referrer'] = http['http_refer'];
    fields['cs-version'] = http['protocol'];
    fields['sc-status'] = http['status'];
  } else if (type === 'tls') {
    const tls = sub(event, 'tls');
    fields['server_name'] = tls['sni'];
  }
  const category = EVE_CATEGORIES[type];
  return category ? { fields, logsource: { category } } : { fields };
}
