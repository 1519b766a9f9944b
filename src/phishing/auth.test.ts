import { describe, expect, it } from 'vitest';
import { authFindings, parseAuthResults, parseReceivedSpf, summarizeAuth } from './auth.js';
import { defaultPhishingConfig } from './config.js';
import { FindingSet } from './findings.js';
import { BrandIndex } from './lookalike.js';

const h = (key: string, value: string) => ({ key, originalKey: key, value });

describe('parseAuthResults', () => {
  it('reads Gmail style: authserv-id, comments, header.i/header.s/header.b, dmarc policy comment', () => {
    const p = parseAuthResults(
      'mx.google.com; dkim=pass header.i=@srs1.zonevs.eu header.s=default header.b=QxWp1Ztf; spf=pass (google.com: best guess record for domain of srs0=63fc@srs1.zonevs.eu designates 46.101.211.25 as permitted sender) smtp.mailfrom="srs0=63fc@srs1.zonevs.eu"; dmarc=fail (p=NONE sp=NONE dis=NONE) header.from=kreata.ee',
    );
    expect(p.authservId).toBe('mx.google.com');
    expect(p.entries.map((e) => `${e.method}=${e.result}`)).toEqual(['dkim=pass', 'spf=pass', 'dmarc=fail']);
    expect(p.entries[0]!.props).toMatchObject({ 'header.i': '@srs1.zonevs.eu', 'header.s': 'default' });
    expect(p.entries[1]!.props['smtp.mailfrom']).toBe('srs0=63fc@srs1.zonevs.eu');
    expect(p.entries[2]!.comment).toBe('p=NONE sp=NONE dis=NONE');
  });

  it('reads Microsoft style: no authserv-id, properties without a ptype, compauth with reason', () => {
    const p = parseAuthResults('spf=none (sender IP is 133.167.8.104) smtp.mailfrom=www5194.sakura.ne.jp; dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=kette.jp;compauth=fail reason=001');
    expect(p.authservId).toBeNull();
    expect(p.entries.map((e) => `${e.method}=${e.result}`)).toEqual(['spf=none', 'dkim=none', 'dmarc=none', 'compauth=fail']);
    expect(p.entries[2]!.props).toMatchObject({ action: 'none', 'header.from': 'kette.jp' });
    expect(p.entries[3]!.reason).toBe('001');
  });

  it('reads a version number, quoted reasons, nested comments and x- methods', () => {
    const p = parseAuthResults('mx4.messagingengine.com 1; x-csa=none; spf=pass (nested (comment) here) smtp.mailfrom=a@b.example; dkim=fail reason="signature verification failed" header.d=b.example; x-ptr=pass smtp.helo=out1.example policy.ptr=out1.example');
    expect(p.authservId).toBe('mx4.messagingengine.com');
    expect(p.entries.map((e) => e.method)).toEqual(['x-csa', 'spf', 'dkim', 'x-ptr']);
    expect(p.entries[1]!.comment).toBe('nested (comment) here');
    expect(p.entries[2]!.reason).toBe('signature verification failed');
  });

  it('reads ARC-Authentication-Results with its instance, and a field encoded as a whole in RFC 2047 words', () => {
    const arc = parseAuthResults('i=1; mx.microsoft.com 1; spf=pass smtp.mailfrom=shop.example; dkim=pass header.d=shop.example; dmarc=pass action=none header.from=shop.example', 'ARC-Authentication-Results');
    expect(arc.instance).toBe(1);
    expect(arc.authservId).toBe('mx.microsoft.com');
    expect(arc.entries).toHaveLength(3);
    const encoded = `=?utf-8?B?${Buffer.from('spf=fail (sender IP is 5.196.202.21) smtp.mailfrom=impresschannel.com; dkim=none').toString('base64')}?=`;
    const p = parseAuthResults(encoded);
    expect(p.entries.map((e) => `${e.method}=${e.result}`)).toEqual(['spf=fail', 'dkim=none']);
  });

  it('reads "none" and survives garbage without looping', () => {
    expect(parseAuthResults('example.org; none').entries).toEqual([]);
    expect(parseAuthResults(';;;=;(((;"').entries).toEqual([]);
    const start = performance.now();
    parseAuthResults(`x; ${'spf=pass ('.repeat(20_000)}`);
    parseAuthResults(`x; ${'a=b '.repeat(50_000)}`);
    expect(performance.now() - start).toBeLessThan(500);
  });
});

describe('parseReceivedSpf', () => {
  it('reads the result, the comment and key=value pairs', () => {
    const p = parseReceivedSpf('Pass (mailfrom) identity=mailfrom; client-ip=209.85.220.41; helo=mail-sor-f41.google.com; envelope-from=someone@gmail.com; receiver=mx.example');
    expect(p.entries[0]).toMatchObject({ method: 'spf', result: 'pass', props: { identity: 'mailfrom', 'client-ip': '209.85.220.41', 'envelope-from': 'someone@gmail.com' } });
    const ms = parseReceivedSpf('None (protection.outlook.com: www5194.sakura.ne.jp does not designate permitted sender hosts)');
    expect(ms.entries[0]!.result).toBe('none');
    expect(ms.entries[0]!.comment).toContain('does not designate');
  });
});

