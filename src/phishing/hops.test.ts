import { describe, expect, it } from 'vitest';
import { FindingSet } from './findings.js';
import { buildHops, hopFindings, parseReceived } from './hops.js';

const rcv = (value: string) => ({ key: 'received', originalKey: 'Received', value });

describe('parseReceived', () => {
  it('reads Postfix: HELO, reverse DNS and IP', () => {
    expect(parseReceived('from mail.sender.example (mail.sender.example [198.51.100.7]) by mx.corp.example (Postfix) with ESMTPS id 4Tq for <a@corp.example>; Tue, 14 May 2024 09:12:06 +0000 (UTC)')).toMatchObject({
      from: 'mail.sender.example',
      helo: 'mail.sender.example',
      rdns: 'mail.sender.example',
      ip: '198.51.100.7',
      by: 'mx.corp.example',
      with: 'ESMTPS',
      date: '2024-05-14T09:12:06.000Z',
    });
  });

  it('reads Exim (helo= in the comment), qmail (HELO …), Exchange (bare IP) and Sendmail with a trailing comment', () => {
    expect(parseReceived('from host.sender.example ([203.0.113.9] helo=liar.example) by mx.corp.example with esmtps (Exim 4.96) id 1r; Mon, 13 May 2024 10:00:00 +0200')).toMatchObject({ helo: 'liar.example', rdns: 'host.sender.example', ip: '203.0.113.9', date: '2024-05-13T08:00:00.000Z' });
    expect(parseReceived('from unknown (HELO bulk.example) (192.0.2.44) by mail.corp.example with SMTP; 1 Jan 2024 00:00:00 -0000')).toMatchObject({ helo: 'bulk.example', ip: '192.0.2.44' });
    expect(parseReceived('from www5194.sakura.ne.jp (133.167.8.104) by MW2NAM10FT041.mail.protection.outlook.com (10.13.155.143) with Microsoft SMTP Server id 15.20.5813.12 via Frontend Transport; Fri, 11 Nov 2022 22:50:07 +0000')).toMatchObject({ helo: 'www5194.sakura.ne.jp', rdns: null, ip: '133.167.8.104', scope: 'public' });
    expect(parseReceived('from a.example (localhost [127.0.0.1]) by a.example (8.16.1/8.16.1) with ESMTP id 2AB for <x@y>; Sat, 12 Nov 2022 07:50:06 +0900 (JST) (envelope-from k@a.example)')).toMatchObject({ ip: '127.0.0.1', scope: 'reserved', date: '2022-11-11T22:50:06.000Z' });
    expect(parseReceived('from [IPv6:2001:db8::5] (unknown [IPv6:2001:db8::5]) by mx.example; Tue, 14 May 2024 09:12:06 +0000')).toMatchObject({ ip: '2001:db8::5' });
  });

  it('copes with values that are not Received headers at all', () => {
    expect(parseReceived('(from kette@localhost) by www5194.sakura.ne.jp id 2ABM; garbage date')).toMatchObject({ from: null, by: 'www5194.sakura.ne.jp', date: null });
    expect(parseReceived('((((((')).toMatchObject({ from: null, ip: null });
  });
});

describe('buildHops', () => {
  const headers = [
    rcv('from mx1.corp.example (mx1.corp.example [10.0.0.25]) by mailbox.corp.example (Postfix) with ESMTPS id A; Tue, 14 May 2024 09:12:09 +0000'),
    rcv('from relay.sender.example (out.sender-mail.example [198.51.100.20]) by mx1.corp.example (Postfix) with ESMTPS id B; Tue, 14 May 2024 09:12:06 +0000'),
    rcv('from laptop.local (unknown [192.168.1.10]) by relay.sender.example with ESMTPSA id C; Tue, 14 May 2024 09:10:06 +0000'),
  ];

  it('lists hops oldest first with delays, scopes and where the message came in', () => {
    const hops = buildHops(headers, { senderIp: null, internalRelays: [] });
    expect(hops.map((x) => [x.index, x.ip, x.delaySeconds, x.external, x.firstExternal])).toEqual([
      [1, '192.168.1.10', null, true, false],
      [2, '198.51.100.20', 120, true, true],
      [3, '10.0.0.25', 3, false, false],
    ]);
    expect(hops[0]!.flags).toEqual(expect.arrayContaining(['private', 'no-rdns']));
    expect(hops[1]!.flags).toContain('helo-mismatch');
  });

  it('prefers the IP the receiver checked SPF for, and honours configured internal relays', () => {
    expect(buildHops(headers, { senderIp: '192.168.1.10', internalRelays: [] }).find((x) => x.firstExternal)?.ip).toBe('192.168.1.10');
    const withRelay = [rcv('from gw.corp.example (gw.corp.example [203.0.113.5]) by mx1.corp.example; Tue, 14 May 2024 09:12:10 +0000'), ...headers];
    expect(buildHops(withRelay, { senderIp: null, internalRelays: [] }).find((x) => x.firstExternal)?.ip).toBe('198.51.100.20');
    expect(buildHops([rcv('from gw.partner.example (gw.partner.example [203.0.113.5]) by mx1.corp.example; Tue, 14 May 2024 09:12:10 +0000'), ...headers], { senderIp: null, internalRelays: ['partner.example'] }).find((x) => x.firstExternal)?.ip).toBe('198.51.100.20');
  });

  it('turns the entry hop and clock trouble into findings', () => {
    const fs = new FindingSet({});
    const forged = [...headers, rcv('from x.example (x.example [198.51.100.99]) by laptop.local; Tue, 14 May 2024 10:30:00 +0000')];
    hopFindings(buildHops(forged, { senderIp: null, internalRelays: [] }), fs);
    expect(fs.list().map((f) => f.id).sort()).toEqual(['hops.helo-mismatch', 'hops.time-travel']);
  });
});
