// Untrusted text on its way to a terminal, a Markdown file or an HTML page. An e-mail subject, a
// rejected input line or a file name can carry terminal escapes (ESC [2J clears the screen, OSC 8
// makes links), other control characters, and bidi overrides that display `invoice\u202Efdp.exe`
// as "invoiceexe.pdf". They are shown, not obeyed: each becomes its visible `\uXXXX` escape.

// C0 and C1 controls (tab, newline and carriage return are handled by the caller's choice), DEL,
// bidi marks, embeddings, overrides and isolates, zero-width characters, line/paragraph separators, BOM.
const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
const UNSAFE_OR_BREAK = /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const visible = (ch: string): string => NAMED[ch] ?? `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Text with every control, bidi and invisible character shown as its escape (`\u202E`, `\u001B`).
 * With `line`, tabs and line breaks are escaped too (`\n`), so one value stays one line and cannot
 * forge the next one.
 */
export function neutralize(value: unknown, opts: { line?: boolean } = {}): string {
  if (value === undefined || value === null) return '';
  const s = String(value);
  return s.replace(opts.line ? UNSAFE_OR_BREAK : UNSAFE, visible);
}

/** Neutralized and escaped for HTML element text and quoted attributes: the templates' escape. */
export function escapeMarkup(value: unknown): string {
  return neutralize(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
