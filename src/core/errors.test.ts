import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, exitStatusOf, VigilError } from './errors.js';

const ROOT = join(import.meta.dirname, '../..');

/** The catalogue as docs/errors.md's table shows it. */
function catalogueRows(): string[] {
  return Object.entries(ERROR_CATALOGUE).map(([code, s]) => `| \`${code}\` | ${s.status} | ${s.retryable ? 'yes' : 'no'} | ${s.exit} | ${s.meaning} |`);
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(n) && !/\.test\.tsx?$/.test(n) ? [p] : [];
  });
}

describe('the error catalogue', () => {
  it('is what docs/errors.md lists, code by code (regenerate the table from this test\'s expectation)', () => {
    const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
    const rows = doc.split('\n').filter((l) => l.startsWith('| `VIGIL_'));
    expect(rows.join('\n')).toBe(catalogueRows().join('\n'));
  });

  it('holds every code the code base answers with, also those written as plain strings', () => {
    const used = new Set<string>();
    for (const f of [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'web/src'))]) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:code:\s*|new VigilError\(|deny\(reply,\s*|NotifyError\(|e\.code === )'(VIGIL_[A-Z_]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((c) => !(c in ERROR_CATALOGUE))).toEqual([]);
  });

  it('gives retryable answers 429 or 5xx, and client mistakes 4xx', () => {
    for (const [code, s] of Object.entries(ERROR_CATALOGUE)) {
      if (s.retryable) expect([429, 502, 503], code).toContain(s.status);
      if (/^VIGIL_(INPUT|AUTH)_/.test(code) && code !== 'VIGIL_AUTH_RATE_LIMITED') expect(s.status, code).toBeLessThan(500);
      if (s.exit === 75) expect(s.retryable, code).toBe(true);
    }
  });

  it('sets the CLI exit status: 75 when running it again later may work, 1 otherwise', () => {
    expect(exitStatusOf(new VigilError('VIGIL_BUS_FULL', 'full'))).toBe(75);
    expect(exitStatusOf(new VigilError('VIGIL_STORE_UNAVAILABLE', 'away'))).toBe(75);
    expect(exitStatusOf(new VigilError('VIGIL_INPUT_INVALID', 'bad'))).toBe(1);
    expect(exitStatusOf(new Error('bug'))).toBe(1);
  });
});
