import type { ObservableType } from '../../../core/types.js';
import { defineFeedFormat, type Indicator } from '../format.js';
import { normalizeAsn, normalizeCidr, normalizeDomain, normalizeEmail, normalizeHash, normalizeIp, normalizeUrl } from '../normalize.js';
import { FeedCollector, toIsoTime, syntaxErrorLine } from '../text.js';

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, max = 4096): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Galaxy clusters that name a malware family rather than an actor, a technique or a sector. */
const FAMILY_GALAXY = /^misp-galaxy:(malpedia|ransomware|banker|botnet|rat|stealer|backdoor|tool|android|exploit-kit)="([^"]{1,120})"$/;
const THREAT_LEVEL: Record<string, string> = { '1': 'high', '2': 'medium', '3': 'low', '4': 'undefined' };

/** Confidence for attributes MISP marks for detection (`to_ids`) and for context-only ones. */
export const MISP_TO_IDS_CONFIDENCE = 90;
export const MISP_CONTEXT_CONFIDENCE = 30;

/** One attribute's value(s) as indicators, `'unsupported'` for types Vigil does not look up, or an error. */
function mapAttribute(type: string, value: string): Array<{ type: ObservableType; value: string }> | 'unsupported' | string {
  const parts = type.includes('|') || type === 'malware-sample' ? value.split('|', 3) : [value];
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  const ip = (s: string): { type: ObservableType; value: string } | undefined => {
    if (s.includes('/')) {
      const c = normalizeCidr(s);
      return c === undefined ? undefined : { type: 'cidr', value: c };
    }
    const v = normalizeIp(s);
    return v === undefined ? undefined : { type: v.includes(':') ? 'ipv6' : 'ipv4', value: v };
  };
  const one = (r: { type: ObservableType; value: string } | undefined, what: string) =>
    r === undefined ? `"${value.slice(0, 80)}" is not a valid ${what}` : [r];
  switch (type) {
    case 'ip-src':
    case 'ip-dst':
    case 'ip-src|port':
    case 'ip-dst|port':
      return one(ip(first), 'IP address');
    case 'domain':
    case 'hostname':
    case 'hostname|port': {
      const d = normalizeDomain(first);
      return one(d === undefined ? undefined : { type: 'domain', value: d }, 'domain');
    }
    case 'domain|ip': {
      const d = normalizeDomain(first);
      const a = ip(parts[1] ?? '');
      if (d === undefined || a === undefined) return `"${value.slice(0, 80)}" is not a valid domain|ip`;
      return [{ type: 'domain', value: d }, a];
    }
    case 'url': {
      const u = normalizeUrl(first);
      return one(u === undefined ? undefined : { type: 'url', value: u }, 'URL');
    }
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
    case 'filename|md5':
    case 'filename|sha1':
    case 'filename|sha256':
    case 'filename|sha512':
    case 'malware-sample': {
      const want = type === 'malware-sample' ? 'md5' : type.slice(type.indexOf('|') + 1);
      const h = normalizeHash(last);
      return one(h?.type === want ? h : undefined, want);
    }
    case 'email':
    case 'email-src':
    case 'email-dst':
    case 'email-reply-to':
    case 'whois-registrant-email': {
      const e = normalizeEmail(first);
      return one(e === undefined ? undefined : { type: 'email', value: e }, 'email address');
    }
    case 'AS': {
      const a = normalizeAsn(first);
      return one(a === undefined ? undefined : { type: 'asn', value: a }, 'AS number');
    }
    default:
      return 'unsupported';
  }
}

