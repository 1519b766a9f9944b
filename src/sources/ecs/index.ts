import { VigilError } from '../../core/errors.js';
import { alertId } from '../../core/ids.js';
import { defineAlertSource, type NormalizedAlert } from '../source.js';
import { obj, str, toIsoTime, type Json } from '../fields.js';
import { ObservableBag } from '../observe.js';

/**
 * Elastic Security alerts (ECS): the documents detection rules write to `.alerts-security.alerts-*`
 * (8.x, `kibana.alert.*`) and the legacy 7.x signals (`signal.*`).
 */

/**
 * A field by its dotted ECS name. Elastic writes `kibana.alert.*` as flat dotted keys and copies the
 * source event's ECS fields as nested objects, and either may appear at any level, so both are tried.
 */
export function ecsGet(o: unknown, path: string): unknown {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const rec = o as Json;
  if (Object.hasOwn(rec, path)) return rec[path];
  for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) {
    const head = path.slice(0, dot);
    if (Object.hasOwn(rec, head)) {
      const v = ecsGet(rec[head], path.slice(dot + 1));
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

function first(rec: Json, ...paths: string[]): unknown {
  for (const p of paths) {
    const v = ecsGet(rec, p);
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

/** ECS allows a single value or an array for most keyword fields. */
function values(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(str).filter((x): x is string => x !== undefined && x !== '');
  const s = str(v);
  return s ? [s] : [];
}

// Elastic's default risk score for each severity, used when a document carries only the severity.
const SEVERITY_RISK: Record<string, number> = { low: 21, medium: 47, high: 73, critical: 99 };

function isAlertDoc(r: Json): boolean {
  if (Object.hasOwn(r, 'kibana.alert.rule.name') || Object.hasOwn(r, 'kibana.alert.uuid') || Object.hasOwn(r, 'kibana.alert.rule.uuid')) return true;
  const kibana = obj(r.kibana);
  if (kibana && (obj(kibana.alert) || Object.hasOwn(kibana, 'alert.rule.name') || Object.hasOwn(kibana, 'alert.uuid'))) return true;
  const signal = obj(r.signal);
  return !!signal && (obj(signal.rule) !== undefined || Object.hasOwn(signal, 'rule.name'));
}

function riskOf(r: Json): number {
  const raw = first(r, 'kibana.alert.risk_score', 'kibana.alert.rule.risk_score', 'signal.rule.risk_score');
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (Number.isFinite(n)) {
    if (n < 0 || n > 100) throw new VigilError('VIGIL_INPUT_INVALID', `must be 0–100, got ${JSON.stringify(raw)}`, { field: 'kibana.alert.risk_score' });
    return n;
  }
  const sev = str(first(r, 'kibana.alert.severity', 'kibana.alert.rule.severity', 'signal.rule.severity'))?.toLowerCase();
  const mapped = sev !== undefined ? SEVERITY_RISK[sev] : undefined;
  if (mapped === undefined) {
    throw new VigilError('VIGIL_INPUT_INVALID', `needs a risk score (0–100) or a severity (low, medium, high, critical)${sev ? `, got severity ${JSON.stringify(sev)}` : ''}`, {
      field: 'kibana.alert.risk_score',
    });
  }
  return mapped;
}

/** `kibana.alert.rule.threat` (or ECS `threat`): tactics and techniques, sub-techniques included. */
function mitreOf(r: Json): NormalizedAlert['rule']['mitre'] {
  const out = { ids: [] as string[], tactics: [] as string[], techniques: [] as string[] };
  const threat = first(r, 'kibana.alert.rule.threat', 'signal.rule.threat', 'threat');
  const list = (Array.isArray(threat) ? threat : [threat]).slice(0, 50);
  for (const t of list) {
    const tactic = obj(ecsGet(t, 'tactic'));
    const tacticName = str(tactic?.name);
    if (tacticName && !out.tactics.includes(tacticName)) out.tactics.push(tacticName);
    const techniques = ecsGet(t, 'technique');
    for (const tech of (Array.isArray(techniques) ? techniques : [techniques]).slice(0, 50)) {
      const o = obj(tech);
      if (!o) continue;
      for (const id of values(o.id)) if (!out.ids.includes(id)) out.ids.push(id);
      for (const n of values(o.name)) if (!out.techniques.includes(n)) out.techniques.push(n);
      const subs = o.subtechnique;
      for (const sub of (Array.isArray(subs) ? subs : [subs]).slice(0, 50)) {
        for (const id of values(obj(sub)?.id)) if (!out.ids.includes(id)) out.ids.push(id);
      }
    }
  }
  return out;
}

// ECS field → observable: [type, role]. `ip` and `hash` are validated; the rest are kept as given.
const FIELDS: Array<[string, 'ip' | 'hash' | 'domain' | 'url' | 'user' | 'process' | 'commandline' | 'filepath' | 'email', string]> = [
  ['source.ip', 'ip', 'src'],
  ['client.ip', 'ip', 'src'],
  ['destination.ip', 'ip', 'dst'],
  ['server.ip', 'ip', 'dst'],
  ['source.domain', 'domain', 'src'],
  ['destination.domain', 'domain', 'dst'],
  ['dns.question.name', 'domain', 'dst'],
  ['url.domain', 'domain', 'dst'],
  ['tls.client.server_name', 'domain', 'dst'],
  ['url.full', 'url', 'dst'],
  ['url.original', 'url', 'dst'],
  ['user.name', 'user', 'user'],
  ['user.target.name', 'user', 'user'],
  ['source.user.name', 'user', 'user'],
  ['email.from.address', 'email', 'src'],
  ['email.to.address', 'email', 'dst'],
  ['process.executable', 'process', 'process'],
  ['process.parent.executable', 'process', 'parent'],
  ['process.command_line', 'commandline', 'process'],
  ['process.parent.command_line', 'commandline', 'parent'],
  ['process.hash.md5', 'hash', 'process'],
  ['process.hash.sha1', 'hash', 'process'],
  ['process.hash.sha256', 'hash', 'process'],
  ['file.path', 'filepath', 'file'],
  ['file.hash.md5', 'hash', 'file'],
  ['file.hash.sha1', 'hash', 'file'],
  ['file.hash.sha256', 'hash', 'file'],
  ['dll.hash.sha256', 'hash', 'file'],
  ['related.ip', 'ip', 'related'],
  ['related.hash', 'hash', 'related'],
  ['related.user', 'user', 'related'],
  ['related.hosts', 'domain', 'related'],
];

export default defineAlertSource({
  id: 'ecs',
  description: 'Elastic Security alerts (ECS documents with kibana.alert.* or legacy signal.* fields)',
  accepts: isAlertDoc,
  normalize(r) {
    const ruleName = str(first(r, 'kibana.alert.rule.name', 'signal.rule.name', 'rule.name'));
    if (!ruleName) throw new VigilError('VIGIL_INPUT_INVALID', 'missing or not a string', { field: 'kibana.alert.rule.name' });
    const ruleId = str(first(r, 'kibana.alert.rule.rule_id', 'kibana.alert.rule.uuid', 'signal.rule.rule_id', 'signal.rule.id', 'rule.id', 'rule.uuid')) ?? ruleName;
    const timeField = ecsGet(r, 'kibana.alert.original_time') !== undefined ? 'kibana.alert.original_time' : ecsGet(r, 'signal.original_time') !== undefined ? 'signal.original_time' : '@timestamp';
    const time = toIsoTime(ecsGet(r, timeField), timeField);
    const hostName = str(first(r, 'host.name', 'host.hostname', 'agent.name', 'observer.name', 'observer.hostname'));
    // 8.x alerts carry their own id; legacy signals do not, so rule + original event + time stand in for it.
    const sourceRef =
      str(first(r, 'kibana.alert.uuid')) ??
      `${ruleId}:${str(first(r, 'signal.parent.id', 'kibana.alert.ancestors.id', 'event.id')) ?? hostName ?? '-'}:${time}`;
    const level = riskOf(r);

    const bag = new ObservableBag();
    for (const [field, kind, role] of FIELDS) {
      const v = ecsGet(r, field);
      if (v === undefined) continue;
      // `source.ip` → `source.port`: the port on that side of the connection.
      const port = kind === 'ip' && !field.startsWith('related.') ? ecsGet(r, `${field.slice(0, field.lastIndexOf('.'))}.port`) : undefined;
      for (const value of values(v).slice(0, 50)) {
        if (kind === 'ip') bag.ip(value, role, field, port);
        else if (kind === 'hash') bag.hash(value, role, field);
        else if (kind === 'url') {
          if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) bag.add('url', value, role, field);
        } else bag.add(kind, value, role, field);
      }
    }
    // No absolute `url.full`/`url.original` (ECS often keeps only the request path there): the URL from
    // its parts, keeping `url.scheme` and `url.port`.
    if (!bag.items.some((o) => o.type === 'url' && o.context?.startsWith('url.'))) {
      const path = str(ecsGet(r, 'url.path')) ?? str(ecsGet(r, 'url.original'));
      const host = str(first(r, 'url.domain', 'destination.domain', 'destination.ip'));
      if (path && host) {
        bag.url({ scheme: ecsGet(r, 'url.scheme'), host, port: ecsGet(r, 'url.port') ?? ecsGet(r, 'destination.port'), path, query: ecsGet(r, 'url.query') }, 'dst', 'url.path');
      }
    }
    if (hostName) bag.add('host', hostName, 'host', 'host.name');
    const hostIps = values(ecsGet(r, 'host.ip'));
    for (const ip of hostIps.slice(0, 10)) bag.ip(ip, 'host', 'host.ip');

    const text: NormalizedAlert['text'] = [];
    const message = str(ecsGet(r, 'message'));
    if (message) text.push({ field: 'message', value: message });
    const cmd = str(ecsGet(r, 'process.command_line'));
    if (cmd) text.push({ field: 'process.command_line', value: cmd });

    const reason = str(first(r, 'kibana.alert.reason', 'signal.reason'));
    const description = reason ?? str(first(r, 'kibana.alert.rule.description', 'signal.rule.description')) ?? message ?? '';
    const groups = [...values(first(r, 'kibana.alert.rule.tags', 'signal.rule.tags')), ...values(ecsGet(r, 'event.category'))];
    const hostIp = hostIps.find((ip) => !ip.includes(':')) ?? hostIps[0];
    const hostId = str(first(r, 'host.id', 'agent.id'));
    const fromObserver = !str(first(r, 'host.name', 'host.hostname', 'agent.name'));
    return {
      id: alertId('ecs', sourceRef),
      source: 'ecs',
      sourceRef,
      time,
      title: ruleName,
      description,
      rule: { id: ruleId, level, scale: 'generic', groups: [...new Set(groups)].slice(0, 50), mitre: mitreOf(r) },
      host: { name: hostName ?? 'unknown', role: fromObserver && hostName ? 'sensor' : 'agent', ...(hostIp && { ip: hostIp }), ...(hostId && { id: hostId }) },
      observables: bag.items,
      text,
      raw: r,
    };
  },
});
