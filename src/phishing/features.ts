// The phishing model's inputs: every finding as a 0/1 feature, plus structural and language
// features that describe how a message behaves (how many sites it links to, whether its replies go
// elsewhere, what kind of words it uses, what it attaches, how it hides itself). None of them names a
// token of any particular message: the model must hold on mail nobody has seen (docs/phishing.md,
// "Model"). Features are computed from what the analysis already collected, in one pass each.
import type { WordClass } from './body.js';
import { FINDINGS, FINDING_IDS, type FindingId } from './findings.js';
import type { HtmlScan } from './html.js';
import { nameWords } from './headers.js';
import type { AttachmentInfo, HeaderSummary, LinkInfo } from './types.js';

/**
 * How a feature's weight is set. `fitted`: by `npm run train:phish`. `prior`: fixed from the
 * finding's hand-set weight, because the training mail cannot measure it (authentication results and
 * relay traces exist only in the newer phishing half of the training material, so a fit would learn
 * "newer mail" rather than "forged mail"), or because they are what all bulk mail of today does.
 */
export type FeatureKind = 'fitted' | 'prior';

/**
 * The sign the phishing weight may take. Findings and most features are evidence *of* phishing
 * (`pos`: a weight of at least 0, so a message is never cleared by showing a phishing trait); a few
 * are evidence of legitimate bulk mail (`neg`); `off` features only tell spam from ham. Without these
 * constraints the fit learns what the 2002 ham and spam look like (plain text, no display name, URLs
 * written out) and calls any message that lacks those traits phishing.
 */
export type FeatureSign = 'pos' | 'neg' | 'off';

export interface FeatureDef {
  name: string;
  kind: FeatureKind;
  sign: FeatureSign;
  describe: string;
}

/**
 * Payload findings (dangerous attachments) keep their hand-set weight too: the phishing material has
 * few attachments, and the 2002 spam holds worm mail labelled spam, so a fit would learn that an
 * executable is harmless.
 */
export function isPayloadFinding(id: string): boolean {
  return id.startsWith('attachment.') && (FINDINGS[id as FindingId] as { payload?: boolean } | undefined)?.payload === true;
}

/** Findings whose weights stay the hand-set prior (see FeatureKind). */
export function isPriorFinding(id: string): boolean {
  return (
    isPayloadFinding(id) ||
    id.startsWith('auth.') ||
    id.startsWith('hops.') ||
    id.startsWith('parse.') ||
    id.startsWith('intel.') ||
    id.startsWith('header.date.') ||
    id.startsWith('header.message-id.') ||
    // every newsletter counts its opens: a fit on 2002 spam against 2020s phishing would make it a phishing sign
    id === 'html.tracking-pixel' ||
    id === 'attachment.tnef' ||
    id === 'attachment.nested-message'
  );
}

