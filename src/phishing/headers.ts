import { addressParser, type Address, type Email, type Header, type Mailbox } from 'postal-mime';
import type { PhishingConfig } from './config.js';
import { domainInfo } from '../ioc/index.js';
import { GENERIC_NAME_WORDS } from './defaults.js';
import { addressDomain, asciiHost, hostUnderAny, isIpLiteral, orgDomain } from './domains.js';
import { clip, type FindingSet } from './findings.js';
import type { BrandIndex } from './lookalike.js';
import type { HeaderSummary, MailboxInfo } from './types.js';

const EMAIL = /[^\s<>"'(),;:@[\]]{1,64}@[^\s<>"'(),;:@[\]]{1,253}/;
const VALID = /^[^\s@]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*\.[a-z0-9-]{2,63}$/;

/** A syntactically usable address with a resolvable-looking domain (IDNs in their ASCII form). */
export function isValidAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  const host = asciiHost(address.slice(at + 1));
  return host !== null && VALID.test(`${address.slice(0, at).toLowerCase()}@${host}`);
}

function mailbox(m: { name: string; address?: string | undefined }): MailboxInfo {
  const address = (m.address ?? '').trim();
  return { name: (m.name ?? '').trim(), address, domain: addressDomain(address) };
}

function flatten(list: Address[] | undefined): Mailbox[] {
  const out: Mailbox[] = [];
  for (const a of list ?? []) {
    if (a.group) out.push(...a.group);
    else out.push(a);
  }
  return out;
}

/**
 * The organisation of the mailing list that relayed the message (List-Post, else List-Id), or null.
 * A "list" at a free-mail provider is no list server.
 */
function listOrg(h: Map<string, string>, freemail: (d: string) => boolean): string | null {
  let domain: string | null = null;
  const post = h.get('list-post');
  if (post) domain = /mailto:[^@\s<>]{1,64}@([^\s<>?]{1,253})/i.exec(post)?.[1] ?? null;
  if (!domain) {
    const id = h.get('list-id');
    if (id) domain = /<([^<>\s]{1,253})>/.exec(id)?.[1] ?? (/^[^\s<>]{1,253}$/.test(id.trim()) ? id.trim() : null);
  }
  const org = orgDomain(domain);
  return org && !freemail(org) ? org : null;
}

/** The domain (or its organisation) is a free-mail provider. */
export function isFreemail(cfg: Pick<PhishingConfig, 'freemail'>, domain: string): boolean {
  const set = listSet(cfg.freemail);
  return set.has(domain) || set.has(orgDomain(domain) ?? '');
}

// The config's lists as sets, made once per list.
const listSets = new WeakMap<readonly string[], Set<string>>();
function listSet(list: readonly string[]): Set<string> {
  let set = listSets.get(list);
  if (!set) listSets.set(list, (set = new Set(list)));
  return set;
}

/** `host` or one of its parent domains is in `set`. */
function underSet(host: string, set: Set<string>): boolean {
  for (let h = host; ; ) {
    if (set.has(h)) return true;
    const dot = h.indexOf('.');
    if (dot < 0) return false;
    h = h.slice(dot + 1);
  }
}

/** A mailbox compared as the provider does: case, "+tag" and Gmail's dots do not make another account. */
function mailboxKey(address: string): string {
  const a = address.toLowerCase();
  const at = a.lastIndexOf('@');
  if (at < 0) return a;
  let local = a.slice(0, at);
  const domain = a.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (domain === 'gmail.com' || domain === 'googlemail.com') return `${local.replace(/\./g, '')}@gmail.com`;
  return `${local}@${domain}`;
}

const PICKED = new Set(['from', 'date', 'x-mailer', 'user-agent', 'x-originating-ip', 'x-sender-ip', 'to', 'list-post', 'list-id', 'list-unsubscribe']);

/** The first value of each header the checks read, and every From, in one pass over the header block. */
function pick(headers: Header[]): { one: Map<string, string>; froms: string[] } {
  const one = new Map<string, string>();
  const froms: string[] = [];
  for (const x of headers) {
    if (!PICKED.has(x.key)) continue;
    if (x.key === 'from') froms.push(x.value);
    if (!one.has(x.key)) one.set(x.key, x.value);
  }
  return { one, froms };
}

