import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../app.js';
import { loadConfig } from '../config.js';
import { silentLogger } from '../core/log.js';
import { Alert } from '../core/types.js';
import { phishAlert, opensCase } from './alert.js';
import { analyzeEmail } from './analyze.js';
import { enrichReport } from './enrich.js';
import type { PhishReport } from './types.js';

const FIX = join(import.meta.dirname, 'fixtures');
const SHA = 'a'.repeat(64);

describe('phishAlert', () => {
  it('maps a verdict to a core alert: stable id, rule, level, host, MITRE, observables with roles', async () => {
    const { config } = loadConfig({ env: {}, cwd: tmpdir() });
    const r = await analyzeEmail(readFileSync(join(FIX, 'credential-phish.eml')), { file: 'credential-phish.eml', config: config.phishing });
    const a = phishAlert(r, { sha256: SHA, now: '2024-06-01T00:00:00.000Z' });
    expect(Alert.safeParse(a).success).toBe(true);
    expect(a).toMatchObject({
      source: 'email',
      sourceRef: 'message-id:a1b2c3@paypa1-secure.com',
      time: '2024-06-01T00:00:00.000Z',
      rule: { id: 'phishing.phishing', level: 100, scale: 'generic', mitre: { ids: ['T1566.002'], tactics: ['Initial Access'] } },
      host: { name: 'bob@corp.example' },
    });
    // the evidence travels with the alert into the case: category, probability, reasons, findings, auth, when it was sent
    expect(a.raw).toMatchObject({ category: 'phishing', probability: r.probability, sentAt: '2024-05-15T03:41:05.000Z', receivedAt: '2024-06-01T00:00:00.000Z', auth: { dmarc: { result: 'fail' } } });
    expect((a.raw as { reasons: unknown[] }).reasons.length).toBeGreaterThan(0);
    expect(phishAlert(r, { sha256: SHA, now: '2024-06-01T00:00:00.000Z', analysisUrl: '/api/phish/phish_1' }).description).toContain('analysis /api/phish/phish_1');
    expect(a.title).toBe('Phishing e-mail "Action required: your account has been limited" from PayPal Security <notice@paypa1-secure.com>');
    expect(phishAlert(r, { sha256: 'b'.repeat(64), now: 'x' }).id).toBe(a.id);
    const roles = a.observables.map((o) => `${o.role} ${o.type} ${o.value}`);
    expect(roles).toEqual(expect.arrayContaining(['sender email notice@paypa1-secure.com', 'reply-to email paypal.resolution.center@gmail.com', 'sender-ip ipv4 203.0.113.66', 'link url http://paypa1.com.login-verify.xyz/signin?session=8812', 'recipient email bob@corp.example']));
    expect(opensCase(r)).toBe(true);
    const noId = { ...r, headers: { ...r.headers, messageId: null } } as PhishReport;
    expect(phishAlert(noId, { sha256: SHA, now: 'x' }).sourceRef).toBe(`sha256:${SHA}`);
  });

  it('uses T1566.001 when the danger is an attachment', async () => {
    const r = await analyzeEmail(readFileSync(join(FIX, 'tnef-winmail.eml')), { file: 't.eml', config: loadConfig({ env: {}, cwd: tmpdir() }).config.phishing });
    expect(phishAlert(r, { sha256: SHA, now: 'x' }).rule).toMatchObject({ id: 'phishing.malicious', mitre: { ids: ['T1566.001'] } });
  });
});

describe('a phishing verdict through the pipeline (App, in-memory store)', () => {
  let dir: string;
  let app: App;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-phish-'));
    writeFileSync(join(dir, 'phish-domains.txt'), '# test feed\npaypa1.com.login-verify.xyz\n');
    const { config } = loadConfig({ env: {}, cwd: dir });
    config.dataDir = 'memory://';
    config.out = join(dir, 'out');
    config.feeds = [{ path: join(dir, 'phish-domains.txt'), format: 'plain', name: 'Test phishing domains' }];
    app = await App.build(config, { log: silentLogger });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enriches the indicators with the local feeds and opens one case, once', async () => {
    const cfg = app.config.phishing;
    let r = await analyzeEmail(readFileSync(join(FIX, 'credential-phish.eml')), { file: 'credential-phish.eml', config: cfg });
    r = await enrichReport(r, app.intel, cfg);
    // A plain list says "listed", not what for: the local-feeds provider calls that suspicious.
    expect(r.enrichment).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'url', value: 'http://paypa1.com.login-verify.xyz/signin?session=8812', role: 'link', verdict: 'suspicious' }),
        expect.objectContaining({ type: 'domain', value: 'paypa1.com.login-verify.xyz', role: 'link', verdict: 'suspicious', evidence: [expect.stringContaining('listed by Test phishing domains')] }),
      ]),
    );
    expect(r.findings.find((f) => f.id === 'intel.suspicious')?.message).toMatch(/^3 indicators are suspicious according to threat intel \(local-feeds: .*listed by Test phishing domains\)\.$/);
    expect(r.verdict).toBe('phishing');

    const alert = phishAlert(r, { sha256: SHA, now: new Date().toISOString() });
    const first = await app.ingest([{ file: 'credential-phish.eml', line: 0, alert }], { outDir: app.config.out });
    expect(first.alerts).toMatchObject({ read: 1, new: 1 });
    expect(first.cases.opened).toBe(1);
    const cases = await app.repo.listCases(10);
    expect(cases).toHaveLength(1);
    expect(cases[0]!.title).toContain('Action required: your account has been limited');
    expect(['HIGH', 'CRITICAL']).toContain(cases[0]!.severity);
    expect(readdirSync(join(app.config.out, 'reports')).some((f) => f.endsWith('.html'))).toBe(true);

    const again = await app.ingest([{ file: 'credential-phish.eml', line: 0, alert }], { outDir: app.config.out });
    expect(again.alerts.duplicate).toBe(1);
    expect(again.cases.opened).toBe(0);
  });
});
