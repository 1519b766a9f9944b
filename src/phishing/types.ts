import type { IocType } from '../ioc/types.js';

/** The four verdicts, least to most severe. */
export const PHISH_VERDICTS = ['clean', 'suspicious', 'phishing', 'malicious'] as const;
export type PhishVerdict = (typeof PHISH_VERDICTS)[number];

export function verdictRank(v: PhishVerdict): number {
  return PHISH_VERDICTS.indexOf(v);
}

/** What kind of mail it is: three kinds of bad (which open cases by default), and the two kinds of not. */
export const PHISH_CATEGORIES = ['phishing', 'bec-fraud', 'malware', 'spam', 'ham'] as const;
export type PhishCategory = (typeof PHISH_CATEGORIES)[number];

/** One reason the score moved: a stable id, the points it added, a sentence and what it is about. */
export interface Finding {
  id: string;
  weight: number;
  message: string;
  /** The header line, URL, attachment name or text the finding is about (shortened when long). */
  evidence: string;
}

export interface MailboxInfo {
  name: string;
  address: string;
  /** Lower-case domain part, '' when the address has none. */
  domain: string;
}

export interface HeaderSummary {
  from: MailboxInfo | null;
  sender: MailboxInfo | null;
  replyTo: MailboxInfo[];
  returnPath: string | null;
  to: MailboxInfo[];
  cc: MailboxInfo[];
  deliveredTo: string | null;
  subject: string;
  /** As written in the message. */
  date: string | null;
  /** ISO 8601 when the Date header parses. */
  dateIso: string | null;
  messageId: string | null;
  messageIdDomain: string | null;
  inReplyTo: string | null;
  mailer: string | null;
  /** X-Originating-IP and similar, when present. */
  originatingIp: string | null;
  listUnsubscribe: boolean;
  /** Number of header fields in the top-level header. */
  count: number;
}

/** SPF/DKIM/DMARC/ARC result words from RFC 8601 (and the few vendors add). */
export type AuthResultWord = string;

export interface SpfResult {
  result: AuthResultWord;
  /** The domain checked: smtp.mailfrom (the envelope sender), else smtp.helo. */
  domain: string | null;
  /** Which identity `domain` is. */
  identity: 'mailfrom' | 'helo' | null;
  /** Client IP the receiver checked, when it says. */
  ip: string | null;
  /** Relaxed alignment of `domain` with the From domain (organisational domains equal). */
  aligned: boolean | null;
  /** The header the result came from and the server that wrote it. */
  source: string;
  verified: boolean;
}

export interface DkimResult {
  result: AuthResultWord;
  /** Signing domain (header.d, or header.i's domain). */
  domain: string | null;
  selector: string | null;
  aligned: boolean | null;
  source: string;
  verified: boolean;
  /** Why the local verifier said so (with a resolver configured). */
  reason?: string;
}

export interface DmarcResult {
  result: AuthResultWord;
  /** The From domain DMARC was evaluated for (header.from). */
  domain: string | null;
  /** Published policy (p=) when the header or a DNS lookup says. */
  policy: string | null;
  source: string;
  verified: boolean;
}

export interface ArcResult {
  /** Chain validation as the last sealer recorded it (cv= of the highest ARC-Seal), or the receiver's arc= result. */
  result: AuthResultWord;
  /** Number of ARC sets (highest i=). */
  instances: number;
  /** Results the first sealer saw (ARC-Authentication-Results i=1): what authentication looked like before forwarding. */
  original: { spf: string | null; dkim: string | null; dmarc: string | null } | null;
  sealers: string[];
  source: string;
  verified: boolean;
}

/** One method=result entry of an Authentication-Results style header, as written. */
export interface AuthEntry {
  method: string;
  result: string;
  reason: string | null;
  props: Record<string, string>;
  comment: string | null;
}

export interface AuthHeaderParsed {
  header: 'Authentication-Results' | 'ARC-Authentication-Results' | 'Received-SPF';
  authservId: string | null;
  instance: number | null;
  entries: AuthEntry[];
}

export interface AuthSummary {
  spf: SpfResult | null;
  dkim: DkimResult[];
  dmarc: DmarcResult | null;
  arc: ArcResult | null;
  /** Microsoft's composite authentication, when present. */
  compauth: { result: string; reason: string | null } | null;
  /** DMARC worked out from the SPF/DKIM results and the From domain, when no receiver stated it. */
  alignment: { spf: boolean; dkim: boolean; pass: boolean };
  /** `verified` when checked here through DNS, else "not verified" with why. */
  verification: string;
  /** Every parsed header, in order, for the report. */
  headers: AuthHeaderParsed[];
}

export interface Hop {
  /** 1 = the first relay the message passed through (the bottom Received header). */
  index: number;
  from: string | null;
  helo: string | null;
  rdns: string | null;
  ip: string | null;
  by: string | null;
  with: string | null;
  date: string | null;
  /** Seconds since the previous hop (negative when the clocks disagree). */
  delaySeconds: number | null;
  scope: 'public' | 'private' | 'reserved' | null;
  /** Outside the receiving organisation: the hops the sender controls or chose. */
  external: boolean;
  /** The hop where the message entered the receiving organisation (its IP is the sender's). */
  firstExternal: boolean;
  flags: string[];
}

export type LinkSource = 'html' | 'text' | 'attachment';

export interface LinkInfo {
  url: string;
  /** Visible text of the anchor (HTML), trimmed and shortened. */
  text: string;
  host: string | null;
  registrableDomain: string | null;
  source: LinkSource;
  flags: string[];
}

export interface ArchiveEntry {
  name: string;
  size: number;
  compressedSize: number;
  encrypted: boolean;
  flags: string[];
}

export interface AttachmentInfo {
  filename: string;
  /** Containers it was found in, outermost first (`winmail.dat`, `forwarded.eml`), empty for a top-level part. */
  path: string[];
  declaredType: string;
  detectedType: string;
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  disposition: string | null;
  flags: string[];
  /** Archive listing (zip: every entry up to the listing limit). */
  entries?: ArchiveEntry[];
  /** Entries not listed because of the limit. */
  entriesOmitted?: number;
}

export interface EnrichmentEntry {
  type: string;
  value: string;
  role: string;
  verdict: string;
  score: number;
  evidence: string[];
}

export interface PhishReport {
  file: string;
  verdict: PhishVerdict;
  /** The probability in percent (0–100), rounded. */
  score: number;
  /** Calibrated probability that the message is phishing of any kind (0–1), from the fitted model. */
  probability: number;
  category: PhishCategory;
  /** The features that moved the probability most (findings and structural/language features), in points of log-odds × 10. */
  reasons: Array<{ feature: string; points: number; describe: string }>;
  findings: Finding[];
  headers: HeaderSummary;
  auth: AuthSummary;
  hops: Hop[];
  links: LinkInfo[];
  attachments: AttachmentInfo[];
  iocs: Record<IocType, string[]>;
  /** Message size in bytes and how long the analysis took. */
  size: number;
  /** Limits hit while parsing (also reported as findings). */
  limits: string[];
  /** The message's own HTML body (shown escaped in the report, never rendered), shortened to the body limit. */
  html: string | null;
  text: string | null;
  enrichment?: EnrichmentEntry[];
  /** Set when the file could not be analysed at all. */
  error?: string;
}
