import { describe, expect, it } from 'vitest';
import { Framer, jsonPayload, parseSyslog, type Frame } from './parse.js';

describe('parseSyslog', () => {
  it('reads RFC 5424 headers, nil values and the BOM before MSG', () => {
    expect(parseSyslog("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8")).toEqual({
      format: 'rfc5424',
      facility: 4,
      severity: 2,
      timestamp: '2003-10-11T22:14:15.003Z',
      hostname: 'mymachine.example.com',
      appName: 'su',
      msgId: 'ID47',
      msg: "'su root' failed for lonvick on /dev/pts/8",
    });
  });

  it('reads RFC 5424 structured data, escaped characters included', () => {
    const m = parseSyslog('<165>1 2003-10-11T22:14:15.003Z host evntslog 99 ID47 [exampleSDID@32473 iut="3" note="a \\"quoted\\" ] bracket"][x@1 k="v"] {"a":1}');
    expect(m.structuredData).toBe('[exampleSDID@32473 iut="3" note="a \\"quoted\\" ] bracket"][x@1 k="v"]');
    expect(m).toMatchObject({ facility: 20, severity: 5, procId: '99', msg: '{"a":1}' });
    expect(parseSyslog('<13>1 - - - - - -')).toMatchObject({ format: 'rfc5424', msg: '' });
    // A sender that leaves STRUCTURED-DATA out: the rest is still the MSG.
    expect(parseSyslog('<13>1 2025-03-14T09:12:03Z host ossec - - {"a":1}')).toMatchObject({ format: 'rfc5424', hostname: 'host', appName: 'ossec', msg: '{"a":1}' });
  });

  it('reads RFC 3164 messages: timestamp, host, tag and pid, each optional', () => {
    expect(parseSyslog("<34>Oct 11 22:14:15 mymachine su: 'su root' failed")).toEqual({
      format: 'rfc3164',
      facility: 4,
      severity: 2,
      timestamp: 'Oct 11 22:14:15',
      hostname: 'mymachine',
      appName: 'su',
      msg: "'su root' failed",
    });
    expect(parseSyslog('<129>Mar  4 09:12:03 sensor-1 suricata[2211]: {"event_type":"alert"}')).toMatchObject({ hostname: 'sensor-1', appName: 'suricata', procId: '2211', msg: '{"event_type":"alert"}' });
    expect(parseSyslog('<13>Mar 14 09:12:03 wazuh-manager ossec: {"rule":{}}')).toMatchObject({ hostname: 'wazuh-manager', appName: 'ossec', msg: '{"rule":{}}' });
    expect(parseSyslog('<13>2025-03-14T09:12:03.123+01:00 host app: hi')).toMatchObject({ timestamp: '2025-03-14T09:12:03.123+01:00', hostname: 'host', appName: 'app', msg: 'hi' });
    expect(parseSyslog('{"bare":true}')).toEqual({ format: 'rfc3164', msg: '{"bare":true}' });
    expect(parseSyslog('<999>x')).toEqual({ format: 'rfc3164', msg: '<999>x' });
  });

  it('stays linear on hostile input', () => {
    const start = performance.now();
    parseSyslog(`<13>1 ${'a '.repeat(50_000)}`);
    parseSyslog(`<13>1 t h a p m [${'x="\\'.repeat(50_000)}`);
    parseSyslog(`<13>Oct 11 22:14:15 ${'['.repeat(100_000)}`);
    parseSyslog(`<13>${':'.repeat(100_000)}`);
    expect(performance.now() - start).toBeLessThan(500);
  });
});

describe('jsonPayload', () => {
  it('takes a JSON object, with an @cee cookie or not, and says why anything else is not one', () => {
    expect(jsonPayload(' {"a":1} ')).toEqual({ value: { a: 1 } });
    expect(jsonPayload('@cee: {"a":2}')).toEqual({ value: { a: 2 } });
    expect(jsonPayload('Failed password for root')).toEqual({ reason: 'the message is not JSON: "Failed password for root"' });
    expect(jsonPayload('[1]')).toEqual({ reason: 'the message is not JSON: "[1]"' });
    expect(jsonPayload('{"a":')).toMatchObject({ reason: expect.stringMatching(/^the message is not valid JSON/) });
  });
});

describe('Framer (RFC 6587)', () => {
  function frames(chunks: string[], max = 100): string[] {
    const out: string[] = [];
    const f = new Framer(max);
    const emit = (x: Frame): void => {
      out.push('message' in x ? x.message.toString() : 'tooLong' in x ? `<too long ${x.tooLong}>` : '<bad frame>');
    };
    for (const c of chunks) f.push(Buffer.from(c), emit);
    f.end(emit);
    return out;
  }

  it('splits octet-counted frames, whatever the chunk boundaries', () => {
    const stream = '11 <13>1 - - -12 <13>hello\nyo';
    const whole = frames([stream]);
    expect(whole).toEqual(['<13>1 - - -', '<13>hello\nyo']);
    for (let cut = 1; cut < stream.length; cut++) expect(frames([stream.slice(0, cut), stream.slice(cut)])).toEqual(whole);
  });

  it('splits newline-terminated frames, dropping CR and empty lines, and keeps an unterminated last one', () => {
    expect(frames(['<13>a\r\n\n<13>b\n<1', '3>c'])).toEqual(['<13>a', '<13>b', '<13>c']);
  });

  it('reports over-long and broken frames and carries on with the next one', () => {
    expect(frames([`200 ${'x'.repeat(200)}5 <13>a`], 100)).toEqual(['<too long 200>', '<13>a']);
    expect(frames([`<13>${'y'.repeat(150)}`, 'zz\n<13>b\n'], 100)).toEqual(['<too long 154>', '<13>b']);
    expect(frames(['12345678901234 x\n<13>c\n'])).toEqual(['<bad frame>', '<13>c']);
    expect(frames(['7x <13>a\n<13>d\n'])).toEqual(['<bad frame>', '<13>d']);
  });
});
