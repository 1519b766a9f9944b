import { describe, expect, it } from 'vitest';
import { VigilError } from '../core/errors.js';
import { alertKey, CaseMessage, decode, encode, hash32, IngestMessage, partitionOf, recordKey } from './messages.js';

describe('partitions', () => {
  it('put every record of a host in one partition, whatever format names the host', () => {
    expect(recordKey({ agent: { name: 'WEB-01' }, manager: { name: 'm' } })).toBe('web-01');
    expect(recordKey({ event_type: 'alert', host: 'sensor-2' })).toBe('sensor-2');
    expect(recordKey({ host: { name: 'Laptop-7' } })).toBe('laptop-7');
    expect(recordKey({ Computer: 'DC01.corp' })).toBe('dc01.corp');
    expect(recordKey({ 'host.name': 'flat' })).toBe('flat');
    expect(recordKey({ message: 'no host at all' })).toBe('');
    expect(alertKey({ host: { name: 'WEB-01' } })).toBe(recordKey({ agent: { name: 'web-01' } }));
  });

  it('are stable across processes and versions (FNV-1a), and spread', () => {
    expect(hash32('')).toBe(0x811c9dc5);
    expect(hash32('a')).toBe(0xe40c292c);
    expect(partitionOf('anything', 1)).toBe(0);
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(`host-${i}`, 8)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });
});

describe('messages', () => {
  it('round-trip, and a malformed one is a non-retryable input error naming the field', () => {
    const m = { v: 1, items: [{ file: 'request', line: 3, record: { rule: {}, agent: { name: 'x' } } }] };
    expect(decode(IngestMessage, encode(m), 'ingest')).toEqual(m);
    const e = (() => {
      try {
        decode(CaseMessage, encode({ v: 1, alerts: [{ id: 'a' }], intel: [] }), 'case');
      } catch (err) {
        return err as VigilError;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(VigilError);
    expect(e!.code).toBe('VIGIL_INPUT_INVALID');
    expect(e!.retryable).toBe(false);
    expect(e!.message).toMatch(/case message is malformed at alerts\.0\.source/);
    expect(() => decode(IngestMessage, new TextEncoder().encode('{oops'), 'ingest')).toThrow(/ingest message is not JSON/);
    expect(() => decode(IngestMessage, encode({ v: 2, items: [] }), 'ingest')).toThrow(/malformed at v/);
  });
});
