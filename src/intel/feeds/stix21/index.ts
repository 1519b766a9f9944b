import type { ObservableType } from '../../../core/types.js';
import { defineFeedFormat, type Indicator } from '../format.js';
import { normalizeAsn, normalizeCidr, normalizeDomain, normalizeEmail, normalizeHash, normalizeIp, normalizeUrl } from '../normalize.js';
import { FeedCollector, toIsoTime, syntaxErrorLine } from '../text.js';
import { PatternError, parsePattern, type CompExpr, type Comparison, type ObsExpr } from './pattern.js';

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, max = 4096): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= 200) : [];
}

type Extracted = { type: ObservableType; value: string; matchSubdomains?: boolean };
type Kind = 'ip' | 'domain' | 'url' | 'email' | 'hash' | 'host' | 'asn';

/** Object paths Vigil can turn into indicators, with what kind of value they hold. */
function kindOf(path: string): Kind | undefined {
  switch (path) {
    case 'ipv4-addr:value':
    case 'ipv6-addr:value':
      return 'ip';
    case 'domain-name:value':
      return 'domain';
    case 'url:value':
      return 'url';
    case 'email-addr:value':
    case 'email-message:from_ref.value':
    case 'email-message:sender_ref.value':
      return 'email';
    case 'network-traffic:dst_ref.value':
    case 'network-traffic:src_ref.value':
      return 'host';
    case 'autonomous-system:number':
      return 'asn';
  }
  if (path.startsWith('file:hashes.') || path.startsWith('artifact:hashes.')) {
    const algo = path.slice(path.indexOf('.') + 1).toUpperCase().replace(/[^A-Z0-9]/g, '');
    if (algo === 'MD5' || algo === 'SHA1' || algo === 'SHA256' || algo === 'SHA512') return 'hash';
  }
  return undefined;
}

function valueFor(kind: Kind, raw: string, path: string): Extracted | undefined {
  switch (kind) {
    case 'ip':
    case 'host': {
      if (raw.includes('/')) {
        const c = normalizeCidr(raw);
        return c === undefined ? undefined : { type: 'cidr', value: c };
      }
      const ip = normalizeIp(raw);
      if (ip !== undefined) return { type: ip.includes(':') ? 'ipv6' : 'ipv4', value: ip };
      if (kind === 'ip') return undefined;
      const d = normalizeDomain(raw);
      return d === undefined ? undefined : { type: 'domain', value: d };
    }
    case 'domain': {
      const d = normalizeDomain(raw);
      return d === undefined ? undefined : { type: 'domain', value: d };
    }
    case 'url': {
      const u = normalizeUrl(raw);
      return u === undefined ? undefined : { type: 'url', value: u };
    }
    case 'email': {
      const e = normalizeEmail(raw);
      return e === undefined ? undefined : { type: 'email', value: e };
    }
    case 'asn': {
      const a = normalizeAsn(raw);
      return a === undefined ? undefined : { type: 'asn', value: a };
    }
    case 'hash': {
      const h = normalizeHash(raw);
      const algo = path.slice(path.indexOf('.') + 1).toUpperCase().replace(/[^A-Z0-9]/g, '');
      const want = algo === 'MD5' ? 'md5' : algo === 'SHA1' ? 'sha1' : algo === 'SHA256' ? 'sha256' : 'sha512';
      return h?.type === want ? h : undefined;
    }
  }
}

/** Turns a comparison into indicators, or says why it cannot. */
function fromComparison(c: Comparison): Extracted[] | string {
  const kind = kindOf(c.path);
  if (kind === undefined) return `object path ${c.path} is not an indicator Vigil looks up`;
  if (c.negated) return 'negated comparison';
  const raws: string[] = [];
  for (const v of c.values) {
    if (v.kind === 'string') raws.push(v.value);
    else if (v.kind === 'number' && kind === 'asn') raws.push(String(v.value));
    else return `a ${v.kind} value cannot be ${kind === 'hash' ? 'a hash' : `a ${kind}`}`;
  }
  let list: Extracted[] = [];
  if (c.op === '=' || c.op === 'IN') {
    for (const r of raws) {
      const e = valueFor(kind, r, c.path);
      if (e === undefined) return `"${r.slice(0, 80)}" is not a valid value for ${c.path}`;
      list.push(e);
    }
    return list;
  }
  if (c.op === 'ISSUBSET' && kind === 'ip') {
    const cidr = normalizeCidr(raws[0] ?? '');
    if (cidr === undefined) return 'ISSUBSET needs a CIDR range';
    return [{ type: 'cidr', value: cidr }];
  }
  // `LIKE '%.example.com'` is how STIX says "any subdomain of".
  if (c.op === 'LIKE' && (kind === 'domain' || kind === 'host')) {
    const r = raws[0] ?? '';
    if (r.startsWith('%.') && !r.slice(2).includes('%') && !r.includes('_')) {
      const d = normalizeDomain(r.slice(2));
      if (d !== undefined) {
        list = [{ type: 'domain', value: d, matchSubdomains: true }];
        return list;
      }
    }
    return 'LIKE is only supported as \'%.domain\'';
  }
  return `operator ${c.op} is not supported`;
}

interface Walk {
  found: Extracted[];
  /** What was left out, in words. */
  left: string[];
}

function walkComp(e: CompExpr, w: Walk): void {
  if (e.kind === 'cmp') {
    const r = fromComparison(e);
    if (typeof r === 'string') w.left.push(`${e.text}: ${r}`);
    else w.found.push(...r);
    return;
  }
  for (const item of e.items) walkComp(item, w);
}

