import { describe, expect, it } from 'vitest';
import { analyzeBody, classifyLink, findBase64Html, findLures, linkFindings } from './body.js';
import { defaultPhishingConfig } from './config.js';
import { FindingSet } from './findings.js';
import { scanHtml } from './html.js';
import { BrandIndex } from './lookalike.js';

const cfg = defaultPhishingConfig();
const ctx = { cfg, brands: new BrandIndex(cfg), senderOrg: 'shop.example' };

function bodyFindings(html: string | undefined, text?: string): { ids: string[]; links: ReturnType<typeof analyzeBody>['links'] } {
  const fs = new FindingSet({});
  const r = analyzeBody(html, text, ctx, fs);
  linkFindings(r.links, fs);
  return { ids: fs.list().map((f) => f.id), links: r.links };
}

describe('classifyLink', () => {
  it('flags what the visible text hides about the target', () => {
    expect(classifyLink('http://paypa1.com.verify.example.net/x', 'https://www.paypal.com', 'html', ctx)!.flags).toEqual(['lookalike:brand-in-subdomain:paypal.com', 'text-mismatch:paypal.com']);
    expect(classifyLink('http://192.0.2.5/login', 'Sign in', 'html', ctx)!.flags).toEqual(['ip-literal']);
    expect(classifyLink('http://3221225989/login', '', 'html', ctx)!.host).toBe('192.0.2.5');
    expect(classifyLink('https://bit.ly/abc', 'Track parcel', 'html', ctx)!.flags).toEqual(['shortener']);
    expect(classifyLink('https://xn--80ak6aa92e.com/', '', 'html', ctx)!.flags).toContain('punycode');
    expect(classifyLink('javascript:alert(1)', 'click', 'html', ctx)!.flags).toEqual(['script-uri']);
    expect(classifyLink('data:text/html;base64,PGh0bWw+', '', 'html', ctx)!.flags).toEqual(['data-uri']);
    expect(classifyLink('https://storage.googleapis.com/bucket/page.html', '', 'html', ctx)!.flags).toEqual(['abused-hosting']);
    expect(classifyLink('https://deals.example.xyz/', '', 'html', ctx)!.flags).toEqual(['suspicious-tld']);
    expect(classifyLink('https://www.paypal.com@evil.example/', '', 'html', ctx)!.flags).toEqual(['userinfo']);
  });

  it('leaves ordinary links and non-web schemes alone', () => {
    expect(classifyLink('https://www.shop.example/may', 'www.shop.example/may', 'html', ctx)!.flags).toEqual([]);
    expect(classifyLink('https://click.shop.example/r?u=1', 'Read more', 'html', ctx)!.flags).toEqual([]);
    // mailto: links are links (often the whole lure), with the mailbox's organisation and no host to open
    expect(classifyLink('mailto:Help@Shop.example?subject=hi', 'help@shop.example', 'html', ctx)).toMatchObject({ url: 'mailto:help@shop.example', host: null, registrableDomain: 'shop.example', flags: ['mailto'] });
    expect(classifyLink('mailto:claims.dept@freemail-box.example', 'support@paypal.com', 'html', ctx)?.flags).toEqual(['mailto', 'text-mismatch:paypal.com']);
    expect(classifyLink('mailto:', 'write to us', 'html', ctx)).toBeNull();
    expect(classifyLink('#top', 'top', 'html', ctx)).toBeNull();
    expect(classifyLink('cid:logo@x', '', 'html', ctx)).toBeNull();
  });
});

