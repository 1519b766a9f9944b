import type { IntelResult } from '../../../core/types.js';
import type { ObservableRef } from '../../provider.js';
import { obj, str } from '../shared.js';

export const PROVIDER = 'ipinfo';
const PRIVACY_FLAGS = ['vpn', 'proxy', 'tor', 'relay', 'hosting'] as const;
const PRIVACY_WORDS: Record<string, string> = { vpn: 'VPN', proxy: 'proxy', tor: 'Tor', relay: 'relay', hosting: 'hosting' };

export function noData(o: ObservableRef, detail: string): IntelResult {
  return { provider: PROVIDER, observable: { type: o.type, value: o.value }, verdict: 'unknown', score: 0, evidence: [`IPinfo has no data${detail ? `: ${detail}` : ''}`], tags: [] };
}

/**
 * An IPinfo answer → an `info` result: where the address is, which network owns it, and whether
 * it is a VPN, proxy, Tor, relay or hosting address (paid plans). IPinfo gives context, not a
 * verdict, so the score is always 0.
 */
export function mapIpinfo(o: ObservableRef, body: unknown): IntelResult {
  const b = obj(body);
  const evidence: string[] = [];
  const tags: string[] = [];
  if (b.bogon === true) {
    evidence.push('bogon: not routable on the internet');
    tags.push('bogon');
  }
  const place = [str(b.city, 80), str(b.region, 80), str(b.country, 8)].filter(Boolean);
  if (place.length) evidence.push(`located in ${place.join(', ')}`);
  const country = str(b.country, 8);
  if (country) tags.push(`country:${country}`);
  const asn = obj(b.asn);
  const asnId = str(asn.asn, 20);
  if (asnId) {
    const extra = [str(asn.domain, 80), str(asn.route, 50) ? `route ${str(asn.route, 50)}` : undefined, str(asn.type, 30) ? `type ${str(asn.type, 30)}` : undefined].filter(Boolean);
    evidence.push(`network ${asnId} ${str(asn.name, 120) ?? ''}`.trimEnd() + (extra.length ? ` (${extra.join(', ')})` : ''));
    tags.push(asnId.toUpperCase());
  } else {
    const org = str(b.org, 160);
    if (org) {
      evidence.push(`network ${org}`);
      const m = /^(AS\d{1,10})\b/i.exec(org);
      if (m) tags.push(m[1]!.toUpperCase());
    }
  }
  const host = str(b.hostname, 253);
  if (host) evidence.push(`hostname ${host}`);
  const company = obj(b.company);
  const companyName = str(company.name, 120);
  if (companyName) evidence.push(`company ${companyName}${str(company.type, 30) ? ` (${str(company.type, 30)})` : ''}`);
  const privacy = obj(b.privacy);
  const flags = PRIVACY_FLAGS.filter((f) => privacy[f] === true);
  if (flags.length) {
    const service = str(privacy.service, 80);
    evidence.push(`privacy: ${flags.map((f) => PRIVACY_WORDS[f]).join(', ')}${service ? ` (service: ${service})` : ''}`);
    tags.push(...flags);
  }
  const abuse = str(obj(b.abuse).email, 120);
  if (abuse) evidence.push(`abuse contact ${abuse}`);
  return { provider: PROVIDER, observable: { type: o.type, value: o.value }, verdict: evidence.length ? 'info' : 'unknown', score: 0, evidence, tags, raw: b };
}
