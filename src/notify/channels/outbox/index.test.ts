import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../core/clock.js';
import type { NotificationChannelInstance, OutgoingNotification } from '../../channel.js';
import { getChannel } from '../../registry.js';
import { Secrets } from '../../secrets.js';
import outbox, { OutboxConfig, outboxBaseName } from './index.js';

let out: string;
beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'vigil-outbox-'));
});
afterEach(() => {
  rmSync(out, { recursive: true, force: true });
});

function channel(config: Record<string, unknown> = {}, at = '2025-03-14T10:00:00.000Z'): NotificationChannelInstance {
  const inst = outbox.create(OutboxConfig.parse(config), { outDir: out, clock: fixedClock(at), fetch: (() => Promise.reject(new Error('no network'))) as typeof fetch, secrets: Secrets.load({ env: {} }) });
  if ('disabled' in inst) throw new Error(inst.disabled);
  return inst;
}

const note: OutgoingNotification = {
  id: 'ntf_AbCdEfGh12345678',
  caseId: 'case_1',
  caseNumber: 7,
  severity: 'CRITICAL',
  subject: '[CRITICAL] Case #7: sshd: brute force from 185.220.101.4 on web-01',
  text: 'Case #7 is CRITICAL.\n',
  html: '<p>Case #7 is <b>CRITICAL</b>.</p>',
  data: { case: { number: 7, severity: 'CRITICAL' }, observables: ['185.220.101.4'] },
  attachments: [
    { filename: 'report.md', contentType: 'text/markdown', content: '# Case 7\n' },
    { filename: '../../etc/passwd evil?.bin', contentType: 'application/octet-stream', content: new Uint8Array([0, 1, 2, 255]) },
  ],
};

describe('outbox channel', () => {
  it('is local, registered and on by default', () => {
    expect(outbox.id).toBe('outbox');
    expect(outbox.remote).toBe(false);
    expect(getChannel('outbox')).toBe(outbox);
    expect(OutboxConfig.parse({})).toEqual({ dir: 'outbox' });
  });

  it('names files by case, severity and id', () => {
    expect(outboxBaseName(note)).toBe('case-0007-critical-12345678');
    expect(outboxBaseName({ caseNumber: 0, severity: 'MEDIUM', id: 'ntf_digestAbCdEfGh' })).toBe('digest-medium-AbCdEfGh');
  });

  it('writes the JSON envelope, text, HTML and attachments under <out>/outbox', async () => {
    const where = await channel().send(note);
    expect(where).toEqual({ location: join('outbox', 'case-0007-critical-12345678.json') });
    const dir = join(out, 'outbox');
    expect(readdirSync(dir).sort()).toEqual([
      'case-0007-critical-12345678--.._.._etc_passwd_evil_.bin',
      'case-0007-critical-12345678--report.md',
      'case-0007-critical-12345678.html',
      'case-0007-critical-12345678.json',
      'case-0007-critical-12345678.txt',
    ]);
    expect(readFileSync(join(dir, 'case-0007-critical-12345678.txt'), 'utf8')).toBe(note.text);
    expect(readFileSync(join(dir, 'case-0007-critical-12345678.html'), 'utf8')).toBe(note.html);
    expect(readFileSync(join(dir, 'case-0007-critical-12345678--report.md'), 'utf8')).toBe('# Case 7\n');
    expect([...readFileSync(join(dir, 'case-0007-critical-12345678--.._.._etc_passwd_evil_.bin'))]).toEqual([0, 1, 2, 255]);
    const envelope = JSON.parse(readFileSync(join(dir, 'case-0007-critical-12345678.json'), 'utf8'));
    expect(envelope).toEqual({
      id: 'ntf_AbCdEfGh12345678',
      channel: 'outbox',
      caseId: 'case_1',
      caseNumber: 7,
      severity: 'CRITICAL',
      subject: note.subject,
      createdAt: '2025-03-14T10:00:00.000Z',
      bodies: { text: 'case-0007-critical-12345678.txt', html: 'case-0007-critical-12345678.html' },
      attachments: ['case-0007-critical-12345678--report.md', 'case-0007-critical-12345678--.._.._etc_passwd_evil_.bin'],
      data: note.data,
    });
  });

  it('sending the same notification twice gives the same files, no new ones', async () => {
    const ch = channel();
    const first = await ch.send(note);
    const dir = join(out, 'outbox');
    const before = readdirSync(dir).sort();
    const contents = before.map((f) => readFileSync(join(dir, f), 'utf8'));
    const second = await ch.send(note);
    expect(second).toEqual(first);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(before.map((f) => readFileSync(join(dir, f), 'utf8'))).toEqual(contents);
  });

  it('a re-run later (another clock) leaves the delivered message as it was', async () => {
    await channel({}, '2025-03-14T10:00:00.000Z').send(note);
    const file = join(out, 'outbox', 'case-0007-critical-12345678.json');
    const before = readFileSync(file, 'utf8');
    const again = await channel({}, '2025-03-15T08:30:00.000Z').send(note);
    expect(again.location).toBe(join('outbox', 'case-0007-critical-12345678.json'));
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(JSON.parse(before).createdAt).toBe('2025-03-14T10:00:00.000Z');
  });

  it('another severity of the same case is a separate message', async () => {
    const ch = channel();
    await ch.send(note);
    await ch.send({ ...note, id: 'ntf_other000HIGH0001', severity: 'HIGH', attachments: [] });
    expect(readdirSync(join(out, 'outbox')).filter((f) => f.endsWith('.json')).sort()).toEqual([
      'case-0007-critical-12345678.json',
      'case-0007-high-HIGH0001.json',
    ]);
  });

  it('writes into a configured folder under the output folder', async () => {
    const where = await channel({ dir: 'mail/out' }).send({ ...note, attachments: [] });
    expect(where.location).toBe(join('mail/out', 'case-0007-critical-12345678.json'));
    expect(statSync(join(out, 'mail/out', 'case-0007-critical-12345678.html')).isFile()).toBe(true);
  });

  it('refuses unknown config keys', () => {
    expect(OutboxConfig.safeParse({ folder: 'x' }).success).toBe(false);
  });
});
