import type { Finding } from './types.js';

/** What a finding id means and the points it adds by default. */
export interface FindingDef {
  weight: number;
  /** One line for docs/phishing.md and the report legend. */
  describe: string;
  /** A payload finding (dangerous attachment, intel-listed indicator): only these can make a verdict `malicious`. */
  payload?: boolean;
}

/**
 * The default scoring model. Every finding id the analyser can emit, with its default weight;
 * `phishing.weights` in the config overrides any of them (0 switches one off). With the default
 * thresholds (suspicious 20, phishing 40, malicious 60 plus a payload finding) one weak signal stays
 * `clean`, a lure plus a deception is `suspicious`, and two deceptions (an impersonated sender and a
 * link that lies, say) are `phishing`. docs/phishing.md explains the model and how it was checked.
 */
export const FINDINGS = {
  // parsing and limits
  'parse.limit.size': { weight: 10, describe: 'The message is larger than phishing.limits.maxBytes; the rest was not analysed.' },
  'parse.limit.parts': { weight: 10, describe: 'The message has more MIME parts than phishing.limits.maxParts; later parts were not analysed.' },
  'parse.limit.depth': { weight: 15, describe: 'MIME or message/rfc822 nesting deeper than the limits; only the headers (or the outer levels) were analysed.' },
  'parse.limit.headers': { weight: 10, describe: 'The header block is larger than the parser allows; only the headers that fit were analysed.' },
  'parse.broken-mime': { weight: 3, describe: 'A multipart part never closes its boundary, or declares one that never appears.' },

  // headers
  'header.from.missing': { weight: 10, describe: 'No usable From address.' },
  'header.from.malformed': { weight: 25, describe: 'The From header does not parse cleanly or its address is invalid: what a mail client shows differs from any real sender.' },
  'header.from.multiple': { weight: 5, describe: 'More than one From header or address.' },
  'header.display-name.impersonation': { weight: 35, describe: 'The display name names a brand or protected domain the sending domain does not belong to.' },
  'header.display-name.domain': { weight: 25, describe: 'The display name shows a web domain that is not the sending domain ("[Shop.com] <x@other.net>").' },
  'header.display-name.address': { weight: 20, describe: 'The display name is itself an e-mail address, different from the real sender.' },
  'header.display-name.unrelated': { weight: 15, describe: 'The display name (repeated in the subject or text) names an organisation or product that appears in none of the addresses, signing domains, relays or links the message came from or points to.' },
  'header.reply-to.mismatch': { weight: 12, describe: 'Replies go to a different organisation than the From domain.' },
  'header.reply-to.freemail': { weight: 20, describe: 'Replies go to a free-mail mailbox while the From domain is not free mail.' },
  'header.freemail.other-mailbox': { weight: 15, describe: 'The sender is a free-mail mailbox, but replies or the envelope go to a different free-mail mailbox (another account).' },
  'header.return-path.mismatch': { weight: 3, describe: 'The envelope sender (Return-Path) is another organisation than the From domain.' },
  'header.sender.mismatch': { weight: 3, describe: 'The Sender header names another organisation than the From domain.' },
  'header.message-id.missing': { weight: 4, describe: 'No Message-ID header.' },
  'header.message-id.mismatch': { weight: 2, describe: 'The Message-ID domain is another organisation than the From domain (common for bulk mailers).' },
  'header.date.missing': { weight: 3, describe: 'No Date header.' },
  'header.date.invalid': { weight: 5, describe: 'The Date header does not parse.' },
  'header.date.skew': { weight: 5, describe: 'The Date header is far from when the first relay received the message.' },
  'header.obfuscated': { weight: 10, describe: 'The subject or display name is written in styled or mixed-script letters, or hides invisible characters (filter evasion).' },
  'header.fake-reply': { weight: 6, describe: 'The subject says "Re:" but the message answers nothing (no In-Reply-To or References).' },
  'header.recipient-in-subject': { weight: 5, describe: 'The subject contains the recipient address (mass-mailer personalisation).' },
  'header.recipients.hidden': { weight: 2, describe: 'No visible recipient (To/Cc empty or undisclosed).' },

  // authentication
  'auth.spf.fail': { weight: 12, describe: 'SPF failed for the envelope sender (smtp.mailfrom).' },
  'auth.spf.softfail': { weight: 6, describe: 'SPF soft-failed for the envelope sender.' },
  'auth.spf.error': { weight: 2, describe: 'SPF could not be evaluated (temperror/permerror).' },
  'auth.dkim.fail': { weight: 8, describe: 'A DKIM signature failed verification.' },
  'auth.dmarc.fail': { weight: 25, describe: 'DMARC failed: neither SPF nor DKIM passed aligned with the From domain.' },
  'auth.unaligned': { weight: 15, describe: 'No SPF or DKIM pass aligned with the From domain (no DMARC result stated).' },
  'auth.compauth.fail': { weight: 15, describe: "Microsoft's composite authentication failed." },
  'auth.arc.fail': { weight: 5, describe: 'The ARC chain is broken.' },
  'auth.spoofed-protected': { weight: 45, describe: 'The From domain is a protected or brand domain, and authentication for it failed.' },

  // relays
  'hops.helo-mismatch': { weight: 4, describe: "The external relay's HELO name and reverse DNS are different organisations." },
  'hops.no-rdns': { weight: 3, describe: 'The external relay has no reverse DNS.' },
  'hops.time-travel': { weight: 3, describe: 'Received timestamps go backwards by more than 10 minutes (forged or broken relay clocks).' },

  // links and body
  'link.text-mismatch': { weight: 30, describe: 'A link shows one address and goes to another organisation.' },
  'link.ip-literal': { weight: 15, describe: 'A link goes to a bare IP address.' },
  'link.shortener': { weight: 6, describe: 'A link uses a URL shortener (the destination is hidden).' },
  'link.punycode': { weight: 10, describe: 'A link host is an internationalised (punycode) name.' },
  'link.lookalike': { weight: 30, describe: 'A link host imitates a protected domain or brand.' },
  'link.brand-in-domain': { weight: 12, describe: 'A link host uses a brand name it does not belong to (paypal-login.example).' },
  'link.script-uri': { weight: 20, describe: 'A link is a javascript: or data: URL.' },
  'link.abused-hosting': { weight: 8, describe: 'A link goes to free hosting or a form/file service often used for phishing pages.' },
  'link.suspicious-tld': { weight: 5, describe: 'A link goes to a TLD on the suspicious-TLD list.' },
  'link.many-domains': { weight: 0, describe: 'Links go to many unrelated domains (informational).' },
  'link.all-obscured': { weight: 10, describe: 'Every link hides where it goes (URL shorteners or bare IP addresses): the message names no site at all.' },
  'html.form.external': { weight: 25, describe: 'The HTML body has a form that posts to a web site.' },
  'html.form.password': { weight: 30, describe: 'The HTML body asks for a password.' },
  'html.hidden-text': { weight: 5, describe: 'The HTML body hides text (display:none, zero font size, …), a filter-evasion trick.' },
  'html.meta-refresh': { weight: 15, describe: 'The HTML body redirects by itself (meta refresh).' },
  'html.script': { weight: 20, describe: 'The HTML body carries script (mail clients never run it; it is there for a browser).' },
  'html.tracking-pixel': { weight: 1, describe: 'A 1×1 or hidden remote image tracks the open.' },
  'html.base64-embedded': { weight: 12, describe: 'HTML is embedded base64-encoded (data:text/html or an encoded page).' },
  'body.lure.urgency': { weight: 10, describe: 'Urgency wording ("act now", "account suspended", …; phishing.lures.urgency).' },
  'body.lure.credential': { weight: 15, describe: 'Credential-lure wording ("verify your account", "confirm your password", …; phishing.lures.credential).' },
  'body.lure.payment': { weight: 10, describe: 'Payment or parcel-fee demand ("pay now", "customs fee", "your package", …; phishing.lures.payment).' },
  'body.lure.reward': { weight: 10, describe: 'Prize/reward wording ("you have won", "claim your reward", …; phishing.lures.reward).' },
  'body.lure.advance-fee': { weight: 15, describe: 'Advance-fee wording: an inheritance, next of kin, a widow\'s fund, a confidential transfer (phishing.lures.advanceFee).' },
  'body.lure.bec': { weight: 15, describe: 'Business e-mail compromise wording: a quiet favour, gift cards, a change of bank details (phishing.lures.bec).' },
  'body.lure.invoice': { weight: 5, describe: 'An invoice, remittance advice or purchase order (phishing.lures.invoice).' },
  'body.lure.payroll': { weight: 5, describe: 'Salary, payroll, direct deposit or HR wording (phishing.lures.payroll).' },
  'body.money-offer': { weight: 10, describe: 'A large sum of money (1,000 or more in a currency, or millions) next to prize or advance-fee wording.' },
  'body.brand-claim': { weight: 25, describe: 'The text signs as a brand (© line, "all rights reserved") that the sending domain does not belong to.' },
  'body.foreign-content': { weight: 20, describe: 'Another organisation\'s mail sent by an unrelated sender: most links go to one site the text names, and the sender\'s domain appears in no link and nowhere in the text.' },
  'body.brand-mention': { weight: 6, describe: 'The subject names a brand the sender does not belong to.' },
  'body.image-only': { weight: 4, describe: 'An HTML body of images and links with almost no text (hides the wording from filters).' },

  // lookalikes
  'sender.lookalike': { weight: 35, describe: 'The From domain imitates a protected domain or brand.' },
  'reply-to.lookalike': { weight: 25, describe: 'The Reply-To domain imitates a protected domain or brand.' },
  'sender.brand-in-domain': { weight: 15, describe: 'The From domain contains a brand name but is not the brand\'s.' },
  'sender.suspicious-tld': { weight: 5, describe: 'The From domain is under a TLD on the suspicious-TLD list.' },
  'sender.random-domain': { weight: 8, describe: 'The From domain looks machine-generated (letters and digits interleaved).' },
  'sender.free-hosting': { weight: 15, describe: 'The From address is on a free app-hosting domain (firebaseapp.com, …).' },
  'sender.unknown-tld': { weight: 10, describe: 'The From domain is under a top-level domain that does not exist: no real mailbox has that address.' },

  // attachments
  'attachment.executable': { weight: 60, payload: true, describe: 'An executable attachment (PE/ELF/Mach-O, .exe/.scr/.msi/…).' },
  'attachment.script': { weight: 50, payload: true, describe: 'A script attachment (.js, .vbs, .ps1, .hta, .wsf, .bat, …).' },
  'attachment.double-extension': { weight: 30, payload: true, describe: 'A file name with a document extension followed by another (invoice.pdf.exe).' },
  'attachment.rtlo': { weight: 40, payload: true, describe: 'A file name uses a right-to-left override to disguise its extension.' },
  'attachment.type-mismatch': { weight: 15, describe: 'The declared type or extension does not match the content (magic bytes).' },
  'attachment.macro': { weight: 45, payload: true, describe: 'An Office document with VBA macros (OOXML vbaProject.bin, or an OLE VBA storage).' },
  'attachment.office-encrypted': { weight: 15, describe: 'A password-protected Office document (content cannot be scanned).' },
  'attachment.archive.encrypted': { weight: 25, payload: true, describe: 'A password-protected archive (content cannot be scanned; the password is usually in the mail).' },
  'attachment.archive.executable': { weight: 45, payload: true, describe: 'An archive holding an executable, script, shortcut or disk image.' },
  'attachment.office.remote-template': { weight: 35, payload: true, describe: 'An Office document that loads a template or object from the web when opened (template injection).' },
  'attachment.pdf.javascript': { weight: 30, payload: true, describe: 'A PDF with JavaScript.' },
  'attachment.pdf.openaction': { weight: 8, describe: 'A PDF with an automatic action on open (/OpenAction or /AA).' },
  'attachment.pdf.launch': { weight: 40, payload: true, describe: 'A PDF with a /Launch action (runs a program).' },
  'attachment.pdf.embedded-file': { weight: 10, describe: 'A PDF with an embedded file.' },
  'attachment.pdf.link': { weight: 5, describe: 'A PDF whose content is a link to click (a common lure to move the victim to a web page).' },
  'attachment.html': { weight: 20, describe: 'An HTML (or SVG) attachment: opens in a browser, outside the mail client\'s protections.' },
  'attachment.html.form': { weight: 30, payload: true, describe: 'An HTML attachment with a form (a local credential-harvesting page).' },
  'attachment.html.script': { weight: 20, payload: true, describe: 'An HTML/SVG attachment with script, redirects or decoding tricks.' },
  'attachment.disk-image': { weight: 35, payload: true, describe: 'A disk image (ISO, IMG, VHD): used to slip files past Mark-of-the-Web.' },
  'attachment.shortcut': { weight: 45, payload: true, describe: 'A Windows shortcut (.lnk) or similar launcher file.' },
  'attachment.tnef': { weight: 0, describe: 'A TNEF winmail.dat part; its files are listed as attachments.' },
  'attachment.nested-message': { weight: 0, describe: 'An attached e-mail (message/rfc822), analysed as part of this one.' },
  'attachment.unreadable': { weight: 5, describe: 'An attachment whose container could not be read (damaged or crafted).' },

  // intel (with --enrich)
  'intel.malicious': { weight: 40, payload: true, describe: 'An indicator in the message is malicious according to threat intel.' },
  'intel.suspicious': { weight: 15, describe: 'An indicator in the message is suspicious according to threat intel.' },
} as const satisfies Record<string, FindingDef>;

