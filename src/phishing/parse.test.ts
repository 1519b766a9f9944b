import { describe, expect, it } from 'vitest';
import { defaultPhishingConfig } from './config.js';
import { parseMail, scanBoundaries } from './parse.js';

const limits = defaultPhishingConfig().limits;

function nestedMultipart(depth: number): Buffer {
  let head = 'From: a@b.example\r\nSubject: deep\r\nMIME-Version: 1.0\r\n';
  let body = '';
  for (let i = 0; i < depth; i++) {
    head += `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`;
  }
  body = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
  for (let i = depth - 1; i >= 0; i--) body += `--b${i}--\r\n`;
  return Buffer.from(head + body);
}

describe('scanBoundaries', () => {
  it('counts parts and notices boundaries that never open or never close', () => {
    const text = 'Content-Type: multipart/mixed; boundary="x"\n\n--x\nA\n--x\nB\n--x--\nContent-Type: multipart/alternative; boundary=y\n--y\nC\n';
    expect(scanBoundaries(text, 100)).toEqual({ cutAt: null, parts: 3, broken: ['y'] });
    expect(scanBoundaries(text, 1).cutAt).toBe(text.indexOf('--x\nB'));
  });
});

describe('parseMail', () => {
  it('parses an ordinary message with no notes', async () => {
    const r = await parseMail(Buffer.from('From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n'), limits);
    expect(r.email.subject).toBe('hi');
    expect(r.notes).toEqual([]);
    expect(r.headersOnly).toBe(false);
  });

  it('cuts a message over the size limit and says so', async () => {
    const big = Buffer.from(`From: a@b.example\r\nSubject: big\r\n\r\n${'x'.repeat(200)}\r\n`.repeat(1) + 'y\r\n'.repeat(5000));
    const r = await parseMail(big, { ...limits, maxBytes: 1000 });
    expect(r.notes.map((n) => n.id)).toEqual(['parse.limit.size']);
    expect(r.raw.length).toBeLessThanOrEqual(1000);
    expect(r.email.subject).toBe('big');
  });

  it('cuts a message with too many parts (a part bomb) and parses the rest quickly', async () => {
    const parts = Array.from({ length: 50_000 }, (_, i) => `--p\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
    const bomb = Buffer.from(`From: a@b.example\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n${parts}--p--\r\n`);
    const start = performance.now();
    const r = await parseMail(bomb, { ...limits, maxParts: 200 });
    expect(performance.now() - start).toBeLessThan(5000);
    expect(r.notes.map((n) => n.id)).toEqual(['parse.limit.parts']);
    expect(r.notes[0]!.message).toContain('50000 MIME parts');
  });

  it('falls back to the headers when MIME nesting is deeper than the limit (a depth bomb)', async () => {
    const r = await parseMail(nestedMultipart(500), limits);
    expect(r.headersOnly).toBe(true);
    expect(r.notes.map((n) => n.id)).toContain('parse.limit.depth');
    expect(r.email.subject).toBe('deep');
    const ok = await parseMail(nestedMultipart(10), limits);
    expect(ok.headersOnly).toBe(false);
    expect(ok.email.text).toContain('innermost');
  });

  it('notes attached messages nested deeper than the message-depth limit', async () => {
    let msg = 'From: z@z.example\r\nSubject: level 0\r\n\r\ninnermost\r\n';
    for (let i = 1; i <= 6; i++) msg = `From: z@z.example\r\nSubject: level ${i}\r\nContent-Type: message/rfc822\r\n\r\n${msg}`;
    const r = await parseMail(Buffer.from(msg), { ...limits, maxMessageDepth: 2 });
    expect(r.notes.map((n) => n.id)).toEqual(['parse.limit.depth']);
  });
});