const STRUCTURE: Array<[string, string, FeatureSign?]> = [
  ['links.count', 'Number of links (log scale).'],
  ['links.none', 'The message has no link at all.', 'off'],
  ['links.hosts', 'Number of distinct link hosts (log scale).'],
  ['links.domains', 'Number of distinct registrable link domains (log scale).'],
  ['links.diversity', 'Distinct link domains per link (1 = every link to another site).'],
  ['links.sender-share', "Share of links that go to the sender's own organisation.", 'neg'],
  ['links.foreign-only', "There are links and none goes to the sender's organisation."],
  ['links.credential-path', 'A link path or query speaks of logging in, verifying or an account (/login, /verify, /secure…).'],
  ['links.deep-host', 'A link host has five or more labels or a long hyphenated name (hides the real site in a long name).'],
  ['links.recipient', "A link carries the recipient's address (a page made ready for this reader)."],
  ['text.recipient', "The text names the recipient's address (mass-mailer personalisation)."],
  ['subject.lure', 'The subject itself uses urgency, credential or account wording.'],
  ['links.mailto', 'The message has mailto: links (a reply is the lure).'],
  ['links.text-url', 'Share of links written out in the text rather than behind anchor text.', 'off'],
  ['sender.name-unrelated', 'The display name has distinctive words and none of them appears in the sending address.'],
  ['sender.random-local', 'The sending mailbox name mixes letters and digits like a generated one (je101nny, x7kq2).'],
  ['sender.freemail', 'The sender is a free-mail mailbox.'],
  ['sender.no-display-name', 'The From header has no display name.', 'off'],
  ['reply-to.present', 'The message asks for replies at another address than the sender.'],
  ['list.unsubscribe', 'The message has a List-Unsubscribe header (bulk mail that lets itself be stopped).', 'neg'],
  ['subject.empty', 'The subject is empty.', 'off'],
  ['subject.caps', 'Share of capital letters in the subject.', 'neg'],
  ['subject.exclaim', 'The subject has an exclamation mark.'],
  ['subject.money', 'The subject has a currency sign or figure.'],
  ['text.length', 'Length of the visible text (log scale).', 'off'],
  ['text.short', 'Under 300 characters of visible text.', 'off'],
  ['text.caps', 'Share of capital letters in the visible text.', 'neg'],
  ['text.exclaim', 'Exclamation marks per 1,000 characters of text.', 'neg'],
  ['text.money', 'Currency signs in the text (log scale).', 'neg'],
  ['text.brands-foreign', 'Brands the text names that the sender does not belong to.'],
  ['obfuscation.invisible', 'Invisible characters (zero-width, soft hyphen) in the subject, display name or text.'],
  ['obfuscation.entities', 'Letters written as HTML character references (&#x61;) to hide words from filters.'],
  ['html.images', 'Number of images in the HTML (log scale).', 'off'],
  ['html.anchors-per-text', 'Links per 100 characters of visible text.', 'off'],
  ['html.forms', 'The HTML has a form.'],
  ['attachments.count', 'Number of attachments (log scale).', 'off'],
  ['attachments.office', 'An Office document is attached.'],
  ['attachments.pdf', 'A PDF is attached.'],
  ['attachments.archive', 'An archive is attached.'],
  ['attachments.image', 'An image is attached.', 'off'],
  ['attachments.calendar', 'A calendar invitation is attached.'],
];

const WORD_FEATURES: Array<[WordClass, string, FeatureSign?]> = [
  ['urgency', 'Urgency wording (distinct phrases).'],
  ['credential', 'Credential wording (distinct phrases).'],
  ['payment', 'Payment or parcel-fee wording (distinct phrases).'],
  ['reward', 'Prize or reward wording (distinct phrases).'],
  ['advanceFee', 'Advance-fee wording (distinct phrases).'],
  ['bec', 'Business e-mail compromise wording (distinct phrases).'],
  ['invoice', 'Invoice and remittance wording (distinct phrases).'],
  ['payroll', 'Payroll and HR wording (distinct phrases).'],
  ['marketing', 'Bulk-mail and marketing wording: unsubscribe, offers, preferences.', 'neg'],
  ['action', 'Calls to click, sign in or download.'],
  ['greeting', 'A greeting that does not know the reader ("Dear customer").'],
  ['account', 'Account and security words.'],
];

/** Every feature, in the order of the fitted table's weights. */
export const FEATURES: readonly FeatureDef[] = [
  ...FINDING_IDS.map((id): FeatureDef => ({ name: `finding:${id}`, kind: isPriorFinding(id) ? 'prior' : 'fitted', sign: 'pos', describe: `Finding ${id}.` })),
  ...STRUCTURE.map(([name, describe, sign]): FeatureDef => ({ name, kind: 'fitted', sign: sign ?? 'pos', describe })),
  ...WORD_FEATURES.map(([c, describe, sign]): FeatureDef => ({ name: `words.${c}`, kind: 'fitted', sign: sign ?? 'pos', describe })),
];
export const FEATURE_INDEX: ReadonlyMap<string, number> = new Map(FEATURES.map((f, i) => [f.name, i]));
const FINDING_OFFSET = new Map<string, number>(FINDING_IDS.map((id, i) => [id, i]));

