// The report module's public surface: renderers for a case's incident report and notification.
export type { CaseReport, RenderedMessage } from './model.js';
export { assetHosts, REPORT_LIMITS, totalsOf, type CaseTotals } from './model.js';
export { renderReportHtml } from './html.js';
export { renderReportMarkdown } from './markdown.js';
export { renderNotification, notificationSubject } from './notification.js';
export { reportFileName, type ReportFormat } from './files.js';
