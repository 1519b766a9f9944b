// Safe under attack. The first part replays what an attacker did against `vigil serve` and the CLI
// (issue 22's "Why"); the second is a seeded, deterministic fuzz run: generated hostile rules,
// feeds, e-mails and alerts must never crash, never run past their budget, and always get a clear
// error (file:line or field, and a reason) when they are refused.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { buildServer } from '../../src/api/server.js';
import { loadConfig, PACKAGE_ROOT } from '../../src/config.js';
import { VigilError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { SigmaEngine } from '../../src/detect/sigma/engine.js';
import { checkFeed } from '../../src/intel/feed-sanity.js';
import { FEED_FORMATS } from '../../src/intel/feeds/registry.js';
import { analyzeEmail } from '../../src/phishing/analyze.js';
import { defaultPhishingConfig } from '../../src/phishing/config.js';
import { renderPhishReport } from '../../src/phishing/report.js';
import { extractForPipeline } from '../../src/pipeline/extract.js';
import { normalizeRecord } from '../../src/pipeline/run.js';
import { rng } from '../helpers/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Characters that must never reach a terminal or a report raw. */
const RAW_UNSAFE = /[\u001B\u0007\u009B\u202A-\u202E\u2066-\u2069]/;

function vigil(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, VIGIL_DATA_DIR: join(dir, '.vigil'), VIGIL_DATABASE_URL: '', ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ruleYaml = (title: string, detection: string, id = '') => `title: ${title}\n${id ? `id: ${id}\n` : ''}logsource:\n    product: windows\ndetection:\n${detection}`;

describe('what the attacker did, replayed', () => {
  let app: App;
  let server: FastifyInstance;
  let ingest: string;

  beforeAll(async () => {
    const rules = join(dir, 'server-rules');
    mkdirSync(rules, { recursive: true });
    // Passed `vigil rules lint` before: ambiguous alternation, no nested quantifier.
    writeFileSync(join(rules, 'redos.yml'), ruleYaml('ambiguous alternation', "    sel:\n        CommandLine|re: '(a|aa)+$'\n    condition: sel\n"));
    writeFileSync(join(rules, 'redos2.yml'), ruleYaml('star in a repeat', "    sel:\n        CommandLine|re: '(.*a){12}$'\n    condition: sel\n"));
    const { config } = loadConfig({ env: {} });
    config.dataDir = 'memory://';
    config.out = join(dir, 'out');
    config.feeds = [];
    config.detect.rules = [rules];
    app = await App.build(config, { log: silentLogger });
    server = await buildServer(app);
    ingest = (await app.keys.create({ name: 'ingest', role: 'ingest' })).key;
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it('one hostile event posted with an ingest key no longer freezes the server: it is answered, and health checks meanwhile', async () => {
    const event = { CommandLine: `${'a'.repeat(201)}!`, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' };
    const t = performance.now();
    const posted = server.inject({ method: 'POST', url: '/api/ingest/events', headers: { authorization: `Bearer ${ingest}` }, payload: event });
    const health = await server.inject('/healthz');
    expect(health.statusCode).toBe(200);
    const r = await posted;
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ received: 1, detect: { events: 1, detections: 0 } });
    expect(performance.now() - t).toBeLessThan(5_000);
  });

  it('rules lint reports an alias bomb and a 20,000-deep condition with file:line, loads the other rules, and exits 2 without a stack trace', () => {
    const rules = join(dir, 'lint-rules');
    mkdirSync(rules, { recursive: true });
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
    writeFileSync(join(rules, 'bomb.yml'), `${bomb}\n${ruleYaml('bomb', '    sel:\n        A: *i\n    condition: sel\n')}`);
    writeFileSync(join(rules, 'deep.yml'), ruleYaml('deep', `    sel:\n        A: 1\n    condition: ${'('.repeat(20_000)}sel${')'.repeat(20_000)}\n`));
    writeFileSync(join(rules, 'good.yml'), ruleYaml('good', "    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel\n"));
    const r = vigil(['rules', 'lint', rules]);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain(`${join(rules, 'bomb.yml')}:1: YAML: Excessive alias count`);
    expect(r.stdout).toContain(`${join(rules, 'deep.yml')}:7: detection.condition: the condition is 40003 characters long (limit 16384)`);
    expect(r.stdout).toContain('1 rules loaded, 2 invalid, 0 unsupported');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('vigil phish shows an ESC sequence in the Subject and a U+202E file name escaped, in the terminal and the HTML report', () => {
    const eml = join(dir, 'esc.eml');
    writeFileSync(
      eml,
      [
        'From: "Billing" <billing@paypa1-secure.example>',
        'To: carol@corp.example',
        'Subject: Invoice \u001b[2J\u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007 due',
        'Date: Wed, 15 May 2024 03:41:05 +0000',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Please see the attached invoice.',
        '--b1',
        'Content-Type: application/octet-stream; name="invoice\u202Efdp.exe"',
        'Content-Disposition: attachment; filename="invoice\u202Efdp.exe"',
        'Content-Transfer-Encoding: base64',
        '',
        'TVqQAAMAAAAEAAAA',
        '--b1--',
        '',
      ].join('\r\n'),
    );
    const html = join(dir, 'esc.html');
    const r = vigil(['phish', eml, '--report', html]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(RAW_UNSAFE);
    expect(r.stdout).toContain('\\u001B[2J');
    expect(r.stdout).toContain('invoice\\u202Efdp.exe');
    const page = readFileSync(html, 'utf8');
    expect(page).not.toMatch(RAW_UNSAFE);
    expect(page).toContain('invoice\\u202Efdp.exe');
  });

  it('vigil run shows the escapes of rejected input lines instead of sending them to the terminal', () => {
    const file = join(dir, 'alerts-esc.json');
    writeFileSync(file, `${JSON.stringify({ rule: { id: '5710', level: 5, description: 'x' }, agent: { id: '001', name: 'web-01' }, id: '1799.1', timestamp: '2026-01-01T00:00:00Z' })}\n{"broken \u001b[2J\u001b[31mFAKE OK\u202E": \n`);
    const r = vigil(['run', file, '--out', join(dir, 'run-out')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('Rejected input');
    expect(r.stdout).not.toMatch(RAW_UNSAFE);
  });
});


describe('fuzz: generated hostile input (seeded, bounded in time)', () => {
  const r = rng(22);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (n: number) => Math.floor(r() * n);
  const HOSTILE = ['\u001b[2J', '\u202E', '\u0000', '\uFEFF', '\r\n', '"', "'", '\\', '${', '<script>', '%00', '\u{1F600}', 'é', '{', '}', '[', ']', ':', '&a', '*a', '|', '#'];
  const noise = (n: number) => Array.from({ length: n }, () => (r() < 0.3 ? pick(HOSTILE) : String.fromCharCode(32 + int(95)))).join('');

  const atom = (): string => pick(['a', 'b', '.', '\\w', '\\d', '\\s', '[a-z]', '[^x]', '(?i)a', 'x', '\\\\', '\\.', '(?=a)', '\\1', '\\u0041']);
  const regex = (depth: number): string => {
    if (depth <= 0) return atom();
    const parts = Array.from({ length: 1 + int(3) }, () => regex(depth - 1));
    const body = r() < 0.4 ? parts.join('|') : parts.join('');
    const group = r() < 0.6 ? `(${body})` : body;
    return group + pick(['', '*', '+', '?', '{2}', '{1,30}', '{0,}', '*?', `{${int(1200)}}`]);
  };

  it('rules: every generated rule loads or is refused with file:line and a reason, and no event runs past its budget', () => {
    const deadline = performance.now() + 60_000;
    const docs: string[] = [];
    for (let i = 0; i < 150; i++) {
      const kind = int(8);
      let det: string;
      if (kind === 0) det = `    sel:\n        CommandLine|re: '${regex(2 + int(3)).replace(/'/g, "''")}'\n    condition: sel\n`;
      else if (kind === 1) det = `    sel:\n        A: 1\n    condition: ${'('.repeat(int(200))}sel${')'.repeat(int(200))}\n`;
      else if (kind === 2) det = `    sel:\n        A: ${'['.repeat(int(3000))}1${']'.repeat(int(3000))}\n    condition: sel\n`;
      else if (kind === 3) det = `    sel:\n        CommandLine|contains:\n${Array.from({ length: 1 + int(3000) }, () => `            - '${noise(1 + int(12)).replace(/'/g, "''")}'`).join('\n')}\n    condition: sel\n`;
      else if (kind === 4) det = `    sel:\n        ${noise(8)}|${pick(['re', 'contains', 'cidr', 'base64offset', 'nosuch', 'gt', 'windash|contains'])}: ${JSON.stringify(noise(10))}\n    condition: ${pick(['sel', 'sel and not sel', '1 of sel*', 'all of them', 'sel | count() > 5', noise(6)])}\n`;
      else if (kind === 5) det = noise(200);
      else if (kind === 6) det = `    sel:\n        CommandLine|re: '${regex(1)}'\n        Image|endswith: ${JSON.stringify(noise(6))}\n    condition: ${Array.from({ length: 1 + int(70) }, () => 'not').join(' ')} sel\n`;
      else det = `    sel: &x\n        A: [*x]\n    condition: sel\n`;
      docs.push(`${i % 17 === 0 ? noise(30) : ''}${ruleYaml(`fuzz ${i}`, det, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)}`);
    }
    const sources = docs.map((text, i) => ({ file: `fuzz-${i}.yml`, text }));
    const { engine, issues } = SigmaEngine.fromSources(sources, { prepare: false, budgetMs: 50 });
    for (const i of issues) {
      expect(i.file).toMatch(/^fuzz-\d+\.yml$/);
      expect(i.line).toBeGreaterThanOrEqual(1);
      expect(i.reason.length).toBeGreaterThan(5);
    }
    const loadedOrReported = new Set([...engine.rules.map((x) => x.file), ...issues.map((i) => i.file)]);
    expect(loadedOrReported.size).toBe(sources.length);
    expect(engine.rules.length).toBeGreaterThan(10);
    let worst = 0;
    for (let e = 0; e < 300 && performance.now() < deadline; e++) {
      const v = r() < 0.5 ? 'a'.repeat(int(8192)) + pick(['!', 'a', 'x']) : noise(int(4000));
      const t = performance.now();
      engine.match({ CommandLine: v, Image: noise(30), A: r() < 0.5 ? 1 : noise(5) }, { product: 'windows' });
      worst = Math.max(worst, performance.now() - t - (engine.lastOverBudget ? 50 : 0));
    }
    // One rule's test can overrun the budget check by its own cost, which the program-size limit bounds.
    expect(worst).toBeLessThan(1_000);
  }, 120_000);

  it('feeds: every format parses generated lying feeds without crashing, and nothing too wide or private gets through', () => {
    const entries = () =>
      pick([
        `${int(256)}.${int(256)}.${int(256)}.${int(256)}/${int(33)}`,
        `${pick(['10', '127', '0', '192.168', '172.16', '169.254', '100.64', '224', '255.255.255'])}.${int(256)}.0/${8 + int(25)}`,
        `${pick(['::', 'fe80::', 'fc00::', '2001:db8::', '2a00:1450::', 'ff02::'])}/${int(129)}`,
        `${int(256)}.${int(256)}.${int(256)}.${int(256)}`,
        `http://${noise(8)}.example/${noise(10)}`,
        noise(int(300)),
        'a'.repeat(int(20_000)),
      ]);
    for (let i = 0; i < 60; i++) {
      const lines = Array.from({ length: 1 + int(200) }, entries);
      for (const f of FEED_FORMATS) {
        const text = f.id === 'spamhaus-drop' ? lines.map((l) => `${l} ; SBL${int(99999)}`).join('\n') : f.id.endsWith('csv') || ['feodo', 'urlhaus', 'threatfox'].includes(f.id) ? lines.map((l) => `"${l}","x"`).join('\n') : lines.join('\n');
        let parsed;
        try {
          parsed = f.parse(text, { file: `fuzz.${f.id}` });
        } catch (e) {
          expect(e, `${f.id} threw ${(e as Error).message}`).toBeInstanceOf(VigilError);
          continue;
        }
        for (const iss of parsed.issues) expect(iss.line, f.id).toBeGreaterThanOrEqual(1);
        const sane = checkFeed(`fuzz.${f.id}`, parsed.indicators, undefined);
        for (const q of sane.quarantined) expect(q.reason).toMatch(/quarantined/);
        for (const k of sane.kept) {
          if (k.type !== 'cidr') continue;
          const prefix = Number(k.value.split('/')[1]);
          expect(prefix, k.value).toBeGreaterThanOrEqual(k.value.includes(':') ? 16 : 8);
          expect(k.value, k.value).not.toMatch(/^(10|127|0|192\.168|169\.254)\./);
        }
      }
    }
  }, 120_000);

  it('e-mails: mutated messages are analysed or refused with a clear error, and their report never carries raw escapes', async () => {
    const config = defaultPhishingConfig();
    const base = [
      'Return-Path: <a@b.example>',
      'Received: from x (x [203.0.113.5]) by mx; Wed, 15 May 2024 03:41:10 +0000',
      'From: "N" <n@paypa1.example>',
      'To: t@corp.example',
      'Subject: S',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="B"',
      '',
      '--B',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<a href="http://x.example/login">https://paypal.com</a>',
      '--B',
      'Content-Type: application/octet-stream; name="f.exe"',
      'Content-Transfer-Encoding: base64',
      '',
      'TVqQAAMAAAAEAAAA',
      '--B--',
    ];
    const deadline = performance.now() + 60_000;
    for (let i = 0; i < 80 && performance.now() < deadline; i++) {
      const lines = [...base];
      for (let m = 0; m < 1 + int(6); m++) {
        const at = int(lines.length);
        const op = int(6);
        if (op === 0) lines[at] = `${lines[at]}${noise(int(200))}`;
        else if (op === 1) lines.splice(at, 0, `X-${noise(5)}: ${noise(int(2000))}`);
        else if (op === 2) lines.splice(at, 1);
        else if (op === 3) lines.splice(at, 0, `Content-Type: multipart/mixed; boundary="${noise(5)}"`, '', `--${noise(3)}`);
        else if (op === 4) lines.splice(at, 0, `Subject: =?utf-8?B?${Buffer.from(noise(40)).toString('base64')}?=`);
        else lines.splice(at, 0, ...Array.from({ length: int(50) }, () => `Received: from ${noise(10)} by ${noise(10)}; ${noise(20)}`));
      }
      const data = Buffer.from(lines.join(pick(['\r\n', '\n'])));
      const t = performance.now();
      try {
        const report = await analyzeEmail(data, { file: `fuzz-${i}.eml`, config });
        expect(renderPhishReport(report)).not.toMatch(RAW_UNSAFE);
      } catch (e) {
        expect(e, `message ${i}: ${(e as Error).message}`).toBeInstanceOf(VigilError);
        expect((e as Error).message.length).toBeGreaterThan(5);
      }
      expect(performance.now() - t).toBeLessThan(5_000);
    }
  }, 120_000);

  it('alerts: generated records become alerts or are refused with a reason naming the problem', () => {
    const value = (d: number): unknown => {
      const k = int(d > 0 ? 8 : 5);
      if (k === 0) return noise(int(300));
      if (k === 1) return int(1e9) * (r() < 0.5 ? -1 : 1);
      if (k === 2) return null;
      if (k === 3) return r() < 0.5;
      if (k === 4) return 'x'.repeat(int(100_000));
      if (k === 5) return Array.from({ length: int(5) }, () => value(d - 1));
      return Object.fromEntries(Array.from({ length: int(5) }, () => [pick(['rule', 'agent', 'id', 'level', 'data', 'srcip', 'full_log', '__proto__', 'constructor', noise(4)]), value(d - 1)]));
    };
    const deadline = performance.now() + 30_000;
    let alerts = 0;
    let refused = 0;
    for (let i = 0; i < 400 && performance.now() < deadline; i++) {
      const shape = int(3);
      const rec: Record<string, unknown> =
        shape === 0
          ? { rule: { id: value(0), level: value(0), description: value(0), groups: value(1) }, agent: { id: value(0), name: value(0) }, id: value(0), timestamp: value(0), full_log: value(0), data: value(3) }
          : shape === 1
            ? { event_type: pick(['alert', 'dns', noise(3)]), timestamp: value(0), src_ip: value(0), dest_ip: value(0), alert: value(2) }
            : (value(4) as Record<string, unknown>) ?? {};
      const t = performance.now();
      try {
        const a = normalizeRecord(rec && typeof rec === 'object' && !Array.isArray(rec) ? rec : { value: rec }, extractForPipeline);
        if (a) alerts++;
      } catch (e) {
        refused++;
        expect(e, `record ${i}: ${(e as Error).stack}`).toBeInstanceOf(VigilError);
        expect((e as Error).message.length).toBeGreaterThan(5);
      }
      expect(performance.now() - t).toBeLessThan(2_000);
    }
    expect(alerts + refused).toBeGreaterThan(50);
  }, 60_000);
});
