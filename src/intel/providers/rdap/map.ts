import type { IntelResult } from '../../../core/types.js';
import type { ObservableRef } from '../../provider.js';
import { isoFromText, obj, str, strings } from '../shared.js';

export const PROVIDER = 'rdap';
const DAY = 86_400_000;

export interface RdapMapConfig {
  newDomainDays: number;
  newDomainScore: number;
}

/** The `fn` (formatted name) of a jCard (`["vcard", [["fn", {}, "text", "Name"], …]]`). */
export function vcardName(v: unknown): string | undefined {
  if (!Array.isArray(v) || v[0] !== 'vcard' || !Array.isArray(v[1])) return undefined;
  for (const prop of (v[1] as unknown[]).slice(0, 100)) {
    if (Array.isArray(prop) && prop[0] === 'fn') return str(prop[3], 120);
  }
  return undefined;
}

function registrarOf(entities: unknown): { name?: string; ianaId?: string } {
  const list = Array.isArray(entities) ? entities.slice(0, 50) : [];
  for (const e of list) {
    const ent = obj(e);
    if (!strings(ent.roles).includes('registrar')) continue;
    const ids = Array.isArray(ent.publicIds) ? ent.publicIds : [];
    const iana = ids.map(obj).find((p) => str(p.type)?.toLowerCase() === 'iana registrar id');
    const name = vcardName(ent.vcardArray) ?? str(ent.handle, 80);
    const ianaId = str(iana?.identifier, 20);
    return { ...(name && { name }), ...(ianaId && { ianaId }) };
  }
  return {};
}

function days(n: number): string {
  return `${n} day${n === 1 ? '' : 's'}`;
}

/** How long ago, in whole days, worded for a person: `6 days`, `3 years`. */
export function ageWords(d: number): string {
  if (d < 60) return days(d);
  if (d < 730) return `${Math.floor(d / 30.44)} months`;
  return `${Math.floor(d / 365.25)} years`;
}

/**
 * An RDAP domain answer (RFC 9083 §5.3) → the normalized result: registration date and age, the
 * registrar, last change and expiry, statuses and name servers. A domain registered fewer than
 * `newDomainDays` ago is suspicious (`newDomainScore`, tag `new-domain`): most phishing domains are
 * days old when they are used. Otherwise the answer is context (info, score 0).
 */
export function mapRdap(o: ObservableRef, queried: string, body: unknown, cfg: RdapMapConfig, now: Date): IntelResult {
  const d = obj(body);
  const events = new Map<string, string>();
  for (const e of Array.isArray(d.events) ? d.events.slice(0, 50) : []) {
    const action = str(obj(e).eventAction, 60)?.toLowerCase();
    const date = isoFromText(obj(e).eventDate);
    if (action && date && !events.has(action)) events.set(action, date);
  }
  const registered = events.get('registration');
  const registrar = registrarOf(d.entities);
  const status = strings(d.status, 20);
  const ns = (Array.isArray(d.nameservers) ? d.nameservers.slice(0, 13) : []).map((n) => str(obj(n).ldhName, 253)?.toLowerCase()).filter((x): x is string => !!x);
  const evidence: string[] = [];
  const tags: string[] = [];
  let verdict: IntelResult['verdict'] = 'info';
  let score = 0;
  const name = str(d.ldhName, 253)?.toLowerCase() ?? queried;
  const of = name !== o.value ? ` (${name})` : '';
  if (registered) {
    const age = Math.max(0, Math.floor((now.getTime() - Date.parse(registered)) / DAY));
    evidence.push(`registered ${registered.slice(0, 10)}, ${ageWords(age)} ago${of}${registrar.name ? `, by ${registrar.name}` : ''}`);
    tags.push(`domain-age:${age}d`);
    if (age < cfg.newDomainDays) {
      verdict = 'suspicious';
      score = cfg.newDomainScore;
      tags.push('new-domain');
      evidence[0] += ` — newly registered (under ${days(cfg.newDomainDays)})`;
    }
  } else {
    evidence.push(`no registration date in the RDAP record${of}${registrar.name ? `; registrar ${registrar.name}` : ''}`);
  }
  if (registrar.name) tags.push(`registrar:${registrar.name}`);
  const changed = events.get('last changed');
  const expires = events.get('expiration');
  const dates = [changed && `last changed ${changed.slice(0, 10)}`, expires && `expires ${expires.slice(0, 10)}`].filter(Boolean);
  if (dates.length) evidence.push(dates.join(', '));
  if (status.length) evidence.push(`status: ${status.slice(0, 6).join(', ')}`);
  if (status.some((s) => /hold|redemption|pending delete/i.test(s))) tags.push('status:hold-or-deleting');
  if (ns.length) evidence.push(`name servers ${ns.slice(0, 4).join(', ')}${ns.length > 4 ? ` (+${ns.length - 4})` : ''}`);
  const result: IntelResult = {
    provider: PROVIDER,
    observable: { type: o.type, value: o.value },
    verdict,
    score,
    evidence,
    tags,
    raw: { ldhName: name, events: Object.fromEntries(events), registrar, status, nameservers: ns },
  };
  if (registered) result.firstSeen = registered;
  return result;
}

/** The registry has no record of the domain (404), or no RDAP server serves its TLD. */
export function noRecord(o: ObservableRef, why: string): IntelResult {
  return { provider: PROVIDER, observable: { type: o.type, value: o.value }, verdict: 'unknown', score: 0, evidence: [why], tags: [] };
}
