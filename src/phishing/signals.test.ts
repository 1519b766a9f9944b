// One test per finding added after the evaluation against real phishing mail (docs/phishing.md,
// "How the defaults were checked"): each reads a fixture written for it, and checks that the
// ordinary look-alike of that message does not trigger it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeEmail } from './analyze.js';
import { detectType } from './attachments.js';
import { largestSum } from './body.js';
import { defaultPhishingConfig } from './config.js';
import type { PhishReport } from './types.js';

const FIX = join(import.meta.dirname, 'fixtures');
const config = defaultPhishingConfig();
const read = (name: string) => readFileSync(join(FIX, name), 'utf8');
const run = (raw: string, name = 'x.eml'): Promise<PhishReport> => analyzeEmail(Buffer.from(raw, 'utf8'), { file: name, config });
const fixture = (name: string) => run(read(name), name);
const finding = (r: PhishReport, id: string) => r.findings.find((f) => f.id === id);
const ids = (r: PhishReport) => r.findings.map((f) => f.id);

describe('header.display-name.unrelated', () => {
  it('flags an organisation name, repeated in the subject, that no domain of the message carries', async () => {
    const r = await fixture('display-name-unrelated.eml');
    expect(finding(r, 'header.display-name.unrelated')).toMatchObject({
      weight: expect.any(Number),
      message: 'The sender calls itself "GreenLeaf Lawn Care", and the subject repeats it, but no address, signing domain, relay or link of the message belongs to it (sent from mailer-zq7.com).',
    });
  });

  it('leaves the name alone when a domain carries it, when it is a person, or when nothing repeats it', async () => {
    const raw = read('display-name-unrelated.eml');
    const own = await run(raw.replaceAll('mailer-zq7.com', 'greenleaf-lawn.com'));
    expect(ids(own)).not.toContain('header.display-name.unrelated');
    const linked = await run(raw.replaceAll('trk-zq7.net', 'www.greenleaf.com'));
    expect(ids(linked)).not.toContain('header.display-name.unrelated');
    const person = await run(raw.replace('"GreenLeaf Lawn Care" <promo@', '"Dana Whitfield" <dwhitfield@').replace('your first GreenLeaf treatment', 'notes from Whitfield'));
    expect(ids(person)).not.toContain('header.display-name.unrelated');
    const quiet = await run(raw.replace('your first GreenLeaf treatment', 'your first treatment'));
    expect(ids(quiet)).not.toContain('header.display-name.unrelated');
    const generic = await run(raw.replace('"GreenLeaf Lawn Care"', '"Customer Service"').replace('GreenLeaf treatment', 'customer service treatment'));
    expect(ids(generic)).not.toContain('header.display-name.unrelated');
  });
});

describe('header.freemail.other-mailbox', () => {
  it('flags a free-mail sender whose replies and envelope belong to other free-mail accounts', async () => {
    const r = await fixture('freemail-reply-elsewhere.eml');
    const f = finding(r, 'header.freemail.other-mailbox');
    expect(f).toMatchObject({ weight: expect.any(Number), message: 'The sender writes from the free-mail address helen.okafor1961@gmail.com, but replies go to another free-mail mailbox, helen.okafor.private@gmail.com.' });
    expect(f!.evidence).toContain('(+1 more)');
    // the two findings it replaces for free-mail senders
    expect(ids(r)).not.toContain('header.reply-to.mismatch');
    expect(ids(r)).not.toContain('header.return-path.mismatch');
  });

  it('treats case, +tags and Gmail dots as the same mailbox', async () => {
    const raw = read('freemail-reply-elsewhere.eml').replace('Reply-To: helen.okafor.private@gmail.com', 'Reply-To: Helen.Okafor1961+replies@gmail.com').replace('<h.okafor.office@gmail.com>', '<helenokafor1961@gmail.com>');
    expect(ids(await run(raw))).not.toContain('header.freemail.other-mailbox');
  });
});

