import { getEngine, TEMPLATES } from './engine.js';
import type { CaseReport } from './model.js';
import { REPORT_CSS } from './templates/report-css.js';
import { buildView, keyFacts, notLookedUpNote, splitObservables, statusClass, windowNote } from './view.js';

/**
 * Renders one case's incident report as a single self-contained HTML document: inline CSS, no
 * scripts, no external assets (a Content-Security-Policy meta tag forbids loading any), laid out
 * for both screen and print. Every value from the case is HTML-escaped.
 */
export function renderReportHtml(report: CaseReport): string {
  const v = buildView(report);
  return getEngine().render(TEMPLATES.reportHtml, {
    v,
    css: REPORT_CSS,
    facts: keyFacts(v),
    obs: splitObservables(v),
    statusClass,
    notLookedUpNote,
    notes: {
      timeline: windowNote(v.timeline.length, v.totals.timeline, 'timeline'),
      alerts: windowNote(v.alerts.length, v.totals.alerts, 'alerts'),
      observables: windowNote(v.observables.length, v.totals.observables, 'observables'),
    },
  });
}
