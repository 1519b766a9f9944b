import type { Attachment, Email } from 'postal-mime';
import { VigilError } from '../core/errors.js';
import { attachmentFindings, inspectAttachment, type AttachmentInput } from './attachments.js';
import { authFindings, summarizeAuth, unverifiedSignatures } from './auth.js';
import { analyzeBody, brandClaimFindings, classifyLink, foreignContentFindings, linkFindings, lureFindings, type BodyContext, type WordClass } from './body.js';
import { featureVector } from './features.js';
import type { HtmlScan } from './html.js';
import { scoreVector, type ModelTable } from './model.js';
import type { PhishingConfig } from './config.js';
import { FindingSet, type FindingId } from './findings.js';
import { analyzeHeaders, displayNameFindings, isFreemail } from './headers.js';
import { buildHops, hopFindings } from './hops.js';
import { collectIocs } from './iocs.js';
import { isOle, msgToMime } from './msg.js';
import { BrandIndex } from './lookalike.js';
import { parseMail, type ParsedMail } from './parse.js';
import { foldText } from './words.js';
import type { AttachmentInfo, AuthSummary, LinkInfo, PhishReport } from './types.js';

/** Checks authentication through DNS (only when `phishing.dns.resolver` is set). */
export interface AuthVerifier {
  verify(input: { raw: Uint8Array; email: Email; auth: AuthSummary; fromDomain: string; senderIp: string | null }): Promise<void>;
}

export interface AnalyzeOptions {
  /** Name shown in the report (the file path). */
  file: string;
  config: PhishingConfig;
  /** Prepared once per config and shared across messages (built from `config` when absent). */
  brands?: BrandIndex;
  verifier?: AuthVerifier | null;
  /** The file's real size, when only its first bytes were read (a file over the size limit). */
  size?: number;
  /** Receives the model's feature vector (the training script). */
  onFeatures?: (v: Float64Array) => void;
  /** A model table other than the shipped one (the training script, tests). */
  model?: ModelTable;
}

// The lookalike and brand tables of a config, built once: callers that do not pass a BrandIndex
// analyse many messages with the same config.
const brandIndexes = new WeakMap<PhishingConfig, BrandIndex>();
function brandsFor(cfg: PhishingConfig): BrandIndex {
  let b = brandIndexes.get(cfg);
  if (!b) brandIndexes.set(cfg, (b = new BrandIndex(cfg)));
  return b;
}

const KNOWN_HEADERS = new Set(['from', 'to', 'cc', 'subject', 'date', 'received', 'message-id', 'mime-version', 'content-type', 'return-path', 'delivered-to', 'sender', 'reply-to']);
const MAX_ATTACHMENTS = 200;
const DAY = 86_400_000;

function bytesOf(a: Attachment): Uint8Array {
  const c = a.content;
  if (typeof c === 'string') return Buffer.from(c, a.encoding === 'base64' ? 'base64' : 'utf8');
  return c instanceof Uint8Array ? c : new Uint8Array(c);
}

interface Collected {
  links: LinkInfo[];
  attachments: AttachmentInfo[];
  texts: string[];
  /** The top-level visible text folded (lower case, NFKC), shared by the wording and claim checks. */
  folded: string | null;
  /** Word classes found at any level (the model's language features). */
  words: Record<WordClass, string[]> | null;
  /** Word classes in the top-level display name and subject. */
  headWords: Record<WordClass, string[]> | null;
  /** The top-level HTML scan. */
  html: HtmlScan | null;
}

/**
 * Everything below the top-level headers: bodies, links, wording, attachments; attached messages
 * are opened (within the depth limit) and their findings count for this one, since a reported
 * phish usually arrives as an attachment.
 */
