import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeEmail } from './analyze.js';
import { defaultPhishingConfig } from './config.js';
import { defang, renderPhishReport } from './report.js';
import { buildMessage } from './testing.js';

const config = defaultPhishingConfig();

describe('renderPhishReport', () => {
  it('shows verdict, findings, auth, relays, links and attachments as one self-contained page', async () => {
    const raw = readFileSync(join(import.meta.dirname, 'fixtures/credential-phish.eml'));
    const html = renderPhishReport(await analyzeEmail(raw, { file: 'credential-phish.eml', config }), { generatedAt: '2024-05-20T00:00:00Z' });
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:;`);
    for (const id of ['findings', 'headers', 'auth', 'hops', 'links', 'attachments', 'iocs', 'enrichment', 'body']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('PHISHING');
    expect(html).toContain('header.display-name.impersonation');
    expect(html).toContain('hxxp://paypa1[.]com[.]login-verify[.]xyz/signin?session=8812');
    expect(html).toContain("entry point: sender's server");
    // nothing that loads or runs: no external URL in src/href, no live form or script
    expect(html).not.toMatch(/<(script|form|iframe|img|link|object|embed)\b/i);
    expect(html).not.toMatch(/\b(src|href|action)=["']?https?:/i);
  });

  it('shows the message HTML only as escaped source', async () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a><form action="https://e.example"><input type=password></form></pre><b>"quoted"</b>';
    const raw = buildMessage({ From: 'x@y.example', Subject: '<b>subject</b> & "q"' }, [{ type: 'text/html; charset=utf-8', content: evil, disposition: 'inline' }]);
    const r = await analyzeEmail(raw, { file: 'evil.eml', config });
    const html = renderPhishReport(r);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;/pre&gt;');
    expect(html).toContain('&lt;b&gt;subject&lt;/b&gt; &amp; &quot;q&quot;');
    expect(html).not.toContain('<script>');
    expect(html).not.toMatch(/<img src=x/i);
    expect(html).not.toMatch(/<form\b/);
  });

  it('defangs URLs and domains', () => {
    expect(defang('https://evil.example.net/a.b?c=d.e')).toBe('hxxps://evil[.]example[.]net/a.b?c=d.e');
    expect(defang('evil.example.net')).toBe('evil[.]example[.]net');
    expect(defang('javascript:alert(1)')).toBe('javascript:alert(1)');
  });
});
