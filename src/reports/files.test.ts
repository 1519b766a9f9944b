import { describe, expect, it } from 'vitest';
import { VigilError } from '../core/errors.js';
import { reportFileName } from './files.js';
import { sshBruteForceCaseReport } from './fixtures.js';

describe('reportFileName', () => {
  it('names reports after the zero-padded case number', () => {
    const r = sshBruteForceCaseReport();
    expect(reportFileName(r)).toBe('case-0003.html');
    expect(reportFileName(r, 'html')).toBe('case-0003.html');
    expect(reportFileName(r, 'md')).toBe('case-0003.md');
    expect(reportFileName({ case: { number: 12345 } }, 'md')).toBe('case-12345.md');
  });

  it('ignores the title, so a hostile one cannot reach the file system', () => {
    const r = sshBruteForceCaseReport();
    r.case.title = '../../etc/passwd';
    expect(reportFileName(r)).toBe('case-0003.html');
  });

  it('refuses a case number that cannot name a file', () => {
    for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => reportFileName({ case: { number: n } })).toThrow(VigilError);
    }
  });
});