function tagNames(v: unknown): string[] {
  const out: string[] = [];
  for (const t of arr(v)) {
    const name = isRecord(t) ? str(t.name, 300) : undefined;
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

function familyOf(tags: string[]): string | undefined {
  for (const t of tags) {
    const m = FAMILY_GALAXY.exec(t);
    if (m) return m[2];
  }
  return undefined;
}

/** The events in a parsed MISP document: `{"Event":…}`, a bare event, `[{"Event":…}]` or `{"response":[…]}`. */
function eventsOf(doc: unknown): Rec[] | undefined {
  if (Array.isArray(doc)) {
    const out = doc.map((d) => (isRecord(d) && isRecord(d.Event) ? d.Event : undefined));
    return out.every((e) => e !== undefined) ? (out as Rec[]) : undefined;
  }
  if (!isRecord(doc)) return undefined;
  if (isRecord(doc.Event)) return [doc.Event];
  if (Array.isArray(doc.response)) return eventsOf(doc.response);
  if (Array.isArray(doc.Attribute) || Array.isArray(doc.Object) || (typeof doc.info === 'string' && typeof doc.uuid === 'string')) return [doc];
  return undefined;
}

/**
 * The event uuids a MISP feed `manifest.json` lists (`{ "<uuid>": { info, Orgc, Tag, … } }`), or
 * `undefined` when the text is not a manifest. A feed folder is imported by reading the manifest and
 * passing each `<uuid>.json` to the `misp` format: the format itself reads one file at a time.
 */
export function mispManifestEvents(text: string): string[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  return manifestUuids(doc);
}

function manifestUuids(doc: unknown): string[] | undefined {
  if (!isRecord(doc)) return undefined;
  const keys = Object.keys(doc);
  if (keys.length === 0 || !keys.every((k) => UUID.test(k) && isRecord(doc[k]))) return undefined;
  return keys;
}

/**
 * MISP event JSON, one file: `{"Event":{…}}` as MISP feeds and exports write it, a bare event
 * object, or a REST search answer (`{"response":[{"Event":…}]}`). Attributes and the attributes of
 * objects become indicators (ip-src/ip-dst, domain, hostname, url, md5/sha1/sha256/sha512, email
 * types, AS); composite types take the IOC part (`filename|sha256` → the SHA-256, `ip-dst|port` →
 * the IP, `domain|ip` → both). `to_ids` sets confidence (90, or 30 for context-only attributes) and a
 * tag; event and attribute tags are kept; a malware galaxy tag names the family; the category
 * becomes the threat. Other attribute types are reported once per type as unsupported. `line` is the
 * attribute's ordinal in the file (MISP JSON has no useful line numbers). A feed `manifest.json` is
 * recognised and yields no indicators (one `unsupported` note): the caller reads the folder and
 * passes each event file (see `mispManifestEvents`).
 */
export const misp = defineFeedFormat({
  id: 'misp',
  label: 'MISP',
  description: 'MISP event JSON (one event file of a MISP feed or export)',
  detect(sample) {
    const head = sample.trimStart();
    if (!head.startsWith('{') && !head.startsWith('[')) return 0;
    if (/"Event"\s*:\s*\{/.test(head.slice(0, 4096))) return 0.95;
    if (head.includes('"Attribute"') && (head.includes('"threat_level_id"') || head.includes('"to_ids"'))) return 0.9;
    // manifest.json: uuid keys whose values carry event summaries.
    if (/^\{\s*"[0-9a-f]{8}-[0-9a-f-]{27}"\s*:\s*\{/i.test(head.slice(0, 200)) && head.includes('"info"')) return 0.85;
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
    const events = eventsOf(doc);
    if (events === undefined) {
      const uuids = manifestUuids(doc);
      // A manifest is a valid part of a feed folder, not a broken event: say what it is, not that it failed.
      if (uuids) col.unsupportedPart(1, `MISP feed manifest listing ${uuids.length} event(s): it holds no attributes; each <uuid>.json event file is imported on its own`);
      else col.issue(1, 'not a MISP event: expected {"Event":{…}}');
      return col.result();
    }
    const unsupported = new Map<string, { line: number; count: number }>();
    let ordinal = 0;
    for (const ev of events) {
      const evTags = tagNames(ev.Tag);
      const level = THREAT_LEVEL[String(ev.threat_level_id ?? '')];
      if (level && level !== 'undefined') evTags.push(`misp:threat-level="${level}"`);
      const info = str(ev.info, 1000);
      const uuid = str(ev.uuid, 64);
      const evDate = toIsoTime(str(ev.date, 40));
      const handle = (a: unknown, extraTags: string[]): void => {
        ordinal++;
        if (!isRecord(a)) { col.issue(ordinal, 'attribute is not an object'); return; }
        if (a.deleted === true) return;
        const type = str(a.type, 100);
        const value = str(a.value, 8192);
        if (type === undefined || value === undefined) { col.issue(ordinal, 'attribute without type or value'); return; }
        const mapped = mapAttribute(type, value.trim());
        if (mapped === 'unsupported') {
          const u = unsupported.get(type);
          if (u) u.count++;
          else unsupported.set(type, { line: ordinal, count: 1 });
          return;
        }
        if (typeof mapped === 'string') { col.issue(ordinal, mapped, type); return; }
        const attrTags = tagNames(a.Tag);
        const toIds = a.to_ids === true || a.to_ids === '1' || a.to_ids === 1;
        const tags = [...evTags, ...extraTags, ...attrTags.filter((t) => !evTags.includes(t)), toIds ? 'misp:to_ids' : 'misp:context-only'];
        const malware = familyOf(attrTags) ?? familyOf(evTags);
        const category = str(a.category, 100);
        const first = toIsoTime(str(a.first_seen, 40)) ?? toIsoTime(str(a.timestamp, 20)) ?? evDate;
        const last = toIsoTime(str(a.last_seen, 40));
        for (const m of mapped) {
          const ind: Indicator = {
            type: m.type,
            value: m.value,
            tags: tags.slice(),
            confidence: toIds ? MISP_TO_IDS_CONFIDENCE : MISP_CONTEXT_CONFIDENCE,
            line: ordinal,
          };
          if (category) ind.threat = category.toLowerCase().replace(/\s+/g, '_');
          if (malware) ind.malware = malware;
          if (info) ind.description = info;
          if (uuid) ind.reference = `misp:event/${uuid}`;
          if (first) ind.firstSeen = first;
          if (last) ind.lastSeen = last;
          col.indicators.push(ind);
        }
      };
      for (const a of arr(ev.Attribute)) handle(a, []);
      for (const o of arr(ev.Object)) {
        if (!isRecord(o) || o.deleted === true) continue;
        const name = str(o.name, 100);
        for (const a of arr(o.Attribute)) handle(a, name ? [`misp-object:${name}`] : []);
      }
    }
    for (const [t, u] of unsupported) {
      col.unsupportedPart(u.line, `${u.count} attribute(s) of type "${t}" not used as indicators`, 'type');
    }
    return col.result();
  },
});