export interface FeatureInput {
  findingIds: Iterable<string>;
  headers: HeaderSummary;
  fromOrg: string;
  freemailFrom: boolean;
  links: readonly LinkInfo[];
  attachments: readonly AttachmentInfo[];
  /** Word-class hits of the top-level message (lureFindings' result), or null for headers only. */
  words: Record<WordClass, string[]> | null;
  /** Visible text of the top-level message (not folded). */
  text: string;
  html: HtmlScan | null;
  rawHtml: string | null;
  /** Brands named in the text that the sender does not belong to. */
  brandsForeign: number;
  /** Recipient addresses (To, Cc), lower case. */
  recipients: readonly string[];
  /** Word classes found in the subject (and display name) alone. */
  headWords: Record<WordClass, string[]> | null;
}

// Path or query words of a credential-harvesting page.
const CREDENTIAL_PATH = /(?:log-?in|sign-?in|signon|logon|verif|secure|account|auth|password|passwd|webmail|owa|wallet|update|confirm|unlock|recover|billing|session|validate)/i;

const log1 = (n: number, scale: number): number => Math.log1p(n) / Math.log1p(scale);
const cap1 = (x: number): number => (x > 1 ? 1 : x);

function capsShare(s: string, max: number): number {
  let up = 0;
  let letters = 0;
  const n = Math.min(s.length, max);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      up++;
      letters++;
    } else if (c >= 97 && c <= 122) letters++;
  }
  return letters >= 8 ? up / letters : 0;
}

function countChars(s: string, max: number, pred: (c: number) => boolean, stopAt = 1000): number {
  let k = 0;
  const n = Math.min(s.length, max);
  for (let i = 0; i < n && k < stopAt; i++) if (pred(s.charCodeAt(i))) k++;
  return k;
}

const isInvisible = (c: number): boolean => c === 0xad || (c >= 0x200b && c <= 0x200f) || c === 0x2060 || c === 0xfeff || c === 0x2061 || c === 0x2062 || c === 0x2063 || c === 0x2064;
const isCurrency = (c: number): boolean => c === 36 || c === 0x20ac || c === 0xa3 || c === 0xa5;
// A letter or digit written as a numeric character reference: nobody types &#x61; for "a" but a filter-dodger.
const ENTITY_LETTER = /&#(?:x0*(?:3[0-9]|4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])|0*(?:4[89]|5[0-7]|6[5-9]|[78]\d|9[07-9]|1[01]\d|12[0-2]));/gi;

