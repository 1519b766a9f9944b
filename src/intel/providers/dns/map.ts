import type { IntelResult } from '../../../core/types.js';
import type { ObservableRef } from '../../provider.js';

export const PROVIDER = 'dns';
const SHOW = 8;

/** What the queries found; `undefined` = not asked, `null` = the name does not exist (NXDOMAIN). */
export interface DnsAnswers {
  name: string;
  a?: string[] | null;
  aaaa?: string[] | null;
  mx?: Array<{ exchange: string; priority: number }> | null;
  ns?: string[] | null;
  txt?: string[] | null;
  dmarc?: string[] | null;
  ptr?: string[] | null;
}

function list(xs: readonly string[]): string {
  return xs.length > SHOW ? `${xs.slice(0, SHOW).join(', ')} and ${xs.length - SHOW} more` : xs.join(', ');
}

function clip(s: string): string {
  const flat = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}

/** The records of a name → an `info` result (DNS gives context, never a score). */
export function mapDns(o: ObservableRef, a: DnsAnswers): IntelResult {
  const evidence: string[] = [];
  const tags: string[] = [];
  if (a.ptr !== undefined) {
    if (a.ptr?.length) evidence.push(`reverse name ${list(a.ptr)}`);
    else evidence.push('no reverse (PTR) record');
  }
  const nx = a.a === null || a.aaaa === null || a.mx === null || a.ns === null;
  if (nx && o.type !== 'email') {
    evidence.push(`${a.name} does not exist (NXDOMAIN)`);
    tags.push('nxdomain');
  } else if (a.a !== undefined || a.aaaa !== undefined) {
    const addrs = [...(a.a ?? []), ...(a.aaaa ?? [])];
    evidence.push(addrs.length ? `resolves to ${list(addrs)}` : 'has no address records');
  }
  if (a.mx !== undefined && !(nx && o.type !== 'email')) {
    if (a.mx === null && o.type === 'email') {
      evidence.push(`mail domain ${a.name} does not exist (NXDOMAIN)`);
      tags.push('nxdomain');
    } else if (a.mx?.length) evidence.push(`mail: ${list([...a.mx].sort((x, y) => x.priority - y.priority).map((m) => `${m.priority} ${m.exchange}`))}`);
    else {
      evidence.push('no MX record');
      tags.push('no-mx');
    }
  }
  if (a.ns?.length) evidence.push(`name servers: ${list(a.ns)}`);
  if (a.txt !== undefined && a.txt !== null && !nx) {
    const spf = a.txt.filter((t) => /^v=spf1(\s|$)/i.test(t));
    if (spf.length) evidence.push(`SPF: ${clip(spf[0]!)}${spf.length > 1 ? ` (${spf.length} SPF records: invalid)` : ''}`);
    else {
      evidence.push('no SPF record');
      tags.push('no-spf');
    }
    const other = a.txt.length - spf.length;
    if (other > 0) evidence.push(`${other} other TXT record${other === 1 ? '' : 's'}`);
  }
  if (a.dmarc !== undefined && !(a.mx === null || nx)) {
    const d = (a.dmarc ?? []).filter((t) => /^v=DMARC1(;|\s|$)/i.test(t));
    if (d.length) {
      evidence.push(`DMARC: ${clip(d[0]!)}`);
      const p = /(?:^|;)\s*p\s*=\s*(none|quarantine|reject)/i.exec(d[0]!);
      if (p) tags.push(`dmarc:${p[1]!.toLowerCase()}`);
    } else {
      evidence.push('no DMARC record');
      tags.push('no-dmarc');
    }
  }
  return { provider: PROVIDER, observable: { type: o.type, value: o.value }, verdict: 'info', score: 0, evidence, tags, raw: a };
}