describe('body.lure.advance-fee', () => {
  it('recognises the inheritance / next-of-kin story', async () => {
    const r = await fixture('advance-fee.eml');
    expect(finding(r, 'body.lure.advance-fee')).toMatchObject({ weight: expect.any(Number), evidence: '"next of kin", "beneficiary", "repatriate", "strictly confidential"' });
    expect(ids(r)).not.toContain('body.money-offer');
  });

  it('reads the same story in Portuguese', async () => {
    const raw = read('advance-fee.eml').replace(/Good day,[\s\S]*Barr\. K\. Mensah\n$/, 'Sou uma viúva doente e tenho um fundo de donativos para os órfãos.\n');
    expect(finding(await run(raw), 'body.lure.advance-fee')?.evidence).toBe('"viúva", "fundo de donativos", "órfãos"');
  });
});

describe('body.money-offer', () => {
  it('flags a large sum next to prize wording', async () => {
    const r = await fixture('prize-money.eml');
    expect(finding(r, 'body.money-offer')).toMatchObject({ weight: expect.any(Number), message: 'Names a large sum of money (EUR 850.000,00) next to prize or inheritance wording.' });
    expect(ids(r)).toContain('body.lure.reward');
  });

  it('needs both the sum and the wording', async () => {
    const raw = read('prize-money.eml');
    expect(ids(await run(raw.replace('EUR 850.000,00', 'EUR 85,00')))).not.toContain('body.money-offer');
    expect(ids(await run(raw.replace('annual international lottery and you have won', 'annual invoice run and you owe')))).not.toContain('body.money-offer');
  });

  it('reads sums as people write them', () => {
    expect(largestSum('US$ 7,2 milhões').value).toBe(7_000_000);
    expect(largestSum('win $32,500 this month').value).toBe(32_500);
    expect(largestSum('4500€ + 350 free spins').value).toBe(4500);
    expect(largestSum('a balance of 27 513 USD').value).toBe(27_513);
    expect(largestSum('wager 52.15972000 BTC').value).toBe(0);
    expect(largestSum('ticket 1234, 99 problems').value).toBe(0);
    const t = Date.now();
    largestSum('$1,'.repeat(100_000));
    largestSum('9'.repeat(300_000));
    expect(Date.now() - t).toBeLessThan(1000);
  });
});

describe('body.brand-claim', () => {
  it('flags a © line naming a brand the sending domain does not belong to', async () => {
    const r = await fixture('brand-claim.eml');
    expect(finding(r, 'body.brand-claim')).toMatchObject({
      weight: expect.any(Number),
      message: 'The message signs as Coinbase ("© 2025 Coinbase, Inc") but is sent from wallet-notices-mail.com, which does not belong to it.',
    });
  });

  it('ignores brands named outside the copyright line, and the brand itself', async () => {
    const raw = read('brand-claim.eml');
    const retailer = await run(raw.replace('&copy; 2025 Coinbase, Inc. All rights reserved.', 'We now accept Coinbase payments.<br>&copy; 2025 Wallet Notices Ltd. All rights reserved.'));
    expect(ids(retailer)).not.toContain('body.brand-claim');
    const real = await run(raw.replaceAll('wallet-notices-mail.com', 'coinbase.com'));
    expect(ids(real)).not.toContain('body.brand-claim');
  });
});

describe('body.foreign-content', () => {
  it('flags a copied newsletter sent by an unrelated sender', async () => {
    const r = await fixture('foreign-content.eml');
    expect(finding(r, 'body.foreign-content')).toMatchObject({
      weight: expect.any(Number),
      message: 'The message is dressed as harbortimes.com\'s mail: 4 of its 5 links go there and the text names "harbortimes", but the sender bulk-relay-44.com appears nowhere in it.',
    });
  });

  it('leaves forwards, free-mail senders and mail that names its sender alone', async () => {
    const raw = read('foreign-content.eml');
    expect(ids(await run(raw.replace('Subject: The secret', 'Subject: Fwd: The secret')))).not.toContain('body.foreign-content');
    expect(ids(await run(raw.replace('<offers@bulk-relay-44.com>', '<saver1977@gmail.com>')))).not.toContain('body.foreign-content');
    expect(ids(await run(raw.replace('</body>', '<p>Sent to you by bulk-relay-44.com</p></body>')))).not.toContain('body.foreign-content');
  });
});

