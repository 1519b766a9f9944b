import { Eta } from 'eta/core';
import { escapeMarkup } from '../core/text.js';
import { NOTIFICATION_HTML_TEMPLATE } from './templates/notification-html.js';
import { REPORT_HTML_TEMPLATE } from './templates/report-html.js';

// Templates live in .ts modules as strings rather than .eta files: tsx, vitest and a future tsc
// build all resolve them through ordinary imports, no file has to be copied next to compiled
// output, and nothing depends on the process's working directory. `eta/core` is the build without
// file loading, so a template name can never be turned into a path read from disk.

/** Template names, `@`-prefixed as eta expects for templates registered by name. */
export const TEMPLATES = {
  reportHtml: '@report-html',
  notificationHtml: '@notification-html',
} as const;

let engine: Eta | undefined;

/** The shared, lazily built engine with every report template compiled once. */
export function getEngine(): Eta {
  if (engine) return engine;
  const eta = new Eta({
    // Every `<%= %>` is XML-escaped (& < > " '), which covers element text and quoted attributes,
    // the only two contexts the templates interpolate into.
    autoEscape: true,
    // …and control, bidi and invisible characters are shown as \uXXXX, never rendered.
    escapeFunction: escapeMarkup,
    useWith: false,
    varName: 'it',
    cache: true,
    autoTrim: [false, 'nl'],
  });
  eta.loadTemplate(TEMPLATES.reportHtml, REPORT_HTML_TEMPLATE);
  eta.loadTemplate(TEMPLATES.notificationHtml, NOTIFICATION_HTML_TEMPLATE);
  engine = eta;
  return eta;
}
