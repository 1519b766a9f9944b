import { VigilError } from '../core/errors.js';

/** The report formats written to disk. */
export type ReportFormat = 'html' | 'md';

/**
 * The file name of a case's report: `case-0003.html`, `case-0003.md`. Derived from the case number
 * only, so re-running the pipeline overwrites the same file instead of adding another, and a
 * hostile case title can never reach the file system. Numbers beyond 9999 simply grow wider.
 */
export function reportFileName(report: { case: { number: number } }, format: ReportFormat = 'html'): string {
  const n = report.case.number;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new VigilError('VIGIL_INTERNAL', `case number must be a non-negative integer to name its report, got ${String(n)}`, {
      field: 'case.number',
    });
  }
  if (format !== 'html' && format !== 'md') {
    throw new VigilError('VIGIL_INTERNAL', `unknown report format "${String(format)}"; expected html or md`, { field: 'format' });
  }
  return `case-${String(n).padStart(4, '0')}.${format}`;
}
