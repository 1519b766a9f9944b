import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeEmail, reportJson } from './analyze.js';
import { defaultPhishingConfig, PhishingConfigSchema } from './config.js';
import { shippedModel } from './model.js';
import { buildMessage, buildOle, buildZip, FAKE_EXE } from './testing.js';
import { verdictRank } from './types.js';

const FIX = join(import.meta.dirname, 'fixtures');
const config = defaultPhishingConfig();
const analyze = (name: string, cfg = config) => analyzeEmail(readFileSync(join(FIX, name)), { file: name, config: cfg });
const ids = (r: { findings: Array<{ id: string }> }) => r.findings.map((f) => f.id);

describe('analyzeEmail on the fixtures', () => {
  it('calls the authenticated newsletter clean, with structured auth, hops and links', async () => {
    const r = await analyze('newsletter.eml');
    expect(r.verdict).toBe('clean');
    expect(r.score).toBeLessThan(shippedModel().thresholds.suspicious * 100);
    expect(r.category).toBe('ham');
    expect(r.auth.spf).toMatchObject({ result: 'pass', domain: 'mail.example-shop.com', identity: 'mailfrom', aligned: true, ip: '198.51.100.20' });
    expect(r.auth.dkim[0]).toMatchObject({ result: 'pass', domain: 'example-shop.com', selector: 'news', aligned: true });
    expect(r.auth.dmarc).toMatchObject({ result: 'pass', domain: 'example-shop.com', policy: 'reject' });
    expect(r.auth.verification).toMatch(/^not verified/);
    expect(r.hops.map((h) => [h.index, h.ip, h.firstExternal])).toEqual([
      [1, '198.51.100.20', true],
      [2, '10.0.0.25', false],
    ]);
    expect(r.links.every((l) => l.flags.length === 0)).toBe(true);
    expect(r.headers.listUnsubscribe).toBe(true);
  });

  it('explains the credential phish: impersonation, lookalike, mismatched link, password form, failed DMARC, lures', async () => {
    const r = await analyze('credential-phish.eml');
    expect(r.verdict).toBe('phishing');
    expect(r.category).toBe('phishing');
    expect(r.score).toBeGreaterThanOrEqual(95);
    // the reasons lead with what the model weighed most, each with its points
    expect(r.reasons.length).toBeGreaterThan(3);
    expect(r.reasons[0]!.points).toBeGreaterThan(0);
    expect(r.findings.every((f, i) => i === 0 || r.findings[i - 1]!.weight >= f.weight)).toBe(true);
    expect(ids(r)).toEqual(
      expect.arrayContaining(['header.display-name.impersonation', 'sender.lookalike', 'link.text-mismatch', 'html.form.password', 'html.form.external', 'auth.dmarc.fail', 'auth.spf.fail', 'header.reply-to.freemail', 'body.lure.credential', 'body.lure.urgency', 'html.hidden-text']),
    );
    const mismatch = r.findings.find((f) => f.id === 'link.text-mismatch')!;
    expect(mismatch.message).toBe('A link shows paypal.com but goes to login-verify.xyz.');
    // evidence is defanged like the links table: copied into a ticket, it opens nothing
    expect(mismatch.evidence).toContain('"hxxps://www[.]paypal[.]com/signin" → hxxp://paypa1[.]com[.]login-verify[.]xyz/signin?session=8812');
    expect(r.hops.find((h) => h.firstExternal)).toMatchObject({ ip: '203.0.113.66', rdns: 'unknown' });
    expect(r.iocs.domain).toEqual(expect.arrayContaining(['paypa1-secure.com', 'paypa1.com.login-verify.xyz']));
    expect(r.iocs.email).toEqual(expect.arrayContaining(['notice@paypa1-secure.com', 'paypal.resolution.center@gmail.com']));
  });

  it('opens a forwarded message attached as message/rfc822 and counts what is inside', async () => {
    const r = await analyze('nested-forward.eml');
    expect(r.attachments.map((a) => [a.filename, a.flags])).toEqual([['Your mailbox is full.eml', ['nested-message']]]);
    expect(ids(r)).toEqual(expect.arrayContaining(['header.display-name.impersonation', 'body.lure.credential', 'link.shortener', 'attachment.nested-message']));
    expect(r.links.map((l) => [l.source, l.host])).toEqual([['attachment', 'bit.ly']]);
    expect(r.verdict).toBe('phishing');
  });

  it('lists the files inside a TNEF winmail.dat and judges them', async () => {
    const r = await analyze('tnef-winmail.eml');
    expect(r.attachments.map((a) => [[...a.path, a.filename].join(' › '), a.detectedType])).toEqual([
      ['winmail.dat', 'TNEF (winmail.dat)'],
      ['winmail.dat › invoice.pdf.exe', 'Windows executable (PE)'],
      ['winmail.dat › notes.txt', 'text'],
    ]);
    expect(r.verdict).toBe('malicious');
    expect(r.category).toBe('malware');
    expect(ids(r).slice(0, 2)).toEqual(['attachment.executable', 'attachment.double-extension']);
  });

  it('reads broken boundaries and odd charsets without failing', async () => {
    const broken = await analyze('broken-boundary.eml');
    expect(ids(broken)).toContain('parse.broken-mime');
    expect(broken.links.map((l) => l.url)).toContain('https://ci.example.org/builds/1842');
    const odd = await analyze('odd-charset.eml');
    expect(odd.headers.subject).toBe('Résumé de la réunion');
    expect(odd.headers.from).toMatchObject({ name: 'Спасоб', address: 'support@example.ru' });
    expect(odd.text).toContain('Привет, мир!');
    expect(odd.verdict).toBe('clean');
  });
});