export type FindingId = keyof typeof FINDINGS;

export const FINDING_IDS = Object.keys(FINDINGS) as FindingId[];

const MAX_EVIDENCE = 300;

// No control characters, no runs of spaces, no leading or trailing whitespace.
function isTidy(s: string): boolean {
  let prev = 32;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127 || (c === 32 && prev === 32)) return false;
    prev = c;
  }
  return prev !== 32;
}

/** Evidence shortened to a readable length, control characters made visible. */
export function clip(s: string, max = MAX_EVIDENCE): string {
  // Most evidence is short, printable and single-spaced: return it as is.
  if (s.length <= max && isTidy(s)) return s;
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

// A web address inside evidence: scheme, then the host (no white space, quote or angle bracket).
const EVIDENCE_URL = /\b(?:https?|ftp):\/\/[^\s"'<>/?#]+/gi;

/**
 * Evidence with every web address defanged like the links table (`hxxps://evil[.]example/login`):
 * findings are copied into tickets, chat and mail, where a live link is one click from the phish.
 */
export function defangEvidence(s: string): string {
  if (!s.includes('://')) return s;
  return s.replace(EVIDENCE_URL, (m) => m.replace(/^http/i, 'hxxp').replace(/^ftp/i, 'fxp').replace(/\./g, '[.]'));
}

/**
 * Collects findings for one message. An id is reported once: further evidence for the same id is
 * counted into its message ("+2 more") instead of adding points again, so ten mismatched links
 * weigh what one does.
 */
export class FindingSet {
  private readonly byId = new Map<string, { f: Finding; more: number }>();

  constructor(private readonly weights: Readonly<Record<string, number>>) {}

  add(id: FindingId, message: string, evidence: string): void {
    const seen = this.byId.get(id);
    if (seen) {
      seen.more++;
      return;
    }
    const weight = this.weights[id] ?? FINDINGS[id].weight;
    this.byId.set(id, { f: { id, weight, message, evidence: defangEvidence(clip(evidence)) }, more: 0 });
  }

  has(id: FindingId): boolean {
    return this.byId.has(id);
  }

  list(): Finding[] {
    const out: Finding[] = [];
    for (const { f, more } of this.byId.values()) {
      out.push(more ? { ...f, evidence: `${f.evidence} (+${more} more)` } : f);
    }
    // Heaviest first: the report and the summary lead with what matters.
    return out.sort((a, b) => b.weight - a.weight);
  }
}