function kindOf(a: AttachmentInfo): 'office' | 'pdf' | 'archive' | 'image' | 'calendar' | null {
  const n = a.filename.toLowerCase();
  const t = `${a.detectedType} ${a.declaredType}`.toLowerCase();
  if (/\.(?:docx?|docm|xlsx?|xlsm|xlsb|pptx?|pptm|rtf|odt|ods)$/.test(n) || /word|excel|powerpoint|officedocument|msword|ms-excel|rtf|ole/.test(t)) return 'office';
  if (n.endsWith('.pdf') || t.includes('pdf')) return 'pdf';
  if (/\.(?:zip|rar|7z|gz|tgz|tar|bz2|xz|cab|ace|arj)$/.test(n) || /zip|rar|7-?zip|gzip|archive|compressed/.test(t)) return 'archive';
  if (n.endsWith('.ics') || t.includes('calendar')) return 'calendar';
  if (/^image\//.test(a.declaredType) || /\.(?:png|jpe?g|gif|bmp|webp)$/.test(n)) return 'image';
  return null;
}

/** The feature vector of one analysed message (FEATURES order). */
export function featureVector(x: FeatureInput): Float64Array {
  const v = new Float64Array(FEATURES.length);
  for (const id of x.findingIds) {
    const k = FINDING_OFFSET.get(id as FindingId);
    if (k !== undefined) v[k] = 1;
  }
  const set = (name: string, value: number): void => {
    if (value !== 0) v[FEATURE_INDEX.get(name)!] = value;
  };
  const links = x.links;
  const hosts = new Set<string>();
  const domains = new Set<string>();
  let own = 0;
  let inText = 0;
  let credPath = 0;
  let deep = 0;
  let withRecipient = 0;
  const rcpt = x.recipients.filter((r) => r.length > 3);
  const rcptForms = rcpt.flatMap((r) => (encodeURIComponent(r) === r ? [r] : [r, encodeURIComponent(r).toLowerCase()]));
  for (const l of links) {
    if (l.host) {
      hosts.add(l.host);
      if (!deep) {
        const h = l.host;
        let dots = 0;
        for (let i = 0; i < h.length; i++) if (h.charCodeAt(i) === 46) dots++;
        if (dots >= 4 || (h.length > 30 && h.includes('-'))) deep = 1;
      }
    }
    // these saturate: once seen (three times for paths), the rest of a 300-link newsletter need not be read
    if (credPath < 3 && l.url.length > 8) {
      const at = l.host ? l.url.indexOf(l.host) : -1;
      const rest = at >= 0 ? l.url.slice(at + l.host!.length, at + 400) : l.url.slice(0, 400);
      if (CREDENTIAL_PATH.test(rest)) credPath++;
    }
    if (rcptForms.length && !withRecipient && l.url.length > 8 && (l.url.includes('@') || l.url.includes('%40'))) {
      const low = l.url.toLowerCase();
      if (rcptForms.some((r) => low.includes(r))) withRecipient = 1;
    }
    const d = l.registrableDomain ?? l.host;
    if (d) {
      domains.add(d);
      if (x.fromOrg && d === x.fromOrg) own++;
    }
    if (l.source === 'text') inText++;
  }
  const n = links.length;
  set('links.count', log1(n, 100));
  set('links.none', n === 0 ? 1 : 0);
  set('links.hosts', log1(hosts.size, 30));
  set('links.domains', log1(domains.size, 30));
  set('links.diversity', n ? domains.size / n : 0);
  set('links.sender-share', n ? own / n : 0);
  set('links.foreign-only', n && own === 0 ? 1 : 0);
  set('links.text-url', n ? inText / n : 0);
  set('links.credential-path', n ? Math.min(credPath, 3) / 3 : 0);
  set('links.deep-host', deep ? 1 : 0);
  set('links.recipient', withRecipient ? 1 : 0);
  let mailto = 0;
  for (const l of links) if (l.host === null && l.url.startsWith('mailto:')) mailto++;
  set('links.mailto', mailto ? 1 : 0);

  const h = x.headers;
  set('sender.freemail', x.freemailFrom ? 1 : 0);
  if (h.from?.name) {
    const words = nameWords(h.from.name).filter((w) => w.length >= 4);
    const addr = h.from.address.toLowerCase();
    if (words.length && !words.some((w) => addr.includes(w) || (w.length >= 5 && addr.includes(w.slice(0, 4))))) set('sender.name-unrelated', 1);
  }
  const local = h.from?.address.split('@')[0]?.toLowerCase() ?? '';
  if (/[a-z]\d+[a-z]/.test(local) || /^[a-z0-9]{12,}$/.test(local) && !/[aeiou]{1}[^aeiou0-9]{0,3}[aeiou]/.test(local)) set('sender.random-local', 1);
  set('sender.no-display-name', h.from && !h.from.name ? 1 : 0);
  const fromAddr = h.from?.address.toLowerCase() ?? '';
  set('reply-to.present', h.replyTo.some((r) => r.address.toLowerCase() !== fromAddr) ? 1 : 0);
  set('list.unsubscribe', h.listUnsubscribe ? 1 : 0);
  const subject = h.subject ?? '';
  set('subject.empty', subject.trim() === '' ? 1 : 0);
  set('subject.caps', capsShare(subject, 400));
  set('subject.exclaim', subject.includes('!') ? 1 : 0);
  set('subject.money', countChars(subject, 400, isCurrency, 1) > 0 || /\d[\d.,]*\s?(?:usd|eur|gbp|dollars?|euros?)\b/i.test(subject) ? 1 : 0);

  const text = x.text;
  const len = text.length;
  if (rcpt.length) {
    const low = (len > 50_000 ? text.slice(0, 50_000) : text).toLowerCase();
    set('text.recipient', rcpt.some((r) => low.includes(r)) ? 1 : 0);
  }
  if (x.headWords) set('subject.lure', x.headWords.urgency.length + x.headWords.credential.length + x.headWords.account.length > 0 ? 1 : 0);
  set('text.length', log1(len, 100_000));
  set('text.short', len < 300 ? 1 : 0);
  // one pass over the text's first 50,000 characters: capitals (first 20,000), "!", currency signs, invisible characters
  let up = 0;
  let letters = 0;
  let bangs = 0;
  let money = 0;
  let invisible = 0;
  const probe = Math.min(len, 50_000);
  for (let i = 0; i < probe; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      if (c >= 97 && c <= 122) {
        if (i < 20_000) letters++;
      } else if (c >= 65 && c <= 90) {
        if (i < 20_000) {
          up++;
          letters++;
        }
      } else if (c === 33) {
        if (i < 20_000) bangs++;
      } else if (c === 36) money++;
    } else if (isCurrency(c)) money++;
    else if (isInvisible(c)) invisible++;
  }
  const capsProbe = Math.min(len, 20_000);
  set('text.caps', letters >= 8 ? up / letters : 0);
  set('text.exclaim', capsProbe ? cap1((Math.min(bangs, 200) * 1000) / capsProbe / 20) : 0);
  set('text.money', log1(Math.min(money, 50), 50));
  set('text.brands-foreign', Math.min(x.brandsForeign, 3) / 3);
  const name = h.from?.name ?? '';
  invisible = Math.min(invisible, 50) + countChars(subject, 400, isInvisible, 50) + countChars(name, 200, isInvisible, 50);
  set('obfuscation.invisible', log1(invisible, 50));
  let entities = 0;
  if (x.rawHtml) {
    const raw = x.rawHtml.length > 300_000 ? x.rawHtml.slice(0, 300_000) : x.rawHtml;
    if (raw.includes('&#')) {
      ENTITY_LETTER.lastIndex = 0;
      while (entities < 200 && ENTITY_LETTER.exec(raw)) entities++;
    }
  }
  set('obfuscation.entities', log1(entities, 200));
  const html = x.html;
  set('html.images', html ? log1(html.images, 50) : 0);
  set('html.anchors-per-text', html ? cap1((html.anchors.length * 100) / Math.max(100, html.text.length) / 5) : 0);
  set('html.forms', html && html.forms.length ? 1 : 0);

  const att = x.attachments;
  set('attachments.count', log1(att.length, 20));
  const kinds = new Set<string>();
  for (const a of att) {
    const k = kindOf(a);
    if (k) kinds.add(k);
  }
  set('attachments.office', kinds.has('office') ? 1 : 0);
  set('attachments.pdf', kinds.has('pdf') ? 1 : 0);
  set('attachments.archive', kinds.has('archive') ? 1 : 0);
  set('attachments.image', kinds.has('image') ? 1 : 0);
  set('attachments.calendar', kinds.has('calendar') ? 1 : 0);

  if (x.words) for (const [c] of WORD_FEATURES) set(`words.${c}`, Math.min(x.words[c]?.length ?? 0, 3) / 3);
  return v;
}
