import { describe, expect, it } from 'vitest';
import { defaultPhishingConfig, PhishingConfigSchema } from './config.js';
import { BrandIndex, editDistance, skeleton } from './lookalike.js';

const index = new BrandIndex({ ...defaultPhishingConfig(), protectedDomains: ['acme-corp.com'] });

describe('skeleton and editDistance', () => {
  it('folds what a reader cannot tell apart', () => {
    expect(skeleton('paypa1')).toBe(skeleton('paypal'));
    expect(skeleton('rnicrosoft')).toBe(skeleton('microsoft'));
    expect(skeleton('\u0440aypal')).toBe(skeleton('paypal')); // Cyrillic р
    expect(skeleton('ＰａｙＰａｌ')).toBe(skeleton('paypal')); // full-width
    expect(skeleton('gοοgle')).toBe(skeleton('google')); // Greek ο
    expect(skeleton('amazon')).not.toBe(skeleton('amazin'));
  });

  it('counts edits and adjacent swaps, and stops early', () => {
    expect(editDistance('paypal', 'paypal')).toBe(0);
    expect(editDistance('paypal', 'paypall')).toBe(1);
    expect(editDistance('paypal', 'papyal')).toBe(1);
    expect(editDistance('microsoft', 'micorsfot')).toBe(2);
    expect(editDistance('a'.repeat(60), 'b'.repeat(60), 2)).toBe(3);
  });
});

describe('BrandIndex.lookalike', () => {
  it.each([
    ['paypa1.com', 'homoglyph', 'paypal.com'],
    ['xn--aypal-uye.com', 'homoglyph', 'paypal.com'], // рaypal.com with a Cyrillic р
    ['paypall.com', 'typo', 'paypal.com'],
    ['rnicrosoft.com', 'homoglyph', 'microsoft.com'],
    ['paypal.net', 'tld-swap', 'paypal.com'],
    ['acme-corp.net', 'tld-swap', 'acme-corp.com'],
    ['acme-c0rp.com', 'homoglyph', 'acme-corp.com'],
    ['login.paypal.com.secure-verify.net', 'brand-in-subdomain', 'paypal.com'],
    ['paypal.secure-verify.net', 'brand-in-subdomain', 'PayPal'],
    ['paypal-resolution.com', 'brand-in-domain', 'PayPal'],
    ['secure-paypa1.com', 'homoglyph', 'paypal.com'],
    ['trust-wallet.com', 'typo', 'trustwallet.com'],
  ])('%s imitates (%s) %s', (host, kind, target) => {
    expect(index.lookalike(host)).toMatchObject({ kind, target });
  });

  it.each(['paypal.com', 'www.paypal.com', 'amazon.de', 'amazon.co.uk', 'google.com.br', 'acme-corp.com', 'mail.acme-corp.com', 'example.org', 'pineapple.com', 'outlook.corp.example', 'office.example.com', '192.0.2.1'])('%s is not a lookalike', (host) => {
    expect(index.lookalike(host)).toBeNull();
  });
});

describe('BrandIndex.named / owns', () => {
  it('finds brand names as whole words, in styled letters too, and knows who owns a domain', () => {
    expect(index.named('PayPal Security Team').map((t) => t.target)).toEqual(['PayPal']);
    expect(index.named('𝐏𝐚𝐲𝐏𝐚𝐥 notice').map((t) => t.target)).toEqual(['PayPal']);
    expect(index.named('Chase Johnson')).toEqual([]);
    expect(index.named('Ups and downs')).toEqual([]);
    const [paypal] = index.named('paypal');
    expect(index.owns(paypal!, 'mail.paypal.com')).toBe(true);
    expect(index.owns(paypal!, 'paypal.de')).toBe(true);
    expect(index.owns(paypal!, 'paypal-service.com')).toBe(false);
    expect(index.isProtected('vpn.acme-corp.com')).toBe(true);
  });

  it('finds a name glued to other words by punctuation, multi-word names, and names without Latin letters', () => {
    expect(index.named('support-paypal team').map((t) => t.target)).toEqual(['PayPal']);
    expect(index.named('© 2025 Booking.com B.V.').map((t) => t.target)).toEqual(['Booking.com']);
    expect(index.named('Bank of America alerts, and Wells Fargo').map((t) => t.target)).toEqual(['Wells Fargo', 'Bank of America']);
    expect(index.named('acme-corp.com helpdesk').map((t) => t.target)).toEqual(['acme-corp.com']);
    const cyr = new BrandIndex(PhishingConfigSchema.parse({ defaultBrands: false, brands: [{ name: 'Сбербанк', domains: ['sberbank.ru'] }] }));
    expect(cyr.named('Служба Сбербанк: вход').map((t) => t.target)).toEqual(['Сбербанк']);
    expect(cyr.named('Сбербанкомат')).toEqual([]);
  });
});
