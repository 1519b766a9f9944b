// Streaming ingest overlaps batches: the next one is checked while the last is grouped and written.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../app.js';
import { loadConfig, PACKAGE_ROOT } from '../config.js';
import { silentLogger } from '../core/log.js';
import type { IngestItem, RunSummary } from './run.js';

function wazuh(i: number): IngestItem {
  const ip = `185.220.101.${1 + (i % 3)}`;
  return {
    file: 'webhook',
    line: i,
    record: {
      timestamp: `2026-11-21T06:00:${String(i % 60).padStart(2, '0')}.000+0000`,
      id: `1795300000.${i}`,
      rule: { level: 5, id: '5710', description: 'sshd: Attempt to login using a non-existent user', groups: ['syslog', 'sshd'] },
      agent: { id: '001', name: `web-0${i % 2}`, ip: '10.0.0.5' },
      manager: { name: 'wazuh-manager' },
      full_log: `sshd[1${i}]: Invalid user admin from ${ip} port 4${i}`,
      decoder: { name: 'sshd' },
      data: { srcip: ip, srcuser: 'admin' },
      location: '/var/log/auth.log',
    },
  };
}
const range = (from: number, to: number): IngestItem[] => Array.from({ length: to - from + 1 }, (_, k) => wazuh(from + k));

describe('overlapping streaming batches', () => {
  let app: App;
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-overlap-'));
    const { config } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
    config.dataDir = 'memory://';
    config.out = dir;
    config.detect.rules = [];
    app = await App.build(config, { log: silentLogger, storeThread: true });
  }, 120_000);
  afterEach(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Stored alerts per case against each case's own count: they agree when no write was lost or doubled. */
  async function consistency(): Promise<{ stored: number; counted: number; mismatched: number }> {
    const r = (await app.repo.db.execute(sql`select
        (select count(*)::int from alerts) as stored,
        (select coalesce(sum(alert_count), 0)::int from cases) as counted,
        (select count(*)::int from cases c where c.alert_count <> (select count(*) from alerts a where a.case_id = c.id)) as mismatched`)) as unknown as {
      rows: Array<{ stored: number; counted: number; mismatched: number }>;
    };
    return r.rows[0]!;
  }

  it('stores an alert carried by two batches in flight once, and answers both with its case', async () => {
    const stream = { deferResponse: true };
    const [a, b, c] = await Promise.all([app.ingest(range(1, 10), stream), app.ingest(range(5, 15), stream), app.ingest([wazuh(1), wazuh(20)], stream)]);
    expect(a.alerts.new + b.alerts.new + c.alerts.new).toBe(16);
    expect(a.alerts.duplicate + b.alerts.duplicate + c.alerts.duplicate).toBe(7);
    for (const [s, n] of [[a, 10], [b, 11], [c, 2]] as Array<[RunSummary, number]>) {
      expect(s.placed!.size).toBe(n);
      for (const p of s.placed!.values()) expect(p.caseNumber).toBeGreaterThan(0);
    }
    expect(await consistency()).toEqual({ stored: 16, counted: 16, mismatched: 0 });
    await app.flushResponses();
  });

  it('refuses a batch grouped on top of one the store refused, then stores both again consistently', async () => {
    const repo = app.repo;
    const save = repo.saveBatch.bind(repo);
    let failures = 1;
    repo.saveBatch = async (w) => {
      if (failures-- > 0) {
        await new Promise((r) => setTimeout(r, 100));
        throw new Error('could not extend file: No space left on device');
      }
      return save(w);
    };
    const stream = { deferResponse: true };
    const [first, second] = await Promise.allSettled([app.ingest(range(1, 8), stream), app.ingest(range(9, 12), stream)]);
    expect(first).toMatchObject({ status: 'rejected', reason: { message: 'could not extend file: No space left on device' } });
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'VIGIL_STORE_FAILED', message: expect.stringContaining('the batch before it could not be stored') } });
    expect(await consistency()).toEqual({ stored: 0, counted: 0, mismatched: 0 });

    // The senders try again: everything is stored, each case counting exactly its alerts.
    const again = await app.ingest(range(1, 12), stream);
    expect(again.alerts).toMatchObject({ new: 12, duplicate: 0 });
    expect(await consistency()).toEqual({ stored: 12, counted: 12, mismatched: 0 });
    await app.flushResponses();
  });
});