function walkObs(e: ObsExpr, w: Walk): void {
  switch (e.kind) {
    case 'obs': walkComp(e.expr, w); return;
    case 'qualified':
      w.left.push(`${e.qualifier}: qualifier ignored, the observations are used without it`);
      walkObs(e.inner, w);
      return;
    case 'followedby':
      w.left.push('FOLLOWEDBY: sequence ignored, each observation is used on its own');
      for (const i of e.items) walkObs(i, w);
      return;
    default:
      for (const i of e.items) walkObs(i, w);
  }
}

function objectsOf(doc: unknown): unknown[] | undefined {
  if (Array.isArray(doc)) return doc;
  if (!isRecord(doc)) return undefined;
  if (Array.isArray(doc.objects)) return doc.objects; // a bundle, or a TAXII 2.1 envelope
  if (typeof doc.type === 'string') return [doc];
  return undefined;
}

/**
 * STIX 2.1 (and 2.0) JSON: a bundle, a TAXII envelope (`{"objects":[…]}`), an array of objects or
 * one object. Every `indicator` with a STIX pattern yields one indicator per supported comparison:
 * `=` and `IN` on ipv4-addr/ipv6-addr/domain-name/url/email-addr values, `file:hashes.*` and
 * `artifact:hashes.*` (MD5, SHA-1, SHA-256, SHA-512), email-message from/sender, network-traffic
 * src/dst refs and autonomous-system numbers; `ISSUBSET 'cidr'` on addresses; `LIKE '%.domain'` as a
 * subdomain match. AND/OR at both levels contribute every supported comparison. Everything else
 * (other paths, operators, negation, qualifiers, FOLLOWEDBY, non-STIX pattern types) is reported in
 * `unsupported` with the object's 1-based position in the file's object list as its line, never
 * dropped silently. `valid_from`, `valid_until`, `confidence`, `labels`, `indicator_types` and
 * `name` are carried over; a malware family comes from an `indicates` relationship to a `malware`.
 */
export const stix21 = defineFeedFormat({
  id: 'stix21',
  label: 'STIX 2.1',
  description: 'STIX 2.1 bundle (indicators with STIX patterns)',
  detect(sample) {
    const head = sample.trimStart().slice(0, 4096);
    if (!head.startsWith('{') && !head.startsWith('[')) return 0;
    if (/"type"\s*:\s*"bundle"/.test(head)) return 0.95;
    if (/"type"\s*:\s*"indicator"/.test(head) && head.includes('"pattern"')) return 0.9;
    if (/"spec_version"\s*:\s*"2\.[01]"/.test(head) && head.includes('"objects"')) return 0.8;
    return 0;
  },
  parse(text, ctx) {
    const col = new FeedCollector(ctx.file);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      col.issue(syntaxErrorLine(text, err), `not valid JSON: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`);
      return col.result();
    }
    const objects = objectsOf(doc);
    if (objects === undefined) {
      col.issue(1, 'not a STIX bundle: expected {"type":"bundle","objects":[…]}');
      return col.result();
    }
    const malwareNames = new Map<string, string>();
    for (const o of objects) {
      if (isRecord(o) && o.type === 'malware' && typeof o.id === 'string') {
        const name = str(o.name, 200);
        if (name) malwareNames.set(o.id, name);
      }
    }
    const familyOf = new Map<string, string>();
    for (const o of objects) {
      if (!isRecord(o) || o.type !== 'relationship' || o.relationship_type !== 'indicates') continue;
      const name = typeof o.target_ref === 'string' ? malwareNames.get(o.target_ref) : undefined;
      if (name && typeof o.source_ref === 'string' && !familyOf.has(o.source_ref)) familyOf.set(o.source_ref, name);
    }
    objects.forEach((o, idx) => {
      const pos = idx + 1;
      if (!isRecord(o) || o.type !== 'indicator') return;
      const field = `objects[${idx}].pattern`;
      if (o.revoked === true) return;
      const patternType = o.pattern_type ?? 'stix';
      if (patternType !== 'stix') {
        col.unsupportedPart(pos, `pattern_type "${String(patternType).slice(0, 40)}" is not supported`, 'pattern_type');
        return;
      }
      const pattern = str(o.pattern, 1_000_000);
      if (pattern === undefined) { col.issue(pos, 'indicator without a pattern', field); return; }
      let tree: ObsExpr;
      try {
        tree = parsePattern(pattern);
      } catch (err) {
        if (!(err instanceof PatternError)) throw err;
        col.issue(pos, `invalid STIX pattern: ${err.message}`, field);
        return;
      }
      const w: Walk = { found: [], left: [] };
      walkObs(tree, w);
      for (const reason of w.left) col.unsupportedPart(pos, reason, field);
      if (w.found.length === 0) return;
      const types = strings(o.indicator_types);
      const tags = [...types, ...strings(o.labels).filter((l) => !types.includes(l))];
      const id = str(o.id, 200);
      const name = str(o.name, 1000);
      const validFrom = toIsoTime(str(o.valid_from, 40));
      const validUntil = toIsoTime(str(o.valid_until, 40));
      const confidence = typeof o.confidence === 'number' && o.confidence >= 0 && o.confidence <= 100 ? Math.round(o.confidence) : undefined;
      const malware = id ? familyOf.get(id) : undefined;
      const seen = new Set<string>();
      for (const f of w.found) {
        const key = `${f.type} ${f.value}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const ind: Indicator = { type: f.type, value: f.value, tags: tags.slice(), line: pos };
        if (f.matchSubdomains) ind.matchSubdomains = true;
        if (types[0]) ind.threat = types[0];
        if (malware) ind.malware = malware;
        if (confidence !== undefined) ind.confidence = confidence;
        if (validFrom) ind.firstSeen = validFrom;
        if (validUntil) ind.validUntil = validUntil;
        if (name) ind.description = name;
        if (id) ind.reference = id;
        col.indicators.push(ind);
      }
    });
    return col.result();
  },
});
