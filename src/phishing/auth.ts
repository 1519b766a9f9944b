import { decodeWords, type Header } from 'postal-mime';
import { addressDomain, hostUnder, sameOrg } from './domains.js';
import type { FindingSet } from './findings.js';
import type { BrandIndex } from './lookalike.js';
import type { ArcResult, AuthEntry, AuthHeaderParsed, AuthSummary, DkimResult, DmarcResult, SpfResult } from './types.js';

const MAX_VALUE = 16 * 1024;
const MAX_ENTRIES = 50;
/** Properties kept per entry; more are read past and dropped. */
const MAX_PROPS = 20;

function isWsp(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** A cursor over one header value, with RFC 5322 comment (CFWS) skipping. Every step advances. */
class Cursor {
  pos = 0;
  comments: string[] = [];
  constructor(readonly s: string) {}

  get done(): boolean {
    return this.pos >= this.s.length;
  }

  peek(): number {
    return this.s.charCodeAt(this.pos);
  }

  /** Skips whitespace and (nested) comments, keeping the comments' text. */
  cfws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (isWsp(c)) {
        this.pos++;
        continue;
      }
      if (c !== 40 /* ( */) return;
      let depth = 0;
      const start = this.pos + 1;
      let end = s.length;
      while (this.pos < s.length) {
        const d = s.charCodeAt(this.pos);
        if (d === 92 /* \ */) this.pos++;
        else if (d === 40) depth++;
        else if (d === 41 /* ) */ && --depth === 0) {
          end = this.pos;
          this.pos++;
          break;
        }
        this.pos++;
      }
      if (this.comments.length < 8) this.comments.push(s.slice(start, Math.min(end, start + 500)).trim());
    }
  }

  /** A token up to whitespace, `;`, `(`, or one of `stop`. */
  token(stop = ''): string {
    const s = this.s;
    const from = this.pos;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (isWsp(c) || c === 59 || c === 40 || (stop && stop.includes(s[this.pos]!))) break;
      this.pos++;
    }
    return s.slice(from, this.pos);
  }

  quoted(): string {
    const s = this.s;
    this.pos++; // opening quote
    let out = '';
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 92 && this.pos + 1 < s.length) {
        out += s[this.pos + 1];
        this.pos += 2;
        continue;
      }
      this.pos++;
      if (c === 34) break;
      out += String.fromCharCode(c);
    }
    return out;
  }

  value(): string {
    return this.peek() === 34 ? this.quoted() : this.token();
  }

  /** Reads one `key=value` property; undefined (having moved on) when what is here is not one. */
  property(): { key: string; value: string } | undefined {
    const start = this.pos;
    const key = this.token('=').toLowerCase();
    this.cfws();
    if (this.peek() !== 61 /* = */) {
      if (this.pos === start) this.pos++;
      return undefined;
    }
    this.pos++;
    this.cfws();
    return { key, value: this.value() };
  }

  /** Skips to just past the next `;` (or the end). */
  skipToSemicolon(): void {
    const i = this.s.indexOf(';', this.pos);
    this.pos = i < 0 ? this.s.length : i + 1;
  }
}

/** Adds a property while fewer than MAX_PROPS distinct ones are kept. */
function keep(props: Record<string, string>, p: { key: string; value: string }): void {
  if (p.key && Object.keys(props).length < MAX_PROPS) props[p.key] = p.value;
}

function prepare(value: string): string {
  let v = value.length > MAX_VALUE ? value.slice(0, MAX_VALUE) : value;
  // Some mailers encode the whole field as RFC 2047 words.
  if (v.trimStart().startsWith('=?')) v = decodeWords(v);
  return v;
}

/** Reads `method=result (comment) reason="…" ptype.prop=value …` entries up to the end. */
function readEntries(c: Cursor): AuthEntry[] {
  const entries: AuthEntry[] = [];
  while (!c.done && entries.length < MAX_ENTRIES) {
    c.cfws();
    if (c.peek() === 59) {
      c.pos++;
      continue;
    }
    if (c.done) break;
    c.comments = [];
    const method = c.token('=/').toLowerCase();
    if (c.peek() === 47 /* / version */) {
      c.pos++;
      c.token('=');
    }
    c.cfws();
    if (!method || c.peek() !== 61 /* = */) {
      // not a method=result pair ("none", garbage): skip this resinfo
      c.skipToSemicolon();
      continue;
    }
    c.pos++;
    c.cfws();
    const result = c.token('=').toLowerCase();
    const entry: AuthEntry = { method, result, reason: null, props: {}, comment: null };
    for (;;) {
      c.cfws();
      if (c.done || c.peek() === 59) break;
      const p = c.property();
      if (p?.key === 'reason') entry.reason = p.value;
      else if (p) keep(entry.props, p);
    }
    if (c.comments.length) entry.comment = c.comments.join('; ');
    entries.push(entry);
  }
  return entries;
}

