import { describe, expect, it } from 'vitest';
import { allowlistEntryProblem, Warninglists } from './warninglists.js';

const wl = Warninglists.build({ allowlist: ['203.0.114.7', '198.18.0.0/15', '*.corp.northwind.com', 'intranet.northwind.com', 'https://partner.example.org/feed', 'd41d8cd98f00b204e9800998ecf8427e', 'soc@northwind.com'] });

describe('warninglists', () => {
  it('names the non-routable range an address is in', () => {
    expect(wl.match({ type: 'ipv4', value: '10.1.2.3' })).toEqual({ list: 'non-routable', kind: 'non-routable', detail: 'RFC 1918 private range 10.0.0.0/8' });
    expect(wl.match({ type: 'ipv4', value: '100.100.1.1' })?.detail).toBe('RFC 6598 shared address space (carrier-grade NAT) 100.64.0.0/10');
    expect(wl.match({ type: 'ipv4', value: '127.0.0.1' })?.detail).toBe('loopback 127.0.0.0/8');
    expect(wl.match({ type: 'ipv4', value: '169.254.169.254' })?.detail).toBe('link-local (RFC 3927) 169.254.0.0/16');
    expect(wl.match({ type: 'ipv4', value: '198.51.100.23' })?.detail).toBe('documentation range TEST-NET-2 (RFC 5737) 198.51.100.0/24');
    expect(wl.match({ type: 'ipv6', value: '2001:db8::1' })?.detail).toBe('documentation range (RFC 3849) 2001:db8::/32');
    expect(wl.match({ type: 'ipv6', value: 'fe80::1' })?.detail).toBe('link-local fe80::/10');
    expect(wl.match({ type: 'ipv4', value: '185.220.101.47' })).toBeUndefined();
    expect(wl.match({ type: 'ipv6', value: '2a01:4f8::1' })).toBeUndefined();
  });

  it('knows the big public resolvers and company-run domains', () => {
    expect(wl.match({ type: 'ipv4', value: '8.8.8.8' })).toEqual({ list: 'public-dns-resolvers', kind: 'known-good', detail: 'public DNS resolver (Google Public DNS)' });
    expect(wl.match({ type: 'ipv4', value: '9.9.9.9' })?.detail).toBe('public DNS resolver (Quad9)');
    expect(wl.match({ type: 'ipv6', value: '2606:4700:4700::1111' })?.detail).toBe('public DNS resolver (Cloudflare DNS)');
    expect(wl.match({ type: 'domain', value: 'dns.google' })?.list).toBe('public-dns-resolvers');
    expect(wl.match({ type: 'domain', value: 'login.microsoftonline.com' })).toEqual({ list: 'major-domains', kind: 'known-good', detail: 'major domain microsoftonline.com (Microsoft)' });
    expect(wl.match({ type: 'domain', value: 'google.com' })?.detail).toBe('major domain google.com (Google)');
    // Not a suffix match on text: a look-alike is not covered.
    expect(wl.match({ type: 'domain', value: 'evilgoogle.com' })).toBeUndefined();
    expect(wl.match({ type: 'domain', value: 'google.com.evil.top' })).toBeUndefined();
    // Platforms that give subdomains to anyone are not on it.
    expect(wl.match({ type: 'domain', value: 'd111.cloudfront.net' })).toBeUndefined();
  });

  it('never covers a URL or an email just because its host is a big platform', () => {
    expect(wl.match({ type: 'url', value: 'https://github.com/evil/payload/raw/main/x.exe' })).toBeUndefined();
    expect(wl.match({ type: 'email', value: 'attacker@gmail.com' })).toBeUndefined();
  });

  it('treats special-use names as non-routable', () => {
    expect(wl.match({ type: 'domain', value: 'printer.local' })?.detail).toBe('multicast DNS name .local (RFC 6762)');
    expect(wl.match({ type: 'domain', value: 'shop.northwind.example' })?.detail).toBe('documentation name .example (RFC 2606)');
    expect(wl.match({ type: 'domain', value: 'www.example.com' })?.detail).toBe('documentation domain example.com (RFC 2606)');
  });

  it('applies the allowlist to every type, before the built-in lists', () => {
    expect(wl.match({ type: 'ipv4', value: '203.0.114.7' })).toEqual({ list: 'allowlist', kind: 'allowlist', detail: 'allowlisted as 203.0.114.7' });
    expect(wl.match({ type: 'ipv4', value: '198.19.3.4' })?.list).toBe('allowlist');
    expect(wl.match({ type: 'domain', value: 'vpn.corp.northwind.com' })?.detail).toBe('allowlisted as *.corp.northwind.com');
    expect(wl.match({ type: 'domain', value: 'intranet.northwind.com' })?.list).toBe('allowlist');
    expect(wl.match({ type: 'domain', value: 'x.intranet.northwind.com' })).toBeUndefined();
    expect(wl.match({ type: 'url', value: 'https://vpn.corp.northwind.com/login' })?.list).toBe('allowlist');
    expect(wl.match({ type: 'url', value: 'https://partner.example.org/feed' })?.list).toBe('allowlist');
    expect(wl.match({ type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' })?.list).toBe('allowlist');
    expect(wl.match({ type: 'email', value: 'soc@northwind.com' })?.list).toBe('allowlist');
    expect(wl.match({ type: 'email', value: 'ceo@northwind.com' })).toBeUndefined();
  });

  it('can be reduced to some lists, and explains bad allowlist entries', () => {
    const only = Warninglists.build({ lists: ['public-dns-resolvers'] });
    expect(only.match({ type: 'ipv4', value: '10.0.0.1' })).toBeUndefined();
    expect(only.match({ type: 'ipv4', value: '1.1.1.1' })?.list).toBe('public-dns-resolvers');
    expect(allowlistEntryProblem('not an indicator')).toBe('"not an indicator" is not an IP, CIDR, domain (*.domain for subdomains), URL, hash or email address');
    expect(allowlistEntryProblem('10.0.0.0/8')).toBeUndefined();
  });
});
