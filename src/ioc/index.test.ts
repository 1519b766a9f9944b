import { describe, expect, it } from 'vitest';
import { extractIocs, extractIocsFromText, flattenIocs, iocValues, ipScope, ipv4Scope, refang, type IocType } from './index.js';

const vals = (input: unknown, type: IocType, opts = {}): string[] => iocValues(extractIocs(input, opts))[type];

describe('types', () => {
  it('ipv4, with leading zeros dropped and version numbers ignored', () => {
    expect(vals('from 203.0.113.7 port 22, 010.001.002.003 and 8.8.8.8:53', 'ipv4')).toEqual(['203.0.113.7', '10.1.2.3', '8.8.8.8']);
    expect(vals('version 1.2.3.4, build: 10.0.0.1, Chrome/120.0.1.2, 1.2.3.4.5, 256.1.1.1', 'ipv4')).toEqual([]);
  });
  it('ipv6 in compressed, full, embedded-IPv4 and bracketed forms', () => {
    const r = vals('fe80::1%eth0 2001:db8:0:0:0:0:0:1 ::ffff:192.0.2.1 [2001:db8::2]:443 ::1', 'ipv6');
    expect(r).toEqual(['fe80::1', '2001:db8:0:0:0:0:0:1', '::ffff:192.0.2.1', '2001:db8::2', '::1']);
  });
  it('does not read times, MACs or C++ scopes as ipv6', () => {
    expect(vals('at 10:11:07 mac 00:1a:2b:3c:4d:5e std::string dead::beef', 'ipv6')).toEqual([]);
  });
  it('cidr for both families', () => {
    expect(vals('block 10.0.0.0/8 and 2001:db8::/32 but not 1.2.3.4/some/path', 'cidr')).toEqual(['10.0.0.0/8', '2001:db8::/32']);
  });
  it('domains against the public suffix list', () => {
    expect(vals('visit www.example.co.uk or evil.xyz, not foo.nope nor invoice.pdf', 'domain')).toEqual(['www.example.co.uk', 'evil.xyz']);
  });
  it('urls with ports, paths, queries; trailing punctuation trimmed', () => {
    expect(vals('see https://example.com:8443/a/b?c=d&e=f#frag. and ftp://files.example.org/x.zip, then', 'url')).toEqual([
      'https://example.com:8443/a/b?c=d&e=f#frag',
      'ftp://files.example.org/x.zip',
    ]);
  });
  it('emails', () => {
    expect(vals('mail First.Last+tag@Example.COM now', 'email')).toEqual(['first.last+tag@example.com']);
  });
  it('hashes by length', () => {
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    const sha1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
    const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const sha512 = 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';
    const r = iocValues(extractIocs(`md5=${md5} sha1:${sha1} "${sha256.toUpperCase()}" ${sha512}`));
    expect([r.md5, r.sha1, r.sha256, r.sha512]).toEqual([[md5], [sha1], [sha256], [sha512]]);
  });
  it('cve, attack and asn', () => {
    const r = iocValues(extractIocs('cve-2021-44228 and CVE-2014-0160; T1059.001, T1566; AS15169, ASN13335, AS 3356, as 2 of'));
    expect(r.cve).toEqual(['CVE-2021-44228', 'CVE-2014-0160']);
    expect(r.attack).toEqual(['T1059.001', 'T1566']);
    expect(r.asn).toEqual(['AS15169', 'AS13335', 'AS3356']);
  });
  it('registry keys', () => {
    expect(vals('set HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\Shell and HKCU:\\Software\\x', 'registry')).toEqual([
      'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\Shell',
      'HKCU:\\Software\\x',
    ]);
  });
  it('file paths: Windows, UNC, environment, kernel, Unix', () => {
    const r = vals(
      'C:\\Program Files (x86)\\App\\a.exe /c x, \\\\fileserver\\share\\b.doc %APPDATA%\\c.dll \\Device\\HarddiskVolume3\\d.sys /etc/passwd ~/.ssh/id_rsa GET /api/v1/users',
      'filepath',
    );
    expect(r).toEqual([
      'C:\\Program Files (x86)\\App\\a.exe',
      '\\\\fileserver\\share\\b.doc',
      '%APPDATA%\\c.dll',
      '\\Device\\HarddiskVolume3\\d.sys',
      '/etc/passwd',
      '~/.ssh/id_rsa',
    ]);
  });
  it('bitcoin (checksummed) and ethereum addresses', () => {
    const r = iocValues(extractIocs('pay 1HB5XMLmzFVj8ALj6mfBsbifRoD4miY36v or bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq or 0x32Be343B94f860124dC4fEe278FDCBD38C102D88; not 1HB5XMLmzFVj8ALj6mfBsbifRoD4miY36w'));
    expect(r.btc).toEqual(['1HB5XMLmzFVj8ALj6mfBsbifRoD4miY36v', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq']);
    expect(r.eth).toEqual(['0x32Be343B94f860124dC4fEe278FDCBD38C102D88']);
  });
});

describe('defang forms', () => {
  const cases: [string, string][] = [
    ['hxxp://evil.com/x', 'http://evil.com/x'],
    ['hXXps://evil.com/x', 'https://evil.com/x'],
    ['h**p://evil.com/x', 'http://evil.com/x'],
    ['fxp://evil.com/x', 'ftp://evil.com/x'],
    ['evil[.]com', 'evil.com'],
    ['evil(.)com', 'evil.com'],
    ['evil{.}com', 'evil.com'],
    ['evil[dot]com', 'evil.com'],
    ['evil(DOT)com', 'evil.com'],
    ['evil dot com', 'evil.com'],
    ['evil . com', 'evil.com'],
    ['evil\\.com', 'evil.com'],
    ['evil[.com', 'evil.com'],
    ['evil].[com', 'evil.com'],
    ['http[:]//evil.com', 'http://evil.com'],
    ['http[://]evil.com', 'http://evil.com'],
    ['http://evil.com[/]x', 'http://evil.com/x'],
    ['bob[@]evil.com', 'bob@evil.com'],
    ['bob(@)evil.com', 'bob@evil.com'],
    ['bob(at)evil.com', 'bob@evil.com'],
    ['bob[at]evil.com', 'bob@evil.com'],
    ['1[,]2[,]3[,]4', '1.2.3.4'],
    ['ev\u200bil.com', 'evil.com'],
  ];
  it.each(cases)('refang(%s)', (defanged, fanged) => {
    expect(refang(defanged)).toBe(fanged);
  });
  it('leaves ordinary brackets, paths and prose alone', () => {
    for (const s of ['sshd[4121]: ok', 'f(x) [a] {b}', 'C:\\Users\\x\\.config', 'the dot. Next', 'array[i].length']) expect(refang(s)).toBe(s);
  });
  it('keeps both the refanged value and the original span', () => {
    const input = 'C2 at hxxps[:]//bad[.]example[.]com/gate.php and 198[.]51[.]100[.]7';
    const r = extractIocs(input);
    const url = r.url[0]!;
    expect(url.value).toBe('https://bad.example.com/gate.php');
    const o = url.occurrences[0]!;
    expect(input.slice(o.start, o.end)).toBe('hxxps[:]//bad[.]example[.]com/gate.php');
    expect(o.raw).toBe('hxxps[:]//bad[.]example[.]com/gate.php');
    expect(o.defanged).toBe(true);
    const ip = r.ipv4[0]!.occurrences[0]!;
    expect(input.slice(ip.start, ip.end)).toBe('198[.]51[.]100[.]7');
    expect(r.domain.map((d) => d.value)).toEqual(['bad.example.com']);
  });
  it('refang off reads only fanged indicators', () => {
    expect(iocValues(extractIocs('evil[.]com 1.1.1.1', { refang: false }))).toMatchObject({ domain: [], ipv4: ['1.1.1.1'] });
  });
});

describe('hard cases', () => {
  it('URLs inside parentheses and markdown', () => {
    expect(vals('(see http://a.example.com/x) [link](https://b.example.com/y?z=1) [https://c.example.com](https://c.example.com) <http://d.example.com/>', 'url')).toEqual([
      'http://a.example.com/x',
      'https://b.example.com/y?z=1',
      'https://c.example.com',
      'http://d.example.com/',
    ]);
    expect(vals('https://en.wikipedia.org/wiki/Foo_(bar).', 'url')).toEqual(['https://en.wikipedia.org/wiki/Foo_(bar)']);
  });
  it('IDNs and punycode', () => {
    const r = extractIocs('xn--80ak6aa92e.com and пример.рф and https://münchen.de/x');
    expect(r.domain.map((d) => [d.value, d.unicode])).toEqual([
      ['xn--80ak6aa92e.com', undefined],
      ['xn--e1afmkfd.xn--p1ai', 'пример.рф'],
      ['xn--mnchen-3ya.de', 'münchen.de'],
    ]);
  });
  it('hashes inside longer hex runs do not match', () => {
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    expect(iocValues(extractIocs(`${md5}a ${md5}${md5}0 x${md5}`)).md5).toEqual([]);
    expect(vals(`${md5}.exe`, 'md5')).toEqual([md5]);
  });
  it('emails vs user=admin@host log noise', () => {
    expect(vals('user=admin@host src=root@10.0.0.1 sudo: admin@localhost; git@github.com', 'email')).toEqual(['git@github.com']);
  });
  it('file names are not domains unless the context says host', () => {
    expect(vals('open invoice.pdf, README.md, setup.zip and install.sh', 'domain')).toEqual([]);
    expect(vals('evil[.]zip, https://x.zip/, mail a@b.zip, setup.zip:8080', 'domain')).toEqual(['evil.zip', 'x.zip', 'b.zip', 'setup.zip']);
  });
  it('code identifiers are not domains', () => {
    expect(vals('System.Net.WebClient System.IO Example.Com', 'domain')).toEqual([]);
    expect(vals('EXAMPLE.COM Google.com', 'domain')).toEqual(['example.com', 'google.com']);
  });
  it('nested URLs in queries are found, path segments are not domains', () => {
    const r = iocValues(extractIocs('https://t.example.com/r?u=http://evil.example.net/a&to=bob@example.org /wp/x.zip'));
    expect(r.url).toEqual(['https://t.example.com/r?u=http://evil.example.net/a&to=bob@example.org', 'http://evil.example.net/a']);
    expect(r.email).toEqual(['bob@example.org']);
    expect(r.domain).toEqual(['t.example.com', 'evil.example.net', 'example.org']);
  });
});

describe('classification and options', () => {
  it('scopes IPs and drops non-public ones on request', () => {
    const r = extractIocs('10.0.0.5 8.8.8.8 192.0.2.1 ::1');
    expect(r.ipv4.map((i) => [i.value, i.scope])).toEqual([['10.0.0.5', 'private'], ['8.8.8.8', 'public'], ['192.0.2.1', 'reserved']]);
    expect(vals('10.0.0.5 8.8.8.8 192.0.2.1 ::1', 'ipv4', { privateIps: false })).toEqual(['8.8.8.8']);
    expect(vals('10.0.0.5 ::1', 'ipv6', { privateIps: false })).toEqual([]);
  });
  it('ipv4Scope agrees with ipScope', () => {
    const probes = ['0.1.2.3', '10.1.1.1', '100.64.0.1', '100.128.0.1', '127.0.0.1', '169.254.1.1', '172.16.0.1', '172.32.0.1', '192.0.0.8', '192.0.2.5', '192.31.196.1', '192.52.193.1', '192.88.99.1', '192.168.1.1', '192.175.48.1', '198.18.0.1', '198.19.255.1', '198.51.100.1', '203.0.113.1', '224.0.0.1', '240.0.0.1', '255.255.255.255', '8.8.8.8', '1.1.1.1'];
    for (const p of probes) {
      const o = p.split('.').map(Number) as [number, number, number, number];
      expect([p, ipv4Scope(...o)]).toEqual([p, ipScope(p)]);
    }
  });
  it('registrable domain', () => {
    const r = extractIocs('a.b.example.co.uk https://x.y.example.com/');
    expect(r.domain.map((d) => d.registrableDomain)).toEqual(['example.co.uk', 'example.com']);
    expect(r.url[0]!.registrableDomain).toBe('example.com');
  });
  it('types filter and strict TLD off', () => {
    const r = iocValues(extractIocs('evil.nope 1.2.3.4', { types: ['domain'], strictTld: false }));
    expect(r).toMatchObject({ domain: ['evil.nope'], ipv4: [] });
    expect(() => extractIocs('x', { types: ['nope' as IocType] })).toThrow(/unknown IOC type/);
  });
  it('warninglist lookup', () => {
    const r = extractIocs('8.8.8.8 evil.example.com', { warninglist: (t, v) => (t === 'ipv4' && v === '8.8.8.8' ? 'public-dns' : undefined) });
    expect(r.ipv4[0]!.warninglist).toBe('public-dns');
    expect(r.domain[0]!.warninglist).toBeUndefined();
  });
  it('unique values with every occurrence', () => {
    const r = extractIocs('1.2.3.4 and 1.2.3.4');
    expect(r.ipv4).toHaveLength(1);
    expect(r.ipv4[0]!.occurrences.map((o) => o.start)).toEqual([0, 12]);
    expect(flattenIocs(r).map((o) => o.start)).toEqual([0, 12]);
  });
});

describe('input kinds', () => {
  it('HTML: text and link attributes, entities decoded, offsets into the HTML', () => {
    const html = '<html><body><p>Contact bad&#64;evil&period;com</p><a href="https://phish.example.com/login?a=1&amp;b=2">click</a><script>var x="http://hidden.example.com"</script><img src="//cdn.example.net/p.gif"></body></html>';
    const r = extractIocs(html);
    expect(r.email.map((e) => e.value)).toEqual(['bad@evil.com']);
    const e = r.email[0]!.occurrences[0]!;
    expect(html.slice(e.start, e.end)).toBe('bad&#64;evil&period;com');
    expect(e.defanged).toBe(true);
    expect(r.url.map((u) => u.value)).toEqual(['https://phish.example.com/login?a=1&b=2']);
    expect(r.url[0]!.occurrences[0]!.context).toBe('a@href');
    expect(r.domain.map((d) => d.value)).toContain('cdn.example.net');
    expect(r.domain.map((d) => d.value)).not.toContain('hidden.example.com');
  });
  it('JSON: string values with their field path', () => {
    const r = extractIocs({ data: { srcip: '203.0.113.9', urls: ['x', 'see hxxp://evil[.]com'] }, 'odd key': 'a@example.com' });
    expect(r.ipv4[0]!.occurrences[0]).toMatchObject({ context: 'data.srcip', start: 0, end: 11 });
    expect(r.url[0]!.occurrences[0]).toMatchObject({ context: 'data.urls[1]', start: 4, raw: 'hxxp://evil[.]com' });
    expect(r.email[0]!.occurrences[0]!.context).toBe('["odd key"]');
    expect(vals('{"a":"1.1.1.1"}', 'ipv4')).toEqual(['1.1.1.1']);
  });
  it('hot-path helper returns flat hits with offsets into the text', () => {
    const line = 'sshd[4121]: Failed password for root from 203.0.113[.]7 port 52144';
    const hits = extractIocsFromText(line);
    expect(hits).toEqual([{ type: 'ipv4', value: '203.0.113.7', start: 42, end: 55, scope: 'reserved', defanged: true }]);
    expect(line.slice(42, 55)).toBe('203.0.113[.]7');
  });
});

describe('linear time', () => {
  it('finishes 1 MB of adversarial input of every kind', () => {
    const MB = 1_000_000;
    const inputs = [
      '.'.repeat(MB), '1'.repeat(MB), '1.'.repeat(MB / 2), 'a.'.repeat(MB / 2), '@'.repeat(MB), 'a@'.repeat(MB / 2),
      'f'.repeat(MB), '[('.repeat(MB / 2), 'a[.]'.repeat(MB / 4), '1:'.repeat(MB / 2), 'a::'.repeat(MB / 3),
      'http://'.repeat(MB / 7), 'http://a.co/'.repeat(MB / 12), '\\\\a'.repeat(MB / 3), 'C:\\a b'.padEnd(MB, ' b'),
      '%a'.repeat(MB / 2), 'ffff:'.repeat(MB / 5), 'a-'.repeat(MB / 2),
    ];
    const t0 = performance.now();
    for (const s of inputs) extractIocs(s, { kind: 'text' });
    extractIocs('<a '.repeat(MB / 3), { kind: 'html' });
    // Generous: the point is that nothing is quadratic (that would take minutes), not a timing target.
    expect(performance.now() - t0).toBeLessThan(60_000);
  }, 120_000);
});

// Classes of misses third-party suites found (written here with the team's own examples).
describe('recall classes', () => {
  it('a registry key followed by another on the same line is two keys', () => {
    expect(vals('HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run HKCU\\Software\\Classes\\ms-settings\\shell', 'registry')).toEqual([
      'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run',
      'HKCU\\Software\\Classes\\ms-settings\\shell',
    ]);
    // a key with spaces in it is still one
    expect(vals('HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe', 'registry')).toHaveLength(1);
  });
  it('keys written <HKCU>\\… and HKEY_USERS\\<SID>\\… (placeholders as whole segments only)', () => {
    expect(vals('persists in <HKCU>\\Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce and HKEY_USERS\\<SID>\\Software\\Microsoft\\Office', 'registry')).toEqual([
      '<HKCU>\\Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce',
      'HKEY_USERS\\<SID>\\Software\\Microsoft\\Office',
    ]);
    expect(vals('<td>HKLM\\Software\\Vendor</td>', 'registry')).toEqual(['HKLM\\Software\\Vendor']);
  });
  it('a URL inside a query value, plain or percent-encoded, is a URL of its own', () => {
    expect(vals('GET /out.php?u=http://payload.example-dl.com/x.exe&r=1 HTTP/1.1', 'url')).toEqual(['http://payload.example-dl.com/x.exe']);
    expect(vals('GET /redirect?url=http%3A%2F%2Fpayload.example-dl.com%2Fy.exe HTTP/1.1', 'url')).toEqual(['http://payload.example-dl.com/y.exe']);
    // and the hex of an escape never glues onto a name
    expect(vals('q=%2Fpayload.example-dl.com', 'domain')).toEqual(['payload.example-dl.com']);
  });
  it('schemeless host/path and ip:port/path are URLs; a bare host, a CIDR and a path segment are not', () => {
    expect(vals('beacons to update-check.example-cdn.com/api/v2/gate.php and 185.244.30.17:8080/bins/mips', 'url')).toEqual([
      'update-check.example-cdn.com/api/v2/gate.php',
      '185.244.30.17:8080/bins/mips',
    ]);
    expect(vals('see example.com, 10.0.0.0/8, /var/www/example.com/index.html and example.com/ alone', 'url')).toEqual([]);
  });
  it('spaced ASNs and CVEs', () => {
    expect(vals('routed via asn 1234, ASN 64500 and AS 15169; as 2 of them', 'asn')).toEqual(['AS1234', 'AS64500', 'AS15169']);
    expect(vals('patch CVE 2014-1001 and cve 2021-44228 now; CVE 1990-1234 is not one', 'cve')).toEqual(['CVE-2014-1001', 'CVE-2021-44228']);
  });
  it('the network address of a CIDR is also an IPv4', () => {
    const r = iocValues(extractIocs('block 185.220.101.0/24'));
    expect(r.cidr).toEqual(['185.220.101.0/24']);
    expect(r.ipv4).toEqual(['185.220.101.0']);
  });
  it('a URL that is a CSV field ends at the comma; a comma inside a quoted field or a query stays', () => {
    expect(vals('2026-11-18 08:00:00,http://pkg-mirror.example-dl.com/bins/x86_64.sh,online,malware_download', 'url')).toEqual(['http://pkg-mirror.example-dl.com/bins/x86_64.sh']);
    expect(vals('"2026-11-18","http://pkg-mirror.example-dl.com/a.php?ids=1,2","online"', 'url')).toEqual(['http://pkg-mirror.example-dl.com/a.php?ids=1,2']);
    expect(vals('two links http://a.example-one.com/x,http://b.example-two.com/y', 'url')).toEqual(['http://a.example-one.com/x', 'http://b.example-two.com/y']);
  });
});