/**
 * Parses an Authentication-Results (RFC 8601) or ARC-Authentication-Results value. Tolerates what
 * real servers write: no authserv-id (Microsoft), `i=` first (ARC), comments anywhere, quoted
 * values, properties without a ptype, and fields that are RFC 2047-encoded as a whole.
 */
export function parseAuthResults(value: string, header: AuthHeaderParsed['header'] = 'Authentication-Results'): AuthHeaderParsed {
  const c = new Cursor(prepare(value));
  let instance: number | null = null;
  let authservId: string | null = null;
  c.cfws();
  if (header === 'ARC-Authentication-Results') {
    const save = c.pos;
    const k = c.token('=');
    if (k.toLowerCase() === 'i' && c.peek() === 61) {
      c.pos++;
      const n = Number.parseInt(c.token(), 10);
      instance = Number.isFinite(n) ? n : null;
      c.cfws();
      if (c.peek() === 59) c.pos++;
      c.cfws();
    } else c.pos = save;
  }
  const save = c.pos;
  const first = c.token('=');
  c.cfws();
  if (first && c.peek() !== 61 && first.toLowerCase() !== 'none') {
    authservId = first.toLowerCase();
    // optional version number
    const v0 = c.pos;
    if (!/^\d+$/.test(c.token())) c.pos = v0;
    c.cfws();
    if (c.peek() === 59) c.pos++;
  } else if (first.toLowerCase() === 'none') {
    return { header, authservId: null, instance, entries: [] };
  } else {
    c.pos = save;
  }
  return { header, authservId, instance, entries: readEntries(c) };
}

/** Received-SPF (RFC 7208 §9.1): `result (comment) key=value; …`. */
export function parseReceivedSpf(value: string): AuthHeaderParsed {
  const c = new Cursor(prepare(value));
  c.cfws();
  const result = c.token().toLowerCase();
  c.comments = [];
  const props: Record<string, string> = {};
  while (!c.done) {
    c.cfws();
    if (c.peek() === 59) {
      c.pos++;
      continue;
    }
    const p = c.property();
    if (p) keep(props, p);
  }
  const comment = c.comments.length ? c.comments.join('; ') : null;
  return { header: 'Received-SPF', authservId: null, instance: null, entries: [{ method: 'spf', result, reason: null, props, comment }] };
}

function tags(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.slice(0, MAX_VALUE).split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim().toLowerCase();
    if (k && !(k in out)) out[k] = part.slice(eq + 1).replace(/\s+/g, '');
  }
  return out;
}

/** Tag=value pairs of a DKIM-Signature / ARC-Seal / ARC-Message-Signature. */
export { tags as parseTagList };

const PASSING = new Set(['pass', 'bestguesspass']);

function spfFrom(entries: AuthEntry[], source: string, fromDomain: string): SpfResult | null {
  const spf = entries.filter((e) => e.method === 'spf');
  if (!spf.length) return null;
  const mailfrom = spf.find((e) => e.props['smtp.mailfrom'] !== undefined);
  const e = mailfrom ?? spf[0]!;
  let domain: string | null = null;
  let identity: SpfResult['identity'] = null;
  const mf = e.props['smtp.mailfrom'] ?? e.props['envelope-from'];
  if (mf !== undefined) {
    identity = 'mailfrom';
    domain = mf.includes('@') ? addressDomain(mf.replace(/[<>]/g, '')) : mf.toLowerCase();
  } else if (e.props['smtp.helo'] !== undefined || e.props.helo !== undefined) {
    identity = 'helo';
    domain = (e.props['smtp.helo'] ?? e.props.helo)!.toLowerCase();
  }
  if (identity === null && e.comment) {
    // Received-SPF comments name the domain: "domain of x@example.com designates …", "example.com does not designate …"
    const m = /domain of (?:[^\s@]{1,64}@)?([a-z0-9.-]{1,253})/i.exec(e.comment) ?? /:\s*([a-z0-9.-]{1,253}\.[a-z]{2,63}) does not designate/i.exec(e.comment);
    if (m) {
      domain = m[1]!.toLowerCase();
      identity = 'mailfrom';
    }
  }
  if (e.props.identity === 'helo') identity = 'helo';
  let ip = e.props['client-ip'] ?? e.props['smtp.remote-ip'] ?? null;
  if (!ip && e.comment) ip = /(?:sender IP is|designates?|client-ip=) ?([0-9a-f:.]{3,45})/i.exec(e.comment)?.[1] ?? null;
  return {
    result: e.result,
    domain: domain || null,
    identity,
    ip,
    aligned: identity === 'mailfrom' && domain && fromDomain ? sameOrg(domain, fromDomain) : null,
    source,
    verified: false,
  };
}