async function analyzeContent(parsed: ParsedMail, ctx: BodyContext, fs: FindingSet, col: Collected, path: string[], depth: number): Promise<void> {
  const { email } = parsed;
  const cfg = ctx.cfg;
  const body = analyzeBody(email.html, email.text, ctx, fs, path.length ? 'attachment' : 'html');
  for (const l of body.links) if (col.links.length < cfg.limits.maxLinks) col.links.push(l);
  col.texts.push(body.visibleText);
  if (path.length === 0) col.html = body.html;
  const names: string[] = [];

  // A delivery-status notification or feedback report (multipart/report).
  const isReport = email.attachments.some((a) => a.mimeType === 'message/delivery-status' || a.mimeType === 'message/feedback-report');
  const queue: AttachmentInput[] = email.attachments.slice(0, MAX_ATTACHMENTS).map((a) => ({ filename: a.filename, mimeType: a.mimeType, disposition: a.disposition, content: bytesOf(a), path }));
  while (queue.length) {
    const a = queue.shift()!;
    if (col.attachments.length >= MAX_ATTACHMENTS) break;
    const res = inspectAttachment(a, cfg.limits.maxArchiveEntries);
    col.attachments.push(res.info);
    if (a.filename) names.push(a.filename.replace(/[._-]+/g, ' '));
    attachmentFindings(res.info, fs);
    for (const u of res.urls) {
      const l = classifyLink(u, '', 'attachment', ctx);
      if (l && col.links.length < cfg.limits.maxLinks) col.links.push(l);
    }
    for (const inner of res.inner) queue.push(inner);
    const isMessage = a.mimeType === 'message/rfc822' || /\.eml$/i.test(a.filename ?? '') || res.info.detectedType === 'e-mail message';
    if (isMessage && a.content.length > 0) {
      const name = a.filename ?? 'message.eml';
      if (depth >= cfg.limits.maxMessageDepth) {
        fs.add('parse.limit.depth', `Attached messages are nested more than ${cfg.limits.maxMessageDepth} deep: the deepest was not opened.`, [...path, name].join(' › '));
        continue;
      }
      let nested: ParsedMail | null = null;
      try {
        nested = await parseMail(a.content, cfg.limits);
      } catch {
        nested = null;
      }
      if (!nested) {
        res.info.flags.push('unreadable');
        continue;
      }
      const inner = nested.email;
      res.info.flags.push('nested-message');
      fs.add('attachment.nested-message', `${[...path, name].join(' › ')} is an attached e-mail (From: ${inner.from && !inner.from.group ? inner.from.address : '?'}, Subject: ${inner.subject ?? ''}); it was analysed too.`, `${name}: ${inner.subject ?? ''}`);
      // The attached message's own sender checks, as if it had arrived directly: a reported phish
      // arrives this way. A bounce or abuse report only quotes the message it is about (often just
      // its headers), so there only its content is looked at.
      let senderOrg = ctx.senderOrg;
      if (!isReport) {
        const hdr = analyzeHeaders(inner, { cfg, brands: ctx.brands }, fs);
        const innerAuth = summarizeAuth({ headers: inner.headers, fromDomain: hdr.fromDomain, trustedAuthservIds: cfg.trustedAuthservIds });
        authFindings(innerAuth, hdr.fromDomain, ctx.brands, fs);
        senderOrg = hdr.fromOrg;
      }
      for (const n of nested.notes) fs.add(n.id, n.message, n.evidence);
      await analyzeContent(nested, { ...ctx, senderOrg }, fs, col, [...path, name], depth + 1);
    }
  }
  // Wording: subject, visible text, and attachment names ("Invoice_overdue.pdf").
  const shownName = email.from && !email.from.group ? email.from.name : '';
  const folded = foldText(body.visibleText);
  if (col.folded === null) col.folded = folded;
  const head = shownName ? `${shownName}\n${email.subject ?? ''}` : (email.subject ?? '');
  const hits = lureFindings(head, names.length ? `${body.visibleText}\n${names.join('\n')}` : body.visibleText, cfg, fs, names.length ? `${folded}\n${foldText(names.join('\n'))}` : folded);
  if (!col.words) {
    col.words = hits.words;
    col.headWords = hits.head;
  } else for (const c of Object.keys(hits.words) as WordClass[]) for (const p of hits.words[c]) if (!col.words[c].includes(p)) col.words[c].push(p);
}

/** A message that is not mail at all (a PDF, an image, an empty file) is an input error, not a verdict. */
function assertMail(email: Email): void {
  if (!email.headers.some((h) => KNOWN_HEADERS.has(h.key))) {
    throw new VigilError('VIGIL_INPUT_PARSE', 'not an e-mail message: no From, To, Subject, Date, Received, Message-ID, MIME-Version or Content-Type header');
  }
}

/**
 * The full offline analysis of one message: parse within limits, headers, authentication, relays,
 * bodies and links, wording, attachments, indicators, verdict. Throws only when the input is not
 * readable as e-mail; every other problem is a finding.
 */