// Exactly one mailbox: no list separators, groups or comments outside the quoted name, one <address>.
const SIMPLE_FROM = /^\s*(?:(?:"[^"\\]*"|[^",;:<>()@\\])*<[^<>\s",;:()\\]+@[^<>\s",;:()\\]+>|[^<>\s",;:()\\]+@[^<>\s",;:()\\]+)\s*$/;

export interface FromResult {
  from: MailboxInfo | null;
  /** What went wrong reading it, for the finding; null when it parsed cleanly. */
  malformed: string | null;
}

/**
 * The From mailbox as a reader would take it. A header a strict parser cannot read (unbalanced
 * quotes, junk between name and address, an address in a comment) is read leniently — the first
 * valid address anywhere in it — and reported as malformed, because clients disagree on what to show.
 */
export function readFrom(raw: string | null, parsed?: Address): FromResult {
  if (raw === null || raw.trim() === '') return { from: null, malformed: null };
  // One plain mailbox ("Name" <a@b.c>, Name <a@b.c>, a@b.c): the parser's reading of it, given by the
  // caller, is the whole story.
  if (parsed && !parsed.group && raw.length < 1000 && SIMPLE_FROM.test(raw)) {
    const m = mailbox(parsed);
    if (isValidAddress(m.address)) return { from: m, malformed: null };
  }
  const value = raw.length > 2000 ? raw.slice(0, 2000) : raw;
  const list = flatten(addressParser(value) as Address[]).map(mailbox);
  const valid = list.filter((m) => isValidAddress(m.address));
  if (list.length === 1 && valid.length === 1) return { from: valid[0]!, malformed: null };
  const names = list.map((m) => m.name).filter(Boolean);
  if (valid.length > 0) {
    const pick = valid[0]!;
    // What shows: the display names, or the invalid "address" text the parser found first.
    const shown = names.join(' ').replace(/^[\s,_]+|[\s,_]+$/g, '') || (list[0] && list[0] !== pick ? list[0].address : pick.name);
    const malformed = list.length > 1 ? (valid.length > 1 ? `${valid.length} addresses in From` : 'junk between the display name and the address') : 'unparseable From';
    return { from: { ...pick, name: shown }, malformed };
  }
  // Nothing valid from the parser: look for an address anywhere (inside comments, after junk).
  const m = EMAIL.exec(value.replace(/^[^<]*"[^"]*"/, ''));
  if (m && isValidAddress(m[0])) {
    const shown = list[0]?.address || list[0]?.name || '';
    return { from: { name: shown, address: m[0], domain: addressDomain(m[0]) }, malformed: 'address hidden in a comment or after junk' };
  }
  const firstBox = list[0];
  if (firstBox && firstBox.address) return { from: firstBox, malformed: `"${firstBox.address}" is not a valid address` };
  return { from: firstBox ?? null, malformed: 'no address' };
}

const DOMAIN_IN_TEXT = /(?<![\p{L}\p{N}@.-])((?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.){1,4}[\p{L}]{2,24})(?![\p{L}\p{N}-])/u;

/** The registrable domain a display name shows ("[Shop.com]", "Get-shop.com"), if any. */
export function displayedDomain(name: string): string | null {
  const m = DOMAIN_IN_TEXT.exec(name.normalize('NFKC').toLowerCase());
  return m ? orgDomain(m[1]) : null;
}

/** A registrable domain whose label interleaves letters and digits three or more times (x7k2q9.com). */
export function looksGenerated(org: string): boolean {
  const dot = org.indexOf('.');
  const end = dot < 0 ? org.length : dot;
  let transitions = 0;
  // 0 other, 1 digit, 2 letter
  let prev = 0;
  for (let i = 0; i < end; i++) {
    const c = org.charCodeAt(i);
    const kind = c >= 48 && c <= 57 ? 1 : c >= 97 && c <= 122 ? 2 : 0;
    if (prev !== 0 && kind !== 0 && kind !== prev) transitions++;
    prev = kind;
  }
  return transitions >= 3;
}

/** How a text hides its letters from filters, or null: styled letters, mixed scripts in a word, invisible characters. */
export function obfuscation(text: string): string | null {
  // eslint-disable-next-line no-control-regex
  if (!/[^\u0000-\u007f]/.test(text)) return null;
  if (/[\u{1D400}-\u{1D7FF}]/u.test(text)) return 'mathematical styled letters';
  if (/[\uFF21-\uFF3A\uFF41-\uFF5A]/.test(text)) return 'full-width letters';
  if (/[\u200B-\u200D\u2060\uFEFF\u00AD\u202A-\u202E]/.test(text)) return 'invisible characters';
  for (const w of text.slice(0, 2000).match(/\p{L}{3,}/gu) ?? []) {
    if (/\p{Script=Latin}/u.test(w) && /[\p{Script=Cyrillic}\p{Script=Greek}]/u.test(w)) return `mixed Latin and Cyrillic/Greek letters ("${w}")`;
  }
  return null;
}

/** The domain after the last "@" of a Message-ID ("<x@host>"), or null when there is none. */
function messageIdDomain(id: string): string | null {
  let end = id.length;
  while (end > 0 && isBlankCode(id.charCodeAt(end - 1))) end--;
  if (end > 0 && id.charCodeAt(end - 1) === 62 /* > */) end--;
  const at = id.lastIndexOf('@', end - 1);
  if (at < 0 || end - at - 1 < 1 || end - at - 1 > 253) return null;
  for (let i = at + 1; i < end; i++) {
    const c = id.charCodeAt(i);
    if (c === 62 || isBlankCode(c)) return null;
  }
  return id.slice(at + 1, end).toLowerCase();
}

function isBlankCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

export interface HeaderAnalysis {
  summary: HeaderSummary;
  fromDomain: string;
  fromOrg: string;
  recipients: string[];
}

export interface HeaderContext {
  cfg: PhishingConfig;
  brands: BrandIndex;
}

/** Sender, reply path, Message-ID, Date and recipient checks. */
export function analyzeHeaders(email: Email, ctx: HeaderContext, fs: FindingSet): HeaderAnalysis {
  const h = email.headers;
  const { one, froms } = pick(h);
  const rawFrom = one.get('from') ?? null;
  const { from, malformed } = readFrom(rawFrom, email.from);
  const fromDomain = from && isValidAddress(from.address) ? from.domain : '';
  const fromOrg = orgDomain(fromDomain) ?? fromDomain;
  const sender = email.sender && !email.sender.group ? mailbox(email.sender) : null;
  const replyTo = flatten(email.replyTo).map(mailbox).slice(0, 20);
  const to = flatten(email.to).map(mailbox).slice(0, 100);
  const cc = flatten(email.cc).map(mailbox).slice(0, 100);
  const subject = email.subject ?? '';
  const dateRaw = one.get('date') ?? null;
  const dateIso = email.date && /^\d{4}-\d\d-\d\dT/.test(email.date) ? email.date : null;
  const messageId = email.messageId ?? null;
  const midDomain = messageId ? messageIdDomain(messageId) : null;
  const summary: HeaderSummary = {
    from,
    sender,
    replyTo,
    returnPath: email.returnPath ?? null,
    to,
    cc,
    deliveredTo: email.deliveredTo ?? null,
    subject,
    date: dateRaw,
    dateIso,
    messageId,
    messageIdDomain: midDomain,
    inReplyTo: email.inReplyTo ?? null,
    mailer: one.get('x-mailer') ?? one.get('user-agent') ?? null,
    originatingIp: one.get('x-originating-ip')?.replace(/[[\]\s]/g, '') ?? one.get('x-sender-ip') ?? null,
    listUnsubscribe: one.has('list-unsubscribe'),
    count: h.length,
  };
  const b = ctx.brands;

  // From
  if (!from || (!from.address && rawFrom !== null && !from.name)) {
    fs.add('header.from.missing', rawFrom === null ? 'The message has no From header.' : 'The From header has no address.', rawFrom === null ? '(no From header)' : `From: ${rawFrom}`);
  } else if (!fromDomain) {
    fs.add('header.from.malformed', `The From address "${clip(from.address, 80)}" is not a valid address: no real mailbox sent this.`, `From: ${rawFrom}`);
  } else if (malformed) {
    fs.add('header.from.malformed', `The From header is malformed (${malformed}): mail clients may show a different sender than ${from.address}.`, `From: ${rawFrom}`);
  }
  if (froms.length > 1) fs.add('header.from.multiple', 'The message has more than one From header.', froms.join(' | '));
  const freemail = (d: string) => isFreemail(ctx.cfg, d);

  if (from?.name) {
    const name = from.name;
    const imitated = b.named(name).filter((t) => !b.owns(t, fromDomain));
    if (imitated.length) {
      const t = imitated[0]!;
      fs.add('header.display-name.impersonation', `The sender calls itself "${clip(name, 80)}" (${t.brand ? t.brand.name : t.target}) but writes from ${fromDomain || 'an invalid address'}.`, `From: ${rawFrom}`);
    }
    const inName = name.includes('@') ? EMAIL.exec(name)?.[0] : undefined;
    if (inName && isValidAddress(inName)) {
      const differs = freemail(fromDomain) ? inName.toLowerCase() !== from.address.toLowerCase() : orgDomain(addressDomain(inName)) !== fromOrg;
      if (differs) fs.add('header.display-name.address', `The display name shows the address ${inName}, but the mail is from ${from.address}.`, `From: ${rawFrom}`);
    } else if (!imitated.length) {
      // a domain has a dot (or a look-alike of one that NFKC folds into a dot)
      // eslint-disable-next-line no-control-regex
      const shown = name.includes('.') || /[^\u0000-\u007f]/.test(name) ? displayedDomain(name) : null;
      if (shown && shown !== fromOrg) fs.add('header.display-name.domain', `The display name shows ${shown}, but the mail is from ${fromDomain || 'an invalid address'}.`, `From: ${rawFrom}`);
    }
  }

  if (from && fromDomain) {
    const look = b.lookalike(fromDomain);
    if (look) {
      if (look.kind === 'brand-in-domain') fs.add('sender.brand-in-domain', `The sending domain ${fromDomain} uses the name of ${look.target} without belonging to it.`, `From: ${from.address}`);
      else fs.add('sender.lookalike', `The sending domain ${fromDomain} imitates ${look.target} (${look.kind}).`, `From: ${from.address}`);
    }
    const tld = fromDomain.slice(fromDomain.lastIndexOf('.') + 1);
    if (listSet(ctx.cfg.suspiciousTlds).has(tld)) fs.add('sender.suspicious-tld', `The sending domain ${fromDomain} is under .${tld}, a TLD high in abuse statistics.`, `From: ${from.address}`);
    else if (!isIpLiteral(fromDomain) && !domainInfo(fromDomain).icann) fs.add('sender.unknown-tld', `The sending domain ${fromDomain} is under .${tld}, which is not a top-level domain: no real mailbox has this address.`, `From: ${from.address}`);
    if (looksGenerated(fromOrg)) fs.add('sender.random-domain', `The sending domain ${fromOrg} looks machine-generated.`, `From: ${from.address}`);
    if (underSet(fromDomain, listSet(ctx.cfg.abusedHosting))) fs.add('sender.free-hosting', `The sender writes from ${fromDomain}, a free app-hosting domain.`, `From: ${from.address}`);
    const fromFree = freemail(fromDomain);
    const fromBox = fromFree ? mailboxKey(from.address) : '';
    // A mailing list rewrites Reply-To, Sender and the envelope to itself: those are the list's, not a deception.
    const list = listOrg(one, freemail);
    for (const r of replyTo) {
      if (!r.domain) continue;
      const rOrg = orgDomain(r.domain) ?? r.domain;
      if (rOrg === list) {
        // the list's own posting address
      } else if (fromFree && freemail(r.domain)) {
        // A free-mail sender whose replies go to another free-mail account: a second person's mailbox.
        if (mailboxKey(r.address) !== fromBox) fs.add('header.freemail.other-mailbox', `The sender writes from the free-mail address ${from.address}, but replies go to another free-mail mailbox, ${r.address}.`, `From: ${from.address}; Reply-To: ${r.address}`);
      } else if (rOrg !== fromOrg) {
        if (freemail(r.domain) && !fromFree) fs.add('header.reply-to.freemail', `Replies go to the free-mail address ${r.address}, not to ${fromDomain}.`, `Reply-To: ${r.address}`);
        else fs.add('header.reply-to.mismatch', `Replies go to ${r.address}, another organisation than the sender ${fromDomain}.`, `Reply-To: ${r.address}`);
      }
      const rl = b.lookalike(r.domain);
      if (rl && rl.kind !== 'brand-in-domain') fs.add('reply-to.lookalike', `The Reply-To domain ${r.domain} imitates ${rl.target} (${rl.kind}).`, `Reply-To: ${r.address}`);
    }
    const rp = summary.returnPath;
    if (rp && rp.includes('@')) {
      const rpDomain = addressDomain(rp);
      const rpOrg = orgDomain(rpDomain);
      // Free-mail providers put the account that really sent the message in the envelope.
      if (fromFree && freemail(rpDomain)) {
        if (mailboxKey(rp) !== fromBox) fs.add('header.freemail.other-mailbox', `The message claims the free-mail address ${from.address} but was sent by the account ${rp}.`, `From: ${from.address}; Return-Path: <${rp}>`);
      } else if (rpOrg && rpOrg !== fromOrg && rpOrg !== list) fs.add('header.return-path.mismatch', `The envelope sender ${rp} is another organisation than ${fromDomain}.`, `Return-Path: <${rp}>`);
    }
    const senderOrg = sender?.domain ? (orgDomain(sender.domain) ?? sender.domain) : null;
    if (sender && senderOrg && senderOrg !== fromOrg && senderOrg !== list) fs.add('header.sender.mismatch', `The Sender header (${sender.address}) is another organisation than ${fromDomain}.`, `Sender: ${sender.address}`);
    if (midDomain && /\./.test(midDomain)) {
      const mOrg = orgDomain(midDomain);
      if (mOrg && mOrg !== fromOrg) fs.add('header.message-id.mismatch', `The Message-ID was made at ${midDomain}, not at ${fromDomain}.`, `Message-ID: ${messageId}`);
    }
    const subjBrands = b.named(subject).filter((t) => !b.owns(t, fromDomain));
    if (subjBrands.length && !fs.has('header.display-name.impersonation')) {
      const t = subjBrands[0]!;
      fs.add('body.brand-mention', `The subject names ${t.brand ? t.brand.name : t.target}, but the mail is from ${fromDomain}.`, `Subject: ${subject}`);
    }
  }
  // What a reader sees of the sender, the display name and the address as written, and the subject.
  const subjObf = obfuscation(subject);
  const nameObf = subjObf === null && from?.name ? obfuscation(from.name) : null;
  const addrObf = subjObf === null && nameObf === null && from?.address ? obfuscation(from.address) : null;
  const obf = subjObf ?? nameObf ?? addrObf;
  if (obf) fs.add('header.obfuscated', `The ${subjObf ? 'subject' : nameObf ? 'display name' : 'sender address'} uses ${obf}, a way past keyword filters.`, subjObf ? `Subject: ${subject}` : `From: ${rawFrom}`);
  if (/^\s*(?:re|aw|sv|antw|rif|res|odp)\s*:/i.test(subject) && !email.inReplyTo && !email.references) {
    fs.add('header.fake-reply', 'The subject says it is a reply, but the message does not answer any earlier message.', `Subject: ${subject}`);
  }
  if (!messageId) fs.add('header.message-id.missing', 'The message has no Message-ID.', '(no Message-ID header)');
  if (dateRaw === null) fs.add('header.date.missing', 'The message has no Date header.', '(no Date header)');
  else if (!dateIso) fs.add('header.date.invalid', `The Date header does not parse as a date.`, `Date: ${dateRaw}`);
  const recipients = [...to, ...cc].map((m) => m.address.toLowerCase()).filter((a) => a.includes('@'));
  if (recipients.length === 0) fs.add('header.recipients.hidden', 'The message names no recipient (To and Cc are empty or undisclosed).', `To: ${one.get('to') ?? '(none)'}`);
  const subjLower = subject.toLowerCase();
  const inSubject = recipients.find((r) => subjLower.includes(r));
  if (inSubject) fs.add('header.recipient-in-subject', 'The subject contains the recipient\'s address, a mass-mailer personalisation trick.', `Subject: ${subject}`);
  return { summary, fromDomain, fromOrg, recipients };
}

/** Lower case, accents dropped, compatibility forms folded: how names are compared. */
function fold(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\u0000-\u007f]/.test(s)) return s.toLowerCase();
  return s.normalize('NFKC').toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