function describeSource(h: AuthHeaderParsed): string {
  return h.authservId ? `${h.header} (${h.authservId})` : h.header;
}

export interface AuthInput {
  headers: Header[];
  fromDomain: string;
  trustedAuthservIds: string[];
}

/**
 * Structured SPF / DKIM / DMARC / ARC results from the headers the receiving servers wrote. The
 * topmost Authentication-Results (the last server to handle the message) is used, or those of a
 * trusted authserv-id when configured: lower ones may have been written by the sender.
 */
export function summarizeAuth(input: AuthInput): AuthSummary {
  const parsed: AuthHeaderParsed[] = [];
  let receivedSpf: AuthHeaderParsed | null = null;
  const seals: Array<Record<string, string>> = [];
  for (const h of input.headers) {
    if (parsed.length >= 40) break;
    if (h.key === 'authentication-results') parsed.push(parseAuthResults(h.value));
    else if (h.key === 'arc-authentication-results') parsed.push(parseAuthResults(h.value, 'ARC-Authentication-Results'));
    else if (h.key === 'received-spf') {
      const r = parseReceivedSpf(h.value);
      parsed.push(r);
      receivedSpf ??= r;
    } else if (h.key === 'arc-seal' && seals.length < 50) seals.push(tags(h.value));
  }
  const trusted = input.trustedAuthservIds;
  const ars = parsed.filter((p) => p.header === 'Authentication-Results' && p.entries.length > 0);
  const primary = trusted.length ? ars.find((p) => p.authservId !== null && trusted.some((t) => hostUnder(p.authservId!, t))) : ars[0];
  const from = input.fromDomain;

  let spf = primary ? spfFrom(primary.entries, describeSource(primary), from) : null;
  if (!spf && receivedSpf) spf = spfFrom(receivedSpf.entries, 'Received-SPF', from);

  const dkim: DkimResult[] = [];
  for (const e of primary?.entries ?? []) {
    if (e.method !== 'dkim') continue;
    const d = (e.props['header.d'] ?? (e.props['header.i'] ? addressDomain(e.props['header.i']) || e.props['header.i'].replace(/^@/, '') : null))?.toLowerCase() ?? null;
    const domain = d && d !== 'none' ? d : null;
    dkim.push({ result: e.result, domain, selector: e.props['header.s'] ?? null, aligned: domain && from ? sameOrg(domain, from) : null, source: describeSource(primary!), verified: false });
  }

  let dmarc: DmarcResult | null = null;
  const dm = primary?.entries.find((e) => e.method === 'dmarc');
  if (dm) {
    const policy = dm.props['policy.dmarc'] ?? dm.props['policy.published-domain-policy'] ?? /\bp=([a-z]+)/i.exec(dm.comment ?? '')?.[1]?.toLowerCase() ?? null;
    const hf = dm.props['header.from'];
    dmarc = { result: dm.result, domain: hf && hf !== 'none' ? hf.toLowerCase() : from || null, policy, source: describeSource(primary!), verified: false };
  }
  const ca = primary?.entries.find((e) => e.method === 'compauth');
  const compauth = ca ? { result: ca.result, reason: ca.reason } : null;

  let arc: ArcResult | null = null;
  const aars = parsed.filter((p) => p.header === 'ARC-Authentication-Results');
  if (seals.length || aars.length) {
    let top: Record<string, string> | undefined;
    let maxI = 0;
    for (const s of seals) {
      const i = Number.parseInt(s.i ?? '0', 10);
      if (i > maxI) {
        maxI = i;
        top = s;
      }
    }
    for (const a of aars) if ((a.instance ?? 0) > maxI) maxI = a.instance ?? 0;
    const stated = primary?.entries.find((e) => e.method === 'arc');
    const first = aars.find((a) => a.instance === 1);
    const pick = (m: string): string | null => first?.entries.find((e) => e.method === m)?.result ?? null;
    arc = {
      result: stated?.result ?? top?.cv?.toLowerCase() ?? 'none',
      instances: maxI,
      original: first ? { spf: pick('spf'), dkim: pick('dkim'), dmarc: pick('dmarc') } : null,
      sealers: [...new Set(seals.map((s) => (s.d ?? '').toLowerCase()).filter(Boolean))],
      source: stated ? describeSource(primary!) : 'ARC-Seal',
      verified: false,
    };
  }

  const spfAligned = !!(spf && PASSING.has(spf.result) && spf.aligned);
  const dkimAligned = dkim.some((d) => d.result === 'pass' && d.aligned);
  return {
    spf,
    dkim,
    dmarc,
    arc,
    compauth,
    alignment: { spf: spfAligned, dkim: dkimAligned, pass: spfAligned || dkimAligned },
    verification: 'not verified: results as stated by the receiving servers (set phishing.dns.resolver to check DKIM signatures and SPF/DMARC records)',
    headers: parsed,
  };
}

