import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeEmail } from './analyze.js';
import { defaultPhishingConfig } from './config.js';
import { isOle, msgToMime } from './msg.js';
import { buildMsg, buildOle, buildZip, FAKE_EXE } from './testing.js';

const config = defaultPhishingConfig();
const summary = (r: Awaited<ReturnType<typeof analyzeEmail>>) => ({
  verdict: r.verdict,
  score: r.score,
  category: r.category,
  findings: r.findings.map((f) => `${f.id} ${f.weight}`).sort(),
  from: r.headers.from,
  subject: r.headers.subject,
  links: r.links.map((l) => l.url),
  attachments: r.attachments.map((a) => [a.filename, a.sha256, a.flags]),
  auth: [r.auth.spf?.result, r.auth.dmarc?.result],
});

describe('Outlook .msg files', () => {
  // The credential phish of the fixtures, as Outlook stores it once received: its transport headers,
  // the text and HTML bodies and an attachment, each in its MAPI property.
  const eml = readFileSync(join(import.meta.dirname, 'fixtures', 'credential-phish.eml'), 'utf8');
  const headerBlock = eml.slice(0, eml.search(/\r?\n\r?\n/));
  const html = '<html><body><p>Your account has been limited. <a href="http://paypa1.com.login-verify.xyz/signin?session=8812">https://www.paypal.com/signin</a></p><form action="http://paypa1.com.login-verify.xyz/post"><input type="password" name="p"></form></body></html>';
  const text = 'Your account has been limited. Verify your account within 24 hours: http://paypa1.com.login-verify.xyz/signin?session=8812';
  const zip = buildZip({ 'statement.pdf.exe': FAKE_EXE });

  it('gives a .msg and the same message as .eml the same analysis', async () => {
    const headers = headerBlock.split(/\r?\n(?![ \t])/).filter((l) => !/^(content-type|mime-version|content-transfer-encoding):/i.test(l)).join('\r\n');
    // as a mail client writes it: text and HTML as alternatives, the archive beside them
    const b64 = (x: Uint8Array | string) => Buffer.from(x).toString('base64');
    const asEml = Buffer.from(
      [
        headers,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="outer"',
        '',
        '--outer',
        'Content-Type: multipart/alternative; boundary="alt"',
        '',
        '--alt',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        b64(text),
        '--alt',
        'Content-Type: text/html; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        b64(html),
        '--alt--',
        '--outer',
        'Content-Type: application/zip; name="statement.zip"',
        'Content-Disposition: attachment; filename="statement.zip"',
        'Content-Transfer-Encoding: base64',
        '',
        b64(zip),
        '--outer--',
        '',
      ].join('\r\n'),
    );
    const msg = buildMsg({ headers: `${headers}\r\n\r\n`, subject: 'ignored when headers are kept', body: text, html, attachments: [{ filename: 'statement.zip', mimeType: 'application/zip', content: zip }] });
    expect(isOle(msg)).toBe(true);
    const a = await analyzeEmail(asEml, { file: 'mail.eml', config });
    const b = await analyzeEmail(msg, { file: 'mail.msg', config });
    expect(summary(b)).toEqual(summary(a));
    expect(b.verdict).toBe('malicious');
    expect(b.category).toBe('malware');
  });

  it('makes the headers from the MAPI properties when the transport headers are missing', async () => {
    const msg = buildMsg({ subject: 'Quarterly numbers', senderName: 'Dana Lee', senderEmail: 'dana@corp.example', recipients: [{ name: 'Sam', email: 'sam@corp.example' }], body: 'See you at ten.' });
    const mime = msgToMime(msg)!.toString('utf8');
    expect(mime).toContain('From: "Dana Lee" <dana@corp.example>');
    expect(mime).toContain('Subject: Quarterly numbers');
    const r = await analyzeEmail(msg, { file: 'draft.msg', config });
    expect(r.headers.from).toMatchObject({ name: 'Dana Lee', address: 'dana@corp.example' });
    expect(r.headers.to.map((m) => m.address)).toEqual(['sam@corp.example']);
    expect(r.text).toContain('See you at ten.');
  });

  it('refuses other OLE files (a .doc) and damaged ones as not e-mail, with a readable error', async () => {
    const doc = buildOle({ WordDocument: 'x'.repeat(600) });
    expect(msgToMime(doc)).toBeNull();
    await expect(analyzeEmail(doc, { file: 'x.doc', config })).rejects.toThrow(/not an e-mail message/);
    const broken = Buffer.concat([buildMsg({ subject: 'x' }).subarray(0, 600), Buffer.alloc(100)]);
    expect(msgToMime(broken)).toBeNull();
  });
});