describe('analyzeEmail on generated messages', () => {
  const headers = { From: 'Accounts <billing@supplier-billing.com>', To: 'ap@corp.example', Subject: 'Overdue invoice', Date: 'Mon, 20 May 2024 10:00:00 +0000', 'Message-ID': '<gen-1@supplier-billing.com>' };

  it('calls a message with a macro document, an executable in a zip and an HTML sign-in page malicious', async () => {
    const docm = buildZip({ '[Content_Types].xml': '<Types/>', 'word/document.xml': '<w:document/>', 'word/vbaProject.bin': buildOle({ 'VBA/dir': 'x' }) });
    const zip = buildZip({ 'invoice.pdf.exe': FAKE_EXE });
    const page = '<html><body><form action="https://collect.example.net/"><input type="password"></form></body></html>';
    const raw = buildMessage(headers, [
      { type: 'text/plain; charset=utf-8', content: 'Payment required: see the invoice. Pay now to avoid suspension.' },
      { type: 'application/vnd.ms-word.document.macroEnabled.12', filename: 'Invoice_0520.docm', content: docm },
      { type: 'application/zip', filename: 'invoice.zip', content: zip },
      { type: 'text/html', filename: 'secure-message.html', content: page },
    ]);
    const r = await analyzeEmail(raw, { file: 'generated.eml', config });
    expect(r.verdict).toBe('malicious');
    expect(r.category).toBe('malware');
    expect(r.score).toBeGreaterThanOrEqual(95);
    expect(ids(r)).toEqual(expect.arrayContaining(['attachment.macro', 'attachment.archive.executable', 'attachment.html.form', 'body.lure.payment']));
    expect(r.attachments.map((a) => a.filename)).toEqual(['Invoice_0520.docm', 'invoice.zip', 'secure-message.html']);
    expect(r.iocs.sha256).toEqual(r.attachments.map((a) => a.sha256));
  });

  it('follows weight and threshold overrides from config', async () => {
    const raw = buildMessage(headers, [{ type: 'application/octet-stream', filename: 'tool.exe', content: FAKE_EXE }]);
    const strict = PhishingConfigSchema.parse({ weights: { 'attachment.executable': 10 }, thresholds: { suspicious: 5, phishing: 8, malicious: 9 } });
    const r = await analyzeEmail(raw, { file: 'x.eml', config: strict });
    expect(r.findings.find((f) => f.id === 'attachment.executable')).toMatchObject({ weight: 10 });
    expect(r.verdict).toBe('malicious');
    const off = await analyzeEmail(raw, { file: 'x.eml', config: PhishingConfigSchema.parse({ weights: { 'attachment.executable': 0 } }) });
    expect(off.findings.find((f) => f.id === 'attachment.executable')).toMatchObject({ weight: 0 });
    expect(verdictRank(off.verdict)).toBeLessThan(verdictRank('phishing'));
    const full = await analyzeEmail(raw, { file: 'x.eml', config });
    expect(full.verdict).toBe('malicious');
    expect(full.probability).toBeGreaterThan(off.probability);
  });

  it('rejects input that is not e-mail with a readable error', async () => {
    await expect(analyzeEmail(Buffer.from('%PDF-1.7\n1 0 obj\n'), { file: 'x.pdf', config })).rejects.toThrow(/not an e-mail message/);
    await expect(analyzeEmail(new Uint8Array(0), { file: 'empty.eml', config })).rejects.toThrow(/not an e-mail message/);
  });

  it('produces the JSON shape of the issue', async () => {
    const r = reportJson(await analyze('credential-phish.eml'));
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['file', 'verdict', 'score', 'probability', 'category', 'reasons', 'findings', 'headers', 'auth', 'hops', 'links', 'attachments', 'iocs']));
    expect(r).not.toHaveProperty('html');
    expect(Object.keys(r.auth)).toEqual(expect.arrayContaining(['spf', 'dkim', 'dmarc', 'arc']));
    expect(Object.keys(r.findings[0]!)).toEqual(['id', 'weight', 'message', 'evidence']);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe('configuration', () => {
  it('rejects unknown finding ids and falling thresholds, naming the field', () => {
    const bad = PhishingConfigSchema.safeParse({ weights: { 'link.nope': 5 } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['weights', 'link.nope'], message: expect.stringContaining('unknown finding id') });
    expect(PhishingConfigSchema.safeParse({ thresholds: { suspicious: 60, phishing: 40 } }).success).toBe(false);
    expect(PhishingConfigSchema.safeParse({ dns: { resolver: '127.0.0.1', extra: 1 } }).success).toBe(false);
  });
});
