import { describe, expect, it } from 'vitest';
import {
  detectIndicator, normalizeAsn, normalizeCidr, normalizeDomain, normalizeEmail, normalizeHash, normalizeIp, normalizeUrl, normalizeValue,
} from './normalize.js';

describe('normalize', () => {
  it('IPs: canonical text, mapped IPv4 unwrapped, junk rejected', () => {
    expect(normalizeIp('198.51.100.7')).toBe('198.51.100.7');
    expect(normalizeIp(' 2001:DB8:0:0:0:0:0:1 ')).toBe('2001:db8::1');
    expect(normalizeIp('[2001:db8::1]')).toBe('2001:db8::1');
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normalizeIp('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(normalizeIp('::ffff:c633:6407')).toBe('198.51.100.7');
    for (const bad of ['198.51.100', '198.051.100.7', '0x7f.0.0.1', '256.1.1.1', 'example.com', '']) expect(normalizeIp(bad)).toBeUndefined();
  });

  it('CIDRs: host bits cleared, prefixes checked, mapped ranges become IPv4', () => {
    expect(normalizeCidr('198.51.100.77/24')).toBe('198.51.100.0/24');
    expect(normalizeCidr('2001:DB8:ABCD::1/32')).toBe('2001:db8::/32');
    expect(normalizeCidr('::ffff:198.51.100.0/120')).toBe('198.51.100.0/24');
    expect(normalizeCidr('198.51.100.7')).toBe('198.51.100.7/32');
    expect(normalizeCidr('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(normalizeCidr('198.51.100.0/33')).toBeUndefined();
    expect(normalizeCidr('198.51.100.0/x')).toBeUndefined();
  });

  it('domains: lower case, trailing dot, punycode, invalid names', () => {
    expect(normalizeDomain('Evil.Example.COM.')).toBe('evil.example.com');
    expect(normalizeDomain('bücher.example')).toBe('xn--bcher-kva.example');
    expect(normalizeDomain('_dmarc.example.com')).toBe('_dmarc.example.com');
    for (const bad of ['a..b', `${'a'.repeat(64)}.com`, '198.51.100.7', 'exa mple.com', '']) expect(normalizeDomain(bad)).toBeUndefined();
  });

  it('URLs: scheme and host lower case, default port and fragment gone, path case kept', () => {
    expect(normalizeUrl('HTTP://Evil.Example.COM:80/Path/A?q=1#frag')).toBe('http://evil.example.com/Path/A?q=1');
    expect(normalizeUrl('https://evil.example:8443')).toBe('https://evil.example:8443/');
    expect(normalizeUrl('http://bücher.example/')).toBe('http://xn--bcher-kva.example/');
    expect(normalizeUrl('javascript:alert(1)')).toBeUndefined();
    expect(normalizeUrl('not a url')).toBeUndefined();
  });

  it('hashes, emails and ASNs', () => {
    expect(normalizeHash('44D88612FEA8A8F36DE82E1278ABB02F')).toEqual({ type: 'md5', value: '44d88612fea8a8f36de82e1278abb02f' });
    expect(normalizeHash('a'.repeat(40))?.type).toBe('sha1');
    expect(normalizeHash('a'.repeat(128))?.type).toBe('sha512');
    expect(normalizeHash('g'.repeat(32))).toBeUndefined();
    expect(normalizeEmail('Bob@Mail.Example.COM')).toBe('bob@mail.example.com');
    expect(normalizeEmail('no-at-sign')).toBeUndefined();
    expect(normalizeAsn('as64500')).toBe('AS64500');
    expect(normalizeAsn(64500)).toBe('AS64500');
    expect(normalizeAsn('AS99999999999')).toBeUndefined();
  });

  it('normalizeValue turns a mapped IPv6 observable into IPv4', () => {
    expect(normalizeValue('ipv6', '::ffff:198.51.100.7')).toEqual({ type: 'ipv4', value: '198.51.100.7' });
    expect(normalizeValue('sha256', 'a'.repeat(32))).toBeUndefined();
  });

  it('detectIndicator guesses types', () => {
    expect(detectIndicator('evil.example/x')).toEqual({ type: 'url', value: 'http://evil.example/x' });
    expect(detectIndicator('.evil.example')).toEqual({ type: 'domain', value: 'evil.example', matchSubdomains: true });
    expect(detectIndicator('localhost')).toBeUndefined();
  });
});