/** DKIM-Signature headers present but no receiver said anything: list them as unverified. */
export function unverifiedSignatures(headers: Header[], fromDomain: string): DkimResult[] {
  const out: DkimResult[] = [];
  for (const h of headers) {
    if (h.key !== 'dkim-signature' || out.length >= 10) continue;
    const t = tags(h.value);
    const d = t.d?.toLowerCase() ?? null;
    out.push({ result: 'not verified', domain: d, selector: t.s ?? null, aligned: d && fromDomain ? sameOrg(d, fromDomain) : null, source: 'DKIM-Signature', verified: false });
  }
  return out;
}

/** Findings from the authentication summary. */
export function authFindings(auth: AuthSummary, fromDomain: string, brands: BrandIndex, fs: FindingSet): void {
  const spf = auth.spf;
  if (spf && spf.identity !== 'helo') {
    const ev = `spf=${spf.result}${spf.domain ? ` smtp.mailfrom=${spf.domain}` : ''}${spf.ip ? ` (${spf.ip})` : ''} — ${spf.source}`;
    if (spf.result === 'fail') fs.add('auth.spf.fail', `SPF failed: ${spf.domain ?? 'the envelope sender'} does not allow ${spf.ip ?? 'the sending server'} to send its mail.`, ev);
    else if (spf.result === 'softfail') fs.add('auth.spf.softfail', `SPF soft-failed for ${spf.domain ?? 'the envelope sender'}.`, ev);
    else if (spf.result === 'temperror' || spf.result === 'permerror') fs.add('auth.spf.error', `SPF could not be evaluated (${spf.result}).`, ev);
  }
  const dkimFail = auth.dkim.filter((d) => d.result === 'fail' || d.result === 'permerror');
  if (dkimFail.length && !auth.dkim.some((d) => d.result === 'pass')) {
    const d = dkimFail[0]!;
    fs.add('auth.dkim.fail', `DKIM signature${d.domain ? ` of ${d.domain}` : ''} failed verification.`, `dkim=${d.result}${d.domain ? ` header.d=${d.domain}` : ''} — ${d.source}`);
  }
  const dm = auth.dmarc;
  if (dm && dm.result === 'fail') {
    fs.add('auth.dmarc.fail', `DMARC failed for ${dm.domain ?? fromDomain}: neither SPF nor DKIM passed for it.`, `dmarc=${dm.result}${dm.policy ? ` p=${dm.policy}` : ''} header.from=${dm.domain ?? fromDomain} — ${dm.source}`);
  } else if ((!dm || !PASSING.has(dm.result)) && (spf || auth.dkim.length) && !auth.alignment.pass && fromDomain) {
    const what = [spf ? `spf=${spf.result}${spf.domain ? ` (${spf.domain})` : ''}` : null, ...auth.dkim.slice(0, 2).map((d) => `dkim=${d.result}${d.domain ? ` (${d.domain})` : ''}`), dm ? `dmarc=${dm.result}` : null].filter(Boolean).join(', ');
    fs.add('auth.unaligned', `Nothing authenticates ${fromDomain}: no SPF or DKIM pass for the From domain's organisation.`, what);
  }
  if (auth.compauth?.result === 'fail') fs.add('auth.compauth.fail', 'Microsoft composite authentication failed for the sender.', `compauth=fail${auth.compauth.reason ? ` reason=${auth.compauth.reason}` : ''}`);
  if (auth.arc && auth.arc.result === 'fail') fs.add('auth.arc.fail', 'The ARC chain is broken: a forwarder\'s seal does not validate.', `arc=${auth.arc.result} (${auth.arc.instances} sets)`);
  const failed = dm?.result === 'fail' || spf?.result === 'fail' || (!auth.alignment.pass && (spf !== null || auth.dkim.length > 0) && !(dm && PASSING.has(dm.result)));
  if (fromDomain && failed && brands.ownerOf(fromDomain) !== null) {
    const owner = brands.ownerOf(fromDomain);
    fs.add('auth.spoofed-protected', `Mail claims to be from ${fromDomain} (${owner === 'protected' ? 'a protected domain' : owner!.name}) but does not authenticate as it.`, `From domain ${fromDomain}; ${spf ? `spf=${spf.result}` : 'no SPF'}; ${dm ? `dmarc=${dm.result}` : 'no DMARC'}`);
  }
}
