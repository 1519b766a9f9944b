import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { opensCase } from './alert.js';
import { analyzeEmail } from './analyze.js';
import { defaultPhishingConfig, PhishingConfigSchema } from './config.js';
import { FEATURES, FEATURE_INDEX } from './features.js';
import { shippedModel } from './model.js';
import { buildMessage } from './testing.js';
import { verdictRank, type PhishReport } from './types.js';

const FIX = join(import.meta.dirname, 'fixtures');
const config = defaultPhishingConfig();
const fixture = (name: string) => analyzeEmail(readFileSync(join(FIX, name)), { file: name, config });
let last: Float64Array | null = null;
const features = async (raw: Buffer) => {
  await analyzeEmail(raw, { file: 'x.eml', config, onFeatures: (v) => (last = v) });
  const v = last!;
  return (name: string) => v[FEATURE_INDEX.get(name)!];
};

describe('the shipped model', () => {
  it('was fitted for the features the analyser computes, with rising bands and a calibration', () => {
    const m = shippedModel();
    expect(m.features).toEqual(FEATURES.map((f) => f.name));
    expect(m.weights).toHaveLength(FEATURES.length);
    expect(m.thresholds.suspicious).toBeLessThanOrEqual(m.thresholds.phishing);
    expect(m.calibration.a).toBeGreaterThan(0);
    // the sign constraints hold in the table: no finding clears a message
    FEATURES.forEach((f, j) => {
      if (f.sign === 'pos') expect(m.weights[j], f.name).toBeGreaterThanOrEqual(0);
      if (f.sign === 'neg') expect(m.weights[j], f.name).toBeLessThanOrEqual(0);
      if (f.sign === 'off') expect(m.weights[j], f.name).toBe(0);
    });
  });

  it('does not call the textbook advance-fee letter or a styled-letter sender clean, and names the advance fee as fraud', async () => {
    const fee = await fixture('advance-fee.eml');
    expect(verdictRank(fee.verdict)).toBeGreaterThanOrEqual(verdictRank('suspicious'));
    expect(fee.category).toBe('bec-fraud');
    const styled = await fixture('styled-address.eml');
    expect(verdictRank(styled.verdict)).toBeGreaterThanOrEqual(verdictRank('suspicious'));
  });

  it('keeps a newsletter and a mailing-list post clean, as ham', async () => {
    for (const name of ['newsletter.eml', 'mailing-list.eml']) {
      const r = await fixture(name);
      expect([name, r.verdict, r.category]).toEqual([name, 'clean', 'ham']);
    }
  });

  it('gives the probability in percent as the score, and explains it with signed reasons', async () => {
    const r = await fixture('credential-phish.eml');
    expect(r.score).toBe(Math.round(r.probability * 100));
    expect(r.reasons.map((x) => x.feature)).toContain('finding:header.display-name.impersonation');
    expect(r.reasons.every((x) => typeof x.describe === 'string' && x.describe.length > 10)).toBe(true);
  });

  it('moves the bands with phishing.thresholds (percent)', async () => {
    const r = await analyzeEmail(readFileSync(join(FIX, 'prize-money.eml')), { file: 'p.eml', config: PhishingConfigSchema.parse({ thresholds: { suspicious: 1, phishing: 2 } }) });
    expect(r.verdict).toBe('phishing');
  });
});

describe('categories and cases', () => {
  it('opens cases only for the bad categories unless configured', async () => {
    const r = await fixture('credential-phish.eml');
    expect(opensCase(r)).toBe(true);
    const asSpam: PhishReport = { ...r, category: 'spam' };
    expect(opensCase(asSpam)).toBe(false);
    expect(opensCase(asSpam, PhishingConfigSchema.parse({ caseCategories: ['spam'] }).caseCategories)).toBe(true);
    expect(PhishingConfigSchema.safeParse({ caseCategories: ['newsletter'] }).success).toBe(false);
  });
});

describe('features', () => {
  const headers = { From: 'Northwind Helpdesk <helpdesk@mail-relay-77.example>', To: 'ana@corp.example', Subject: 'Mailbox quota', Date: 'Mon, 20 May 2024 10:00:00 +0000', 'Message-ID': '<f-1@mail-relay-77.example>' };

  it('reads link structure: credential paths, the reader\'s address in a link, mailto: links, deep hosts', async () => {
    const html = '<p>Dear user, your mailbox is full.</p><a href="https://a.b.c.d.portal-77.example/owa/login?u=ana@corp.example">Keep my mailbox</a> <a href="mailto:desk@other.example">write to us</a>';
    const f = await features(buildMessage(headers, [{ type: 'text/html; charset=utf-8', content: html }]));
    expect(f('links.credential-path')).toBeGreaterThan(0);
    expect(f('links.recipient')).toBe(1);
    expect(f('links.mailto')).toBe(1);
    expect(f('links.deep-host')).toBe(1);
    expect(f('words.greeting')).toBeGreaterThan(0);
    expect(f('sender.name-unrelated')).toBe(1);
  });

  it('reads obfuscation: invisible characters and letters written as character references', async () => {
    const html = '<p>Ve\u200brify your acc\u200bount: p&#x61;&#x73;&#x73;word &#118;&#101;&#114;ify</p>';
    const f = await features(buildMessage({ ...headers, Subject: 'Ac\u200bcount' }, [{ type: 'text/html; charset=utf-8', content: html }]));
    expect(f('obfuscation.invisible')).toBeGreaterThan(0);
    expect(f('obfuscation.entities')).toBeGreaterThan(0);
    const plain = await features(buildMessage(headers, [{ type: 'text/plain; charset=utf-8', content: 'Lunch on Friday?' }]));
    expect(plain('obfuscation.invisible')).toBe(0);
    expect(plain('links.none')).toBe(1);
  });
});