describe('analyzeBody', () => {
  it('reads anchors with their visible text, forms, password fields, refreshes, scripts, pixels and hidden text', () => {
    const html = `<html><head><meta http-equiv="refresh" content="5; url=https://evil.example.net/"><script>var a=1</script>
      <script type="application/ld+json">{"@type":"EmailMessage"}</script></head>
      <body><a href="https://evil.example.net/a">https://www.shop.example/account</a>
      <form action="https://evil.example.net/post"><input type="password" name="p"></form>
      <img src="https://t.evil.example.net/p.gif" width="1" height="1">
      <div style="display: none">${'filler words '.repeat(30)}</div>
      <p onclick="x()">Visible &amp; clear</p></body></html>`;
    const { ids, links } = bodyFindings(html);
    expect(ids).toEqual(['html.form.password', 'link.text-mismatch', 'html.form.external', 'html.script', 'html.meta-refresh', 'html.hidden-text', 'html.tracking-pixel']);
    expect(links.map((l) => [l.text, l.host])).toEqual([
      ['https://www.shop.example/account', 'evil.example.net'],
      ['', 'evil.example.net'],
      ['', 'evil.example.net'],
    ]);
  });

  it('adds URLs written in the text part, once, and finds an HTML page embedded in base64', () => {
    const { links, ids } = bodyFindings('<a href="https://www.shop.example/a">x</a>', 'see https://www.shop.example/a and www.other.example/b.\nPGh0bWw+PGJvZHk+PGZvcm0gYWN0aW9uPSJodHRwczovL2V2aWwuZXhhbXBsZSI+');
    expect(links.map((l) => `${l.source} ${l.url}`)).toEqual(['html https://www.shop.example/a', 'text http://www.other.example/b']);
    expect(ids).toEqual([]);
    expect(findBase64Html('x PGh0bWw+PGJvZHk+PGZvcm0gYWN0aW9uPSJodHRwczovL2V2aWwuZXhhbXBsZSI+ y')).toMatch(/^PGh0bWw/);
    expect(findBase64Html('<a href="data:text/html;base64,PGgxPmhp">')).toMatch(/^data:text\/html/);
    expect(findBase64Html('PGh0bWw is a word here')).toBeNull();
  });

  it('keeps each line of the visible text once when the HTML repeats the text part', () => {
    const r = analyzeBody('<p>Your parcel is waiting.</p><p>Track it today.</p><p>Only in the HTML.</p>', 'Your parcel is waiting.\nTrack it today.', ctx, new FindingSet({}));
    expect(r.visibleText).toBe('Your parcel is waiting.\nTrack it today.\nOnly in the HTML.');
  });

  it('normalises the visible text as it builds it: one space between words, trimmed lines', () => {
    const r = analyzeBody('<div>\n  Hello&nbsp;&nbsp; <b>there</b>\t friend \n</div>\n\n<p>  second   line </p><span>a\u2003b</span>', undefined, ctx, new FindingSet({}));
    expect(r.visibleText).toBe('Hello there friend\nsecond line\na\u2003b');
    expect(r.html!.anchors).toEqual([]);
  });

  it('calls a body of images and links with no words image-only', () => {
    expect(bodyFindings('<a href="https://shop.example/x"><img src="https://shop.example/banner.png" width="600"></a>').ids).toEqual(['body.image-only']);
  });
});

describe('findLures', () => {
  it('matches whole phrases case-insensitively, plurals and styled letters included', () => {
    const r = findLures('𝐔𝐫𝐠𝐞𝐧𝐭: Verify your ACCOUNT within 24 hours to claim your prizes. Payment required.', cfg.lures);
    expect(r.urgency).toEqual(['urgent', 'within 24 hours']);
    expect(r.credential).toEqual(['verify your account']);
    expect(r.reward).toEqual(['claim your', 'prize']);
    expect(r.payment).toEqual(['payment required']);
    expect(findLures('the unverified accountant is urgently awaited', cfg.lures).credential).toEqual([]);
    expect(findLures('Ihr Konto wurde gesperrt. Bitte verifizieren Sie Ihre Zugangsdaten.', cfg.lures)).toMatchObject({ urgency: ['gesperrt'], credential: ['verifizieren', 'zugangsdaten'] });
  });

  it('does not read the words of a written web address as wording', () => {
    expect(findLures('details at https://bank.example/verify/your/account', cfg.lures).credential).toEqual([]);
    expect(findLures('please verify your account at https://bank.example/', cfg.lures).credential).toEqual(['verify your account']);
  });
});

describe('hostile HTML', () => {
  it('scans a megabyte of pathological markup in linear time', () => {
    const inputs = ['<a '.repeat(350_000), '<'.repeat(1_000_000), '<a href="'.repeat(120_000), '<div style="display:none">'.repeat(40_000), '&#'.repeat(500_000), '<!--'.repeat(250_000), `<a href=x>${'<b>'.repeat(300_000)}`];
    for (const html of inputs) {
      const start = performance.now();
      scanHtml(html, { maxChars: 2 * 1024 * 1024, maxAnchors: 500 });
      expect(performance.now() - start).toBeLessThan(1500);
    }
  });

  it('normalises a megabyte of exotic white space in linear time', () => {
    const start = performance.now();
    const r = scanHtml(`<p>a${'\u2003'.repeat(1_000_000)}b</p><p>${' \u2003\n'.repeat(300_000)}c</p>`, { maxChars: 4 * 1024 * 1024, maxAnchors: 500 });
    expect(performance.now() - start).toBeLessThan(1500);
    expect(r.text.endsWith('\nc')).toBe(true);
  });

  it('keeps regex-based helpers linear too', () => {
    const start = performance.now();
    findBase64Html(`PGh0bWw${'A'.repeat(2_000_000)}`);
    findLures('act '.repeat(250_000), cfg.lures);
    classifyLink(`https://${'a.'.repeat(2000)}example.com/`, `www.${'a'.repeat(5000)}.com`, 'html', ctx);
    expect(performance.now() - start).toBeLessThan(3000);
  });
});