const NAME_WORD = /[\p{L}\p{N}]{4,40}/gu;

/** Distinctive words of a display name (4+ letters, not "Team", "Support", a month…). */
export function nameWords(name: string): string[] {
  const out: string[] = [];
  for (const w of fold(name).match(NAME_WORD) ?? []) {
    // Domains are compared in Latin letters: a Cyrillic or CJK name cannot be matched against them.
    if (GENERIC_NAME_WORDS.has(w) || /^\d+$/.test(w) || !/^[a-z0-9]+$/.test(w) || out.includes(w)) continue;
    out.push(w);
  }
  return out;
}

function countWord(text: string, w: string, max: number): number {
  let n = 0;
  for (let i = text.indexOf(w); i >= 0 && n < max; i = text.indexOf(w, i + w.length)) {
    const before = i > 0 ? text.charCodeAt(i - 1) : 32;
    const after = i + w.length < text.length ? text.charCodeAt(i + w.length) : 32;
    if (!isWordChar(before) && !isWordChar(after)) n++;
  }
  return n;
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c > 127;
}

export interface DisplayNameContext {
  name: string;
  fromDomain: string;
  subject: string;
  /** Visible text of the message, folded (`foldText`: lower case, NFKC). */
  text: string;
  /** Everything the message was sent from or points to: addresses, signing domains, relay names, link hosts. */
  identities: string[];
}