describe('sender.unknown-tld', () => {
  it('flags a From domain under a top-level domain that does not exist', async () => {
    const r = await fixture('unknown-tld.eml');
    expect(finding(r, 'sender.unknown-tld')).toMatchObject({ weight: expect.any(Number), message: 'The sending domain giftbox.wk is under .wk, which is not a top-level domain: no real mailbox has this address.' });
    expect(ids(await run(read('unknown-tld.eml').replace('giftbox.wk', 'giftbox.co.uk')))).not.toContain('sender.unknown-tld');
  });
});

describe('link.all-obscured', () => {
  it('flags mail whose every link is a shortener or a bare IP', async () => {
    const r = await fixture('all-obscured.eml');
    expect(finding(r, 'link.all-obscured')).toMatchObject({ weight: expect.any(Number), message: 'All 2 links hide where they go (URL shortener or bare IP address).' });
    const named = await run(read('all-obscured.eml').replace('http://203.0.113.99/u/12', 'https://offers-mailer-12.com/u/12'));
    expect(ids(named)).not.toContain('link.all-obscured');
    expect(ids(named)).toContain('link.shortener');
  });
});

describe('link.text-mismatch for address text', () => {
  it('flags a link that shows an e-mail address of one organisation and opens a page of another', async () => {
    const r = await fixture('link-address-text.eml');
    expect(finding(r, 'link.text-mismatch')).toMatchObject({ weight: expect.any(Number), message: 'A link shows northbank-online.com but goes to redirect-hub-9.net.' });
    expect(r.links.filter((l) => l.host).map((l) => l.flags)).toEqual([['text-mismatch:northbank-online.com']]);
  });
});

describe('header.obfuscated for the sender address', () => {
  it('flags styled letters in the From address itself', async () => {
    const r = await fixture('styled-address.eml');
    expect(finding(r, 'header.obfuscated')).toMatchObject({ weight: expect.any(Number), message: 'The sender address uses mathematical styled letters, a way past keyword filters.' });
    expect(r.headers.from?.domain).toBe('giftshop.com');
  });
});

describe('lure wording in the display name', () => {
  it('reads the display name with the subject', async () => {
    const raw = read('styled-address.eml').replace('"Notices" <no-reply@𝗀𝗂𝖿𝗍𝗌𝗁𝗈𝗉.com>', '"Security Alert" <no-reply@giftshop.com>');
    expect(finding(await run(raw), 'body.lure.urgency')?.evidence).toBe('"security alert"');
  });
});

describe('mailing lists', () => {
  it('does not count the list rewriting Reply-To, Sender and the envelope as mismatches', async () => {
    const r = await fixture('mailing-list.eml');
    expect(ids(r)).not.toContain('header.reply-to.mismatch');
    expect(ids(r)).not.toContain('header.sender.mismatch');
    expect(ids(r)).not.toContain('header.return-path.mismatch');
    expect(r.verdict).toBe('clean');
  });

  it('still flags a Reply-To elsewhere, and a "list" at a free-mail provider', async () => {
    const raw = read('mailing-list.eml');
    expect(ids(await run(raw.replace('Reply-To: devtalk@lists.opensource-hub.org', 'Reply-To: payments@other-org-7.com')))).toContain('header.reply-to.mismatch');
    const fake = raw.replace('Reply-To: devtalk@lists.opensource-hub.org', 'Reply-To: devtalk.lists@gmail.com').replace('<mailto:devtalk@lists.opensource-hub.org>', '<mailto:devtalk.lists@gmail.com>');
    expect(ids(await run(fake))).toContain('header.reply-to.freemail');
  });
});

describe('attached messages with an HTML body', () => {
  it('are e-mail, not HTML pages', () => {
    const msg = 'From: a@b.example\r\nSubject: hi\r\nContent-Type: text/html\r\n\r\n<html><body><form action="https://x.example/">hi</form></body></html>\r\n';
    expect(detectType(Buffer.from(msg))).toEqual({ family: 'eml', label: 'e-mail message' });
    expect(detectType(Buffer.from('<html><body>From: a@b.example</body></html>')).family).toBe('html');
  });
});
