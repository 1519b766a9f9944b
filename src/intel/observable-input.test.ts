import { describe, expect, it } from 'vitest';
import { parseObservable, parseObservables } from './observable-input.js';

describe('parseObservable', () => {
  it('tells the type of each value and refangs defanged ones', () => {
    expect(parseObservable('185.220.101.47')).toEqual({ type: 'ipv4', value: '185.220.101.47' });
    expect(parseObservable('185.220.101[.]47')).toEqual({ type: 'ipv4', value: '185.220.101.47' });
    expect(parseObservable('2001:DB8::1')).toEqual({ type: 'ipv6', value: '2001:db8::1' });
    expect(parseObservable('Evil-Login[.]top')).toEqual({ type: 'domain', value: 'evil-login.top' });
    expect(parseObservable('hxxps://evil-login[.]top/SignIn?x=1')).toEqual({ type: 'url', value: 'https://evil-login.top/SignIn?x=1' });
    expect(parseObservable('billing[@]northwind-traders.com')).toEqual({ type: 'email', value: 'billing@northwind-traders.com' });
    expect(parseObservable('44D88612FEA8A8F36DE82E1278ABB02F')).toEqual({ type: 'md5', value: '44d88612fea8a8f36de82e1278abb02f' });
    expect(parseObservable('a'.repeat(64))).toEqual({ type: 'sha256', value: 'a'.repeat(64) });
    expect(parseObservable('198.51.100.0/24')).toEqual({ type: 'cidr', value: '198.51.100.0/24' });
    expect(parseObservable('AS60729')).toEqual({ type: 'asn', value: 'AS60729' });
    expect(parseObservable('fileserver.corp.internal')).toEqual({ type: 'domain', value: 'fileserver.corp.internal' });
  });

  it('rejects what is not an indicator intel can look up', () => {
    expect(parseObservable('hello')).toBeUndefined();
    expect(parseObservable('CVE-2024-3094')).toBeUndefined();
    expect(parseObservable('')).toBeUndefined();
  });
});

describe('parseObservables', () => {
  it('reads one value per line, every indicator from a prose line, and reports lines with none', () => {
    const text = '# today\n185.220.101.47\nthe dropper came from hxxp://cdn-update[.]top/a.sh and called 45.148.10.95\nnothing here\n185.220.101.47\n';
    const r = parseObservables(['evil-login.top', 'not a thing'], { name: 'iocs.txt', text });
    expect(r.observables).toEqual([
      { type: 'domain', value: 'evil-login.top' },
      { type: 'ipv4', value: '185.220.101.47' },
      { type: 'url', value: 'http://cdn-update.top/a.sh' },
      { type: 'domain', value: 'cdn-update.top' },
      { type: 'ipv4', value: '45.148.10.95' },
    ]);
    expect(r.issues).toEqual([
      { file: '(arguments)', line: 2, reason: '"not a thing" is not an IP, domain, URL, email, hash, CIDR or ASN' },
      { file: 'iocs.txt', line: 4, reason: 'no indicator on this line' },
    ]);
  });
});
