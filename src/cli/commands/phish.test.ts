import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { phishCommand } from './phish.js';

const FIX = join(import.meta.dirname, '../../phishing/fixtures');

let out: string[];
let err: string[];
let cwd: string;
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  process.exitCode = undefined;
  // No vigil.yaml lying around in the working directory may change the defaults.
  cwd = process.cwd();
  process.chdir(mkdtempSync(join(tmpdir(), 'vigil-phish-cli-')));
});
afterEach(() => {
  process.chdir(cwd);
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

const run = (...args: string[]) => phishCommand().parseAsync(args, { from: 'user' });

describe('vigil phish', () => {
  it('prints an explained verdict per file and exits 0', async () => {
    await run(join(FIX, 'credential-phish.eml'));
    const text = out.join('');
    expect(text).toMatch(/credential-phish\.eml {2}PHISHING \(phishing\) {2}100% {2}"Action required: your account has been limited" from PayPal Security <notice@paypa1-secure\.com>/);
    expect(text).toMatch(/\+\d+ +header\.display-name\.impersonation +The sender calls itself "PayPal Security" \(PayPal\) but writes from paypa1-secure\.com\./);
    expect(text).toContain('auth: spf=fail (paypa1-secure.com)  dkim=none  dmarc=fail  [not verified]');
    expect(process.exitCode).toBe(0);
  });

  it('--json: one entry per file, an error entry for unreadable input, and exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-phish-in-'));
    writeFileSync(join(dir, 'photo.eml'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    await run('--json', join(FIX, 'newsletter.eml'), join(dir, 'photo.eml'), join(dir, 'missing.eml'), join(FIX, 'tnef-winmail.eml'));
    const entries = JSON.parse(out.join('')) as Array<Record<string, any>>;
    expect(entries.map((e) => [e['file'].split('/').pop(), e['verdict'] ?? e['error'].code])).toEqual([
      ['newsletter.eml', 'clean'],
      ['photo.eml', 'VIGIL_INPUT_PARSE'],
      ['missing.eml', 'VIGIL_INPUT_NOT_FOUND'],
      ['tnef-winmail.eml', 'malicious'],
    ]);
    expect(entries[1]!['error'].message).toMatch(/not an e-mail message/);
    expect(Object.keys(entries[0]!)).toEqual(expect.arrayContaining(['file', 'verdict', 'score', 'findings', 'headers', 'auth', 'hops', 'links', 'attachments', 'iocs']));
    expect(entries[3]!['attachments'][1]).toMatchObject({ filename: 'invoice.pdf.exe', declaredType: 'application/octet-stream', detectedType: 'Windows executable (PE)', flags: ['executable', 'double-extension'] });
    expect(err.join('')).toMatch(/missing\.eml does not exist/);
    expect(process.exitCode).toBe(2);
  });

  it('--report writes a self-contained HTML page per file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-phish-rep-'));
    await run('--report', join(dir, 'r.html'), join(FIX, 'credential-phish.eml'), join(FIX, 'newsletter.eml'));
    for (const name of ['r-credential-phish.html', 'r-newsletter.html']) {
      expect(existsSync(join(dir, name))).toBe(true);
      expect(readFileSync(join(dir, name), 'utf8')).toContain("Content-Security-Policy\" content=\"default-src 'none'");
    }
    expect(out.join('')).toContain(`report: ${join(dir, 'r-credential-phish.html')}`);
  });

  it('--case sends phishing verdicts through the pipeline and reports the cases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-phish-case-'));
    writeFileSync(join(dir, 'vigil.yaml'), 'dataDir: memory://\nout: out\nfeeds: []\n');
    await run('--case', '-c', join(dir, 'vigil.yaml'), join(FIX, 'credential-phish.eml'), join(FIX, 'newsletter.eml'));
    expect(out.join('')).toMatch(/cases: 1 alert sent \(1 new, 0 already known\); cases opened 1, updated 0 \(#1\)/);
    expect(process.exitCode).toBe(0);
    // the bundled phishing playbook ran: the checklist, and the sender and links blocked (simulated)
    const records = readdirSync(join(dir, 'out/actions/case-0001'));
    expect(records).toEqual(expect.arrayContaining([expect.stringMatching(/^phishing-response--block-sender--notice_paypa1-secure\.com\.json$/), expect.stringMatching(/^phishing-response--block-links--/), expect.stringMatching(/^phishing-response--tasks--/)]));
    const block = JSON.parse(readFileSync(join(dir, 'out/actions/case-0001', records.find((f) => f.includes('block-sender'))!), 'utf8')) as { status: string };
    expect(block.status).toBe('simulated');
  }, 120_000);

  it('a bad config is a failure (exit 1) naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-phish-cfg-'));
    writeFileSync(join(dir, 'vigil.yaml'), 'phishing:\n  weights:\n    link.nope: 5\n');
    await run('-c', join(dir, 'vigil.yaml'), join(FIX, 'newsletter.eml'));
    expect(err.join('')).toMatch(/vigil\.yaml:3: invalid config: phishing\.weights\.link\.nope: unknown finding id/);
    expect(process.exitCode).toBe(1);
  });
});
