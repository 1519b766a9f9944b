// The report's only stylesheet, inlined into every HTML report so the file stands alone (mail it,
// attach it to a ticket, open it offline). System fonts only: a report must load nothing.

/** Severity colours, shared with the notification so a HIGH looks the same everywhere. */
export const SEVERITY_COLOURS = {
  LOW: '#1d4ed8',
  MEDIUM: '#b45309',
  HIGH: '#c2410c',
  CRITICAL: '#991b1b',
} as const;

export const REPORT_CSS = `
:root {
  --ink: #111827; --muted: #4b5563; --faint: #6b7280; --line: #e5e7eb; --panel: #f9fafb;
  --sev-LOW: ${SEVERITY_COLOURS.LOW}; --sev-MEDIUM: ${SEVERITY_COLOURS.MEDIUM};
  --sev-HIGH: ${SEVERITY_COLOURS.HIGH}; --sev-CRITICAL: ${SEVERITY_COLOURS.CRITICAL};
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; padding: 32px 16px; background: #eef0f3; color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.report {
  max-width: 1080px; margin: 0 auto; background: #fff; border: 1px solid var(--line);
  border-top: 6px solid var(--sev); border-radius: 6px; padding: 28px 36px 20px;
  box-shadow: 0 1px 3px rgba(0,0,0,.06);
}
.sev-LOW { --sev: var(--sev-LOW); } .sev-MEDIUM { --sev: var(--sev-MEDIUM); }
.sev-HIGH { --sev: var(--sev-HIGH); } .sev-CRITICAL { --sev: var(--sev-CRITICAL); }
.kicker { font-size: 12px; letter-spacing: .08em; text-transform: uppercase; color: var(--faint); font-weight: 600; }
.title-row { display: flex; align-items: flex-start; justify-content: space-between; gap: 16px; margin: 6px 0 16px; }
h1 { font-size: 24px; line-height: 1.3; margin: 0; overflow-wrap: anywhere; }
h1 .case-no { color: var(--muted); font-weight: 600; }
h2 {
  font-size: 17px; margin: 30px 0 10px; padding-bottom: 6px; border-bottom: 2px solid var(--line);
  display: flex; align-items: baseline; gap: 10px;
}
h2 .count { font-size: 12px; font-weight: 600; color: var(--faint); }
h3 { font-size: 14px; margin: 0; }
h3.sub { margin: 16px 0 6px; color: var(--muted); display: flex; gap: 8px; align-items: baseline; }
h3.sub .count { font-size: 12px; color: var(--faint); }
p { margin: 0 0 10px; }
a { color: #1d4ed8; }
.badge {
  display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 700;
  letter-spacing: .04em; white-space: nowrap; color: #fff; background: var(--sev); border: 1px solid var(--sev);
}
.badge.big { font-size: 15px; padding: 5px 16px; }
.meta {
  display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px 24px;
  margin: 0 0 12px; padding: 12px 16px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px;
}
.meta dt { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--faint); font-weight: 600; }
.meta dd { margin: 2px 0 0; overflow-wrap: anywhere; }
.tags { margin: 0 0 8px; }
.tag { display: inline-block; margin: 0 6px 4px 0; padding: 1px 8px; border: 1px solid var(--line); border-radius: 4px; font-size: 12px; color: var(--muted); background: #fff; }
.toc { font-size: 13px; color: var(--muted); margin-top: 6px; }
.toc a { color: var(--muted); margin-right: 12px; }
.summary { font-size: 15px; white-space: pre-line; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 10px; margin: 10px 0 0; padding: 0; list-style: none; }
.facts li { padding: 4px 10px; border: 1px solid var(--line); border-radius: 4px; background: var(--panel); font-size: 13px; }
.facts strong { font-size: 14px; }
table { width: 100%; border-collapse: collapse; margin: 4px 0 8px; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
thead th { background: var(--panel); font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); border-bottom: 1px solid #d1d5db; }
tfoot th, tfoot td { border-top: 2px solid #d1d5db; border-bottom: 0; font-weight: 600; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.nowrap { white-space: nowrap; }
.mono, code { font-family: var(--mono); font-size: 12.5px; overflow-wrap: anywhere; word-break: break-word; }
.wrap { overflow-wrap: anywhere; }
.muted { color: var(--faint); }
.none { color: var(--faint); font-style: italic; margin: 4px 0 8px; }
.delta { font-weight: 700; font-family: var(--mono); }
.delta.up { color: #b91c1c; } .delta.down { color: #15803d; } .delta.zero { color: var(--faint); }
.final { display: inline-flex; align-items: center; gap: 8px; }
.note { font-size: 12px; color: var(--faint); font-weight: 400; }
.pill { display: inline-block; padding: 0 7px; border-radius: 4px; font-size: 12px; font-weight: 600; white-space: nowrap; border: 1px solid; }
.v-malicious { color: #991b1b; background: #fee2e2; border-color: #fca5a5; }
.v-suspicious { color: #92400e; background: #fef3c7; border-color: #fcd34d; }
.v-safe { color: #166534; background: #dcfce7; border-color: #86efac; }
.v-info { color: #1e40af; background: #dbeafe; border-color: #93c5fd; }
.v-unknown { color: #374151; background: #f3f4f6; border-color: #d1d5db; }
.s-simulated { color: #1e40af; background: #dbeafe; border-color: #93c5fd; }
.s-executed { color: #166534; background: #dcfce7; border-color: #86efac; }
.s-refused { color: #92400e; background: #fef3c7; border-color: #fcd34d; }
.s-failed { color: #991b1b; background: #fee2e2; border-color: #fca5a5; }
.s-joined { color: #5b21b6; background: #ede9fe; border-color: #c4b5fd; }
.s-skipped, .s-other { color: #374151; background: #f3f4f6; border-color: #d1d5db; }
tr.refused td, tr.failed td { background: #fffbeb; }
.sev-text { font-weight: 700; color: var(--sev); }
.obs { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 12px; overflow: hidden; }
.obs-head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; padding: 8px 12px; background: var(--panel); border-bottom: 1px solid var(--line); }
.obs-head .value { font-family: var(--mono); font-weight: 700; font-size: 13.5px; overflow-wrap: anywhere; word-break: break-word; }
.obs-head .type { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; font-weight: 700; color: var(--muted); border: 1px solid #d1d5db; border-radius: 3px; padding: 0 5px; background: #fff; }
.obs-head .attr { font-size: 12px; color: var(--muted); }
.obs-head .risk { margin-left: auto; font-size: 12px; color: var(--muted); }
.obs table { margin: 0; }
.obs .none { padding: 6px 12px; margin: 0; }
.obs td:first-child, .obs th:first-child { padding-left: 12px; }
ul.evidence { margin: 0; padding-left: 16px; }
ul.evidence li { overflow-wrap: anywhere; }
.task-desc { color: var(--muted); white-space: pre-line; font-size: 12.5px; }
footer { margin-top: 28px; padding-top: 10px; border-top: 1px solid var(--line); font-size: 12px; color: var(--faint); }
@media (max-width: 720px) {
  body { padding: 0; }
  .report { border-radius: 0; padding: 18px 14px; }
  .title-row { flex-direction: column; }
  table { font-size: 12px; }
}
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { background: #fff; padding: 0; font-size: 9.5pt; }
  .report { max-width: none; border: 0; border-top: 4pt solid var(--sev); border-radius: 0; box-shadow: none; padding: 8pt 0 0; }
  .toc { display: none; }
  .badge { background: #fff; color: var(--sev); border: 1.5pt solid var(--sev); }
  .meta, .facts li, thead th, .obs-head { background: #fff; }
  tr.refused td, tr.failed td { background: #fff; }
  .pill, .delta { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; page-break-after: avoid; margin-top: 18pt; }
  h2 + * { break-before: avoid; page-break-before: avoid; }
  tr, .obs-head, .meta, li { break-inside: avoid; page-break-inside: avoid; }
  .obs { break-inside: avoid-page; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tfoot { display: table-row-group; }
}
`;
