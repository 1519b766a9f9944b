import { addressParser, type Address } from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { looksGenerated, readFrom } from './headers.js';

const parsedFirst = (raw: string) => (addressParser(raw) as Address[])[0];

describe('readFrom', () => {
  it('takes the parser’s reading of one plain mailbox as it is', () => {
    for (const raw of ['"PayPal Security" <notice@paypa1-secure.com>', 'Jane Q. Public <jane@example.org>', 'bob@example.net', '"Doe, John" <john@example.com>']) {
      const fast = readFrom(raw, parsedFirst(raw));
      expect(fast).toEqual(readFrom(raw));
      expect(fast.malformed).toBeNull();
    }
    expect(readFrom('"Doe, John" <john@example.com>', parsedFirst('"Doe, John" <john@example.com>')).from).toMatchObject({ name: 'Doe, John', address: 'john@example.com', domain: 'example.com' });
  });

  it('still reads junk, several addresses and hidden addresses leniently, and says so', () => {
    for (const raw of ['a@example.com, b@example.org', '"Bank" (x@evil.example.net)', 'Support <not-an-address>']) {
      const r = readFrom(raw, parsedFirst(raw));
      expect(r).toEqual(readFrom(raw));
      expect(r.malformed).not.toBeNull();
    }
    // two <…> in one header: not the plain form, so the full reading decides
    const two = 'PayPal <service@paypal.com> <x@evil.example.net>';
    expect(readFrom(two, parsedFirst(two))).toEqual(readFrom(two));
  });
});

describe('looksGenerated', () => {
  it('counts switches between letters and digits in the first label', () => {
    expect(looksGenerated('x7k2q9.com')).toBe(true);
    expect(looksGenerated('g2rk6zw7ar8czg43lcu7.com')).toBe(true);
    expect(looksGenerated('web24.pro')).toBe(false);
    expect(looksGenerated('a1-b2.com')).toBe(false);
    expect(looksGenerated('a1b2c.example.com')).toBe(true);
  });
});
