import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, requirePostgresInCi } from '../../test/helpers/store.js';
import type { Alert, Assessment } from '../core/types.js';
import { openStore, type StoreHandle } from './db.js';
import { Repo, type CaseUpsert } from './repo.js';

requirePostgresInCi();

const assessment: Assessment = { severity: 'HIGH', score: 60, reasons: [{ factor: 'rule-level', detail: 'Wazuh rule 5712 level 10 of 15', delta: 47 }] };

function alert(n: number, ip: string): Alert {
  return {
    id: `al_${n}`,
    source: 'wazuh',
    sourceRef: `ref-${n}`,
    time: `2026-11-18T09:0${n}:00.000Z`,
    title: 'sshd: brute force',
    description: '',
    rule: { id: '5712', level: 10, scale: 'wazuh', groups: ['sshd'], mitre: { ids: ['T1110'], tactics: ['Credential Access'], techniques: ['Brute Force'] } },
    host: { name: 'web-01' },
    observables: [{ type: 'ipv4', value: ip, role: 'src', scope: 'public' }],
    raw: {},
  };
}

function caseRow(id: string, count: number): CaseUpsert {
  return { id, opened: true, title: 'SSH brute force on web-01', severity: 'HIGH', score: 60, assessment, alertCount: count, firstAlertAt: '2026-11-18T09:01:00.000Z', lastAlertAt: '2026-11-18T09:02:00.000Z', summary: '' };
}

function batch(caseId: string, alerts: Alert[]) {
  return {
    alerts: alerts.map((a) => ({ alert: a, assessment, caseId })),
    cases: [caseRow(caseId, alerts.length)],
    keys: alerts.map((a) => ({ key: `o:ipv4:${a.observables[0]!.value}`, caseId, firstSeen: a.time, lastSeen: a.time })),
    observables: alerts.map((a) => ({ observable: a.observables[0]!, seenAt: a.time, risk: { score: 90, verdict: 'malicious' as const } })),
    caseObservables: alerts.map((a) => ({ caseId, observable: a.observables[0]! })),
    audit: [{ at: alerts[0]!.time, actor: 'vigil', kind: 'case.opened', caseId, message: 'Case opened' }],
  };
}

describe.each(backends)('Repo on $name', (backend) => {
  let store: StoreHandle;
  let drop: () => Promise<void>;
  let repo: Repo;
  beforeAll(async () => {
    const o = await backend.open();
    store = o.store;
    drop = o.drop;
    repo = new Repo(store.db);
  });
  afterAll(async () => {
    await store.close();
    await drop();
  });

  it('stores a batch once: saving it again adds no alert, case or link', async () => {
    const b = batch('case_a', [alert(1, '185.220.101.47'), alert(2, '185.220.101.47')]);
    await repo.saveBatch(b);
    await repo.saveBatch(b);
    const counts = await repo.counts();
    expect(counts.alerts).toBe(2);
    expect(counts.cases).toBe(1);
    expect(await repo.existingAlertIds(['al_1', 'al_2', 'al_9'])).toEqual(new Set(['al_1', 'al_2']));
    const c = await repo.caseById('case_a');
    expect(c).toMatchObject({ number: expect.any(Number), severity: 'HIGH', alertCount: 2, status: 'New' });
    const obs = (await repo.observablesOfCase('case_a')).rows;
    expect(obs).toHaveLength(1);
    expect(obs[0]).toMatchObject({ type: 'ipv4', value: '185.220.101.47', verdict: 'malicious', role: 'src' });
    expect((await repo.timelineOfCase('case_a')).map((t) => t.kind)).toContain('case.opened');
  });

  it('numbers cases in sequence and finds cases that share an observable', async () => {
    await repo.saveBatch(batch('case_b', [alert(3, '185.220.101.47')]));
    const a = await repo.caseById('case_a');
    const b = await repo.caseById('case_b');
    expect(b!.number).toBeGreaterThan(a!.number);
    expect(await repo.relatedCaseNumbers('case_b')).toEqual([a!.number]);
    expect((await repo.listCases()).map((c) => c.id)).toEqual(['case_b', 'case_a']);
  });
});

describe('embedded store lock', () => {
  it('refuses a second opener with a message that says who holds it', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-lock-'));
    const first = await openStore({ dataDir: dir, purpose: 'vigil serve' });
    try {
      await expect(openStore({ dataDir: dir })).rejects.toMatchObject({ code: 'VIGIL_STORE_LOCKED', message: expect.stringContaining(`process ${process.pid} (vigil serve`) });
    } finally {
      await first.close();
    }
    const again = await openStore({ dataDir: dir });
    await again.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