describe('summarizeAuth', () => {
  it('takes SPF for smtp.mailfrom, not smtp.helo, and works out alignment with the From domain', () => {
    const a = summarizeAuth({
      headers: [h('authentication-results', 'mx.corp.example; spf=pass smtp.helo=mta.sender.example; spf=fail (client-ip=192.0.2.7) smtp.mailfrom=bounce@mail.sender.example; dkim=pass header.d=other.example; dmarc=fail header.from=sender.example')],
      fromDomain: 'sender.example',
      trustedAuthservIds: [],
    });
    expect(a.spf).toMatchObject({ result: 'fail', domain: 'mail.sender.example', identity: 'mailfrom', aligned: true, ip: '192.0.2.7' });
    expect(a.dkim[0]).toMatchObject({ result: 'pass', domain: 'other.example', aligned: false });
    expect(a.dmarc).toMatchObject({ result: 'fail', domain: 'sender.example' });
    expect(a.alignment).toEqual({ spf: false, dkim: false, pass: false });
    expect(a.verification).toMatch(/^not verified/);
  });

  it('uses the topmost Authentication-Results, or the trusted authserv-id when configured', () => {
    const headers = [
      h('authentication-results', 'mx.corp.example; spf=fail smtp.mailfrom=x.example'),
      // lower down: written before the message reached us, possibly by the sender
      h('authentication-results', 'forged.example; spf=pass smtp.mailfrom=x.example; dkim=pass header.d=x.example; dmarc=pass header.from=x.example'),
    ];
    expect(summarizeAuth({ headers, fromDomain: 'x.example', trustedAuthservIds: [] }).spf?.result).toBe('fail');
    expect(summarizeAuth({ headers, fromDomain: 'x.example', trustedAuthservIds: ['forged.example'] }).spf?.result).toBe('pass');
  });

  it('falls back to Received-SPF, and summarises the ARC chain', () => {
    const a = summarizeAuth({
      headers: [
        h('arc-seal', 'i=2; a=rsa-sha256; t=1; cv=pass; d=forwarder.example; s=arc; b=xx'),
        h('arc-authentication-results', 'i=2; mx.forwarder.example; spf=pass smtp.mailfrom=a.example'),
        h('arc-seal', 'i=1; a=rsa-sha256; t=1; cv=none; d=first.example; s=arc; b=yy'),
        h('arc-authentication-results', 'i=1; mx.first.example; spf=fail smtp.mailfrom=a.example; dkim=none; dmarc=fail header.from=a.example'),
        h('received-spf', 'Softfail (domain of transitioning a.example does not designate 192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from=x@a.example;'),
      ],
      fromDomain: 'a.example',
      trustedAuthservIds: [],
    });
    expect(a.spf).toMatchObject({ result: 'softfail', source: 'Received-SPF', domain: 'a.example', ip: '192.0.2.1' });
    expect(a.arc).toMatchObject({ result: 'pass', instances: 2, original: { spf: 'fail', dkim: 'none', dmarc: 'fail' } });
    expect(a.arc!.sealers).toEqual(['forwarder.example', 'first.example']);
  });
});

describe('authFindings', () => {
  const cfg = defaultPhishingConfig();
  const run = (ar: string, from: string, protectedDomains: string[] = []) => {
    const fs = new FindingSet({});
    const brands = new BrandIndex({ ...cfg, protectedDomains });
    authFindings(summarizeAuth({ headers: [h('authentication-results', ar)], fromDomain: from, trustedAuthservIds: [] }), from, brands, fs);
    return fs.list().map((f) => f.id);
  };

  it('reports DMARC failure and spoofing of a protected domain', () => {
    expect(run('mx; spf=fail smtp.mailfrom=corp.example; dmarc=fail header.from=corp.example', 'corp.example', ['corp.example'])).toEqual(['auth.spoofed-protected', 'auth.dmarc.fail', 'auth.spf.fail']);
  });

  it('reports mail nothing authenticates when no DMARC result is stated', () => {
    expect(run('mx; spf=pass smtp.mailfrom=esp.example; dkim=pass header.d=esp.example', 'shop.example')).toEqual(['auth.unaligned']);
  });

  it('says nothing about aligned, passing mail, nor about a failing signature next to a passing one', () => {
    expect(run('mx; spf=pass smtp.mailfrom=mail.shop.example; dkim=pass header.d=shop.example; dkim=fail header.d=relay.example; dmarc=pass header.from=shop.example', 'shop.example')).toEqual([]);
  });
});
