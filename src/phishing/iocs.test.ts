import { describe, expect, it } from 'vitest';
import { collectIocs } from './iocs.js';
import type { LinkInfo } from './types.js';

const link = (url: string, host: string, registrableDomain: string | null): LinkInfo => ({ url, text: '', host, registrableDomain, source: 'html', flags: [] });

describe('collectIocs', () => {
  it('lists each URL once, takes written URLs that are links from the link, and still reads what their query holds', () => {
    const url = 'https://track.mailer.example.com/c?to=victim@corp-mail.com&h=d41d8cd98f00b204e9800998ecf8427e';
    const iocs = collectIocs(
      {
        addresses: ['sender@mailer.example.com'],
        ips: ['203.0.113.9'],
        links: [link(url, 'track.mailer.example.com', 'example.com'), link('http://198.51.100.7/x', '198.51.100.7', null)],
        texts: [`Open ${url}.\nOr write to help@support.example.org, or see https://other.example.net/page`],
        hashes: [{ md5: 'a'.repeat(32), sha1: 'b'.repeat(40), sha256: 'c'.repeat(64) }],
      },
      1_000_000,
    );
    expect(iocs.url).toEqual(['https://other.example.net/page', url, 'http://198.51.100.7/x']);
    expect(iocs.email).toEqual(['sender@mailer.example.com', 'victim@corp-mail.com', 'help@support.example.org']);
    expect(iocs.md5).toEqual(['d41d8cd98f00b204e9800998ecf8427e', 'a'.repeat(32)]);
    expect(iocs.domain).toEqual(expect.arrayContaining(['mailer.example.com', 'support.example.org', 'other.example.net', 'track.mailer.example.com']));
    expect(iocs.ipv4).toEqual(['203.0.113.9', '198.51.100.7']);
    expect(iocs.sha256).toEqual(['c'.repeat(64)]);
  });
});