export async function analyzeEmail(input: Uint8Array, opts: AnalyzeOptions): Promise<PhishReport> {
  const cfg = opts.config;
  // An Outlook .msg is analysed as the MIME message it stands for (its transport headers, bodies and attachments).
  if (isOle(input)) {
    const mime = msgToMime(input);
    if (mime) input = mime;
  }
  const brands = opts.brands ?? brandsFor(cfg);
  const parsed = await parseMail(input, cfg.limits, opts.size ?? input.length);
  const { email } = parsed;
  assertMail(email);
  const fs = new FindingSet(cfg.weights);
  for (const n of parsed.notes) fs.add(n.id, n.message, n.evidence);

  const hdr = analyzeHeaders(email, { cfg, brands }, fs);
  const auth = summarizeAuth({ headers: email.headers, fromDomain: hdr.fromDomain, trustedAuthservIds: cfg.trustedAuthservIds });
  if (auth.dkim.length === 0) auth.dkim = unverifiedSignatures(email.headers, hdr.fromDomain);
  const senderIpStated = auth.spf?.ip ?? null;
  const hops = buildHops(email.headers, { senderIp: senderIpStated, internalRelays: cfg.internalRelays });
  const entry = hops.find((h) => h.firstExternal);
  if (opts.verifier) {
    await opts.verifier.verify({ raw: parsed.raw, email, auth, fromDomain: hdr.fromDomain, senderIp: entry?.ip ?? senderIpStated });
  }
  authFindings(auth, hdr.fromDomain, brands, fs);
  hopFindings(hops, fs);

  // Date against when the first relay stamped the message.
  const firstStamp = hops.find((h) => h.date)?.date;
  if (hdr.summary.dateIso && firstStamp) {
    const skew = Date.parse(hdr.summary.dateIso) - Date.parse(firstStamp);
    if (skew > DAY || skew < -7 * DAY) {
      const days = Math.round(Math.abs(skew) / DAY);
      fs.add('header.date.skew', `The Date header is ${days} day${days === 1 ? '' : 's'} ${skew > 0 ? 'after' : 'before'} the first relay received the message.`, `Date: ${hdr.summary.date}; first Received: ${firstStamp}`);
    }
  }

  const col: Collected = { links: [], attachments: [], texts: [], folded: null, words: null, headWords: null, html: null };
  if (!parsed.headersOnly) await analyzeContent(parsed, { cfg, brands, senderOrg: hdr.fromOrg }, fs, col, [], 0);
  linkFindings(col.links, fs);

  const s = hdr.summary;
  if (!parsed.headersOnly && s.from) {
    const topText = col.texts[0] ?? '';
    const topFolded = col.folded ?? '';
    brandClaimFindings(topText, topFolded, hdr.fromDomain, brands, fs);
    foreignContentFindings({ links: col.links, text: topFolded, subject: s.subject, fromDomain: hdr.fromDomain, freemail: isFreemail(cfg, hdr.fromDomain) }, brands, fs);
    if (s.from.name) {
      const identities: string[] = [s.from.address, s.returnPath ?? '', s.sender?.address ?? '', s.messageIdDomain ?? ''];
      for (const m of s.replyTo) identities.push(m.address);
      for (const d of auth.dkim) if (d.domain) identities.push(d.domain);
      if (entry) identities.push(entry.helo ?? '', entry.rdns ?? '', entry.from ?? '');
      for (const l of col.links) if (l.host) identities.push(l.host);
      displayNameFindings({ name: s.from.name, fromDomain: hdr.fromDomain, subject: s.subject, text: topFolded, identities }, fs);
    }
  }
  const iocs = collectIocs(
    {
      addresses: [s.from?.address ?? '', ...s.replyTo.map((m) => m.address), s.returnPath ?? ''].filter(Boolean),
      ips: entry?.ip ? [entry.ip] : [],
      links: col.links,
      texts: col.texts,
      hashes: col.attachments,
    },
    cfg.limits.maxBodyChars,
  );
  // The model: every finding plus structure and wording, a calibrated probability, the bands.
  let brandsForeign = 0;
  const topText = col.texts[0] ?? '';
  if (topText) for (const t of brands.named(topText.length > 5000 ? topText.slice(0, 5000) : topText)) if (!brands.owns(t, hdr.fromDomain)) brandsForeign++;
  const raw = fs.list();
  const vector = featureVector({
    findingIds: raw.map((f) => f.id),
    headers: s,
    fromOrg: hdr.fromOrg,
    freemailFrom: isFreemail(cfg, hdr.fromDomain),
    links: col.links,
    attachments: col.attachments,
    words: col.words,
    text: topText,
    html: col.html,
    rawHtml: email.html ?? null,
    brandsForeign,
    recipients: hdr.recipients,
    headWords: col.headWords,
  });
  opts.onFeatures?.(vector);
  const model = scoreVector(vector, raw, { weights: cfg.weights, thresholds: cfg.thresholds }, opts.model);
  const { score, verdict, probability, category } = model;
  // Each finding carries its share of the verdict, heaviest first.
  const findings = raw.map((f) => ({ ...f, weight: model.points.get(f.id) ?? 0 })).sort((a, b) => b.weight - a.weight);
  const maxBody = cfg.limits.maxBodyChars;
  return {
    file: opts.file,
    verdict,
    score,
    probability: Math.round(probability * 10_000) / 10_000,
    category,
    reasons: model.reasons,
    findings,
    headers: s,
    auth,
    hops,
    links: col.links,
    attachments: col.attachments,
    iocs,
    size: parsed.size,
    limits: parsed.notes.map((n) => n.id as FindingId),
    html: email.html ? email.html.slice(0, maxBody) : null,
    text: email.text ? email.text.slice(0, maxBody) : null,
  };
}

/** The JSON shape: everything but the bodies (those are for the HTML report). */
export function reportJson(r: PhishReport): Omit<PhishReport, 'html' | 'text'> {
  const { html: _h, text: _t, ...rest } = r;
  return rest;
}