/**
 * A display name that speaks for an organisation or product ("TruGreen Lawn Service", "Renewal by
 * Andersen") the message has nothing to do with: none of its distinctive words appears in any
 * address, signing domain, relay or link host. The subject (or the text, twice) must
 * repeat one of them, which sets an organisation apart from a person's name.
 */
export function displayNameFindings(c: DisplayNameContext, fs: FindingSet): void {
  if (!c.name || !c.fromDomain) return;
  if (fs.has('header.display-name.impersonation') || fs.has('header.display-name.domain') || fs.has('header.display-name.address')) return;
  const words = nameWords(c.name);
  if (words.length === 0) return;
  // "renewal-by-andersen.com" holds "andersen"; "trugreen" is in "www.trugreen.com". Links repeat
  // their hosts: each identity is looked at once.
  for (const id of new Set(c.identities)) {
    if (!id) continue;
    const f = fold(id).replace(/[^\p{L}\p{N}]+/gu, '');
    if (words.some((w) => f.includes(w))) return;
  }
  const subject = fold(c.subject);
  let where = words.find((w) => countWord(subject, w, 1) > 0) ? 'subject' : null;
  if (!where) {
    const t = c.text.length > 100_000 ? c.text.slice(0, 100_000) : c.text;
    // eslint-disable-next-line no-control-regex
    const text = /[^\u0000-\u007f]/.test(t) ? t.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : t;
    if (words.some((w) => countWord(text, w, 2) >= 2)) where = 'text';
  }
  if (!where) return;
  fs.add('header.display-name.unrelated', `The sender calls itself "${clip(c.name, 80)}", and the ${where} repeats it, but no address, signing domain, relay or link of the message belongs to it (sent from ${c.fromDomain}).`, `From: "${c.name}" <…@${c.fromDomain}>`);
}
