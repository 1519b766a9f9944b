// Eta template for the phishing analysis report. Data: `it.r` (PhishReport), `it.v` (the view built
// in report.ts), `it.css`. Every interpolation is `<%= %>` (escaped); the only raw output (`<%~ %>`)
// is the stylesheet, a constant of this module. The message's own HTML appears only as escaped
// source inside <pre>: it is never rendered, so nothing in it can load or run. URLs are shown
// defanged as text, never as links. The CSP meta tag is a second line of defence.

export const PHISH_CSS = `
:root { --ink:#111827; --muted:#4b5563; --line:#e5e7eb; --panel:#f9fafb; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  --clean:#15803d; --suspicious:#b45309; --phishing:#c2410c; --malicious:#991b1b; }
* { box-sizing: border-box; }
body { margin:0; padding:24px 12px; background:#eef0f3; color:var(--ink); font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif; }
main { max-width:1120px; margin:0 auto; background:#fff; border:1px solid var(--line); border-top:6px solid var(--v); border-radius:6px; padding:24px 32px; }
.v-clean { --v: var(--clean); } .v-suspicious { --v: var(--suspicious); } .v-phishing { --v: var(--phishing); } .v-malicious { --v: var(--malicious); }
h1 { font-size:20px; margin:4px 0 8px; overflow-wrap:anywhere; } h2 { font-size:16px; margin:28px 0 8px; border-bottom:1px solid var(--line); padding-bottom:4px; }
.kicker { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.06em; }
.badge { display:inline-block; padding:2px 10px; border:2px solid var(--v); color:var(--v); font-weight:700; border-radius:4px; letter-spacing:.05em; }
.score { font-size:28px; font-weight:700; color:var(--v); margin-left:12px; vertical-align:middle; }
dl.meta { display:grid; grid-template-columns: max-content 1fr; gap:2px 16px; margin:12px 0; }
dl.meta dt { color:var(--muted); } dl.meta dd { margin:0; overflow-wrap:anywhere; }
table { width:100%; border-collapse:collapse; font-size:13px; } th, td { text-align:left; vertical-align:top; padding:5px 8px; border-bottom:1px solid var(--line); }
th { background:var(--panel); font-weight:600; } td.num, th.num { text-align:right; white-space:nowrap; }
.mono, td.mono { font-family:var(--mono); font-size:12px; overflow-wrap:anywhere; word-break:break-all; }
.flag { display:inline-block; background:#fef3c7; color:#92400e; border-radius:3px; padding:0 5px; margin:1px 2px 1px 0; font-size:11px; font-family:var(--mono); }
.flag.bad { background:#fee2e2; color:#991b1b; } .ok { color:var(--clean); font-weight:600; } .fail { color:var(--malicious); font-weight:600; }
.none { color:var(--muted); font-style:italic; } .note { color:var(--muted); font-size:12px; }
pre { background:var(--panel); border:1px solid var(--line); padding:10px; overflow:auto; max-height:480px; font:12px/1.4 var(--mono); white-space:pre-wrap; overflow-wrap:anywhere; }
details summary { cursor:pointer; color:var(--muted); }
.ext { font-weight:600; }
@media print { body { background:#fff; padding:0; } main { border:0; } pre { max-height:none; } }
`;

export const PHISH_HTML_TEMPLATE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-src 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Vigil">
<title>[<%= it.r.verdict %> <%= it.r.score %>] <%= it.v.subject %></title>
<style><%~ it.css %></style>
</head>
<body>
<main class="v-<%= it.r.verdict %>">
<div class="kicker">Vigil · Phishing analysis</div>
<h1><%= it.v.subject %></h1>
<div><span class="badge"><%= it.r.verdict.toUpperCase() %></span><span class="score"><%= it.r.score %><span class="note">% · <%= it.r.category %></span></span></div>
<dl class="meta">
  <dt>From</dt><dd><%= it.v.from %></dd>
  <dt>To</dt><dd><%= it.v.to || '—' %></dd>
  <dt>Date</dt><dd><%= it.r.headers.date || '—' %></dd>
  <dt>File</dt><dd class="mono"><%= it.r.file %> (<%= it.r.size %> bytes)</dd>
  <dt>Report generated</dt><dd><%= it.v.generatedAt %></dd>
</dl>

<h2 id="findings">Verdict and findings <span class="note">(<%= it.r.findings.length %>)</span></h2>
<% if (it.r.findings.length === 0) { %><p class="none">No findings: nothing in this message looked deceptive.</p><% } else { %>
<table>
<thead><tr><th class="num">Points</th><th>Finding</th><th>Why</th><th>Evidence</th></tr></thead>
<tbody>
<% for (const f of it.r.findings) { %>
<tr><td class="num"><%= f.weight > 0 ? '+' + f.weight : f.weight %></td><td class="mono"><%= f.id %></td><td><%= f.message %></td><td class="mono"><%= f.evidence %></td></tr>
<% } %>
</tbody>
<tfoot><tr><th colspan="3">Probability of the fitted model (points are log-odds × 10; structure and wording count too) → verdict, category</th><th class="num"><%= it.r.score %>% → <%= it.r.verdict %>, <%= it.r.category %></th></tr></tfoot>
</table>
<% if (it.r.reasons.length) { %><p class="note">What moved the probability most: <%= it.r.reasons.map((x) => (x.points > 0 ? '+' : '') + x.points + ' ' + x.feature).join(', ') %>.</p><% } %>
<% } %>

<h2 id="headers">Headers</h2>
<table>
<tbody>
<% for (const row of it.v.headerRows) { %>
<tr><th style="width:160px"><%= row[0] %></th><td class="mono"><%= row[1] %></td></tr>
<% } %>
</tbody>
</table>

<h2 id="auth">Authentication</h2>
<p class="note"><%= it.r.auth.verification %></p>
<table>
<thead><tr><th>Method</th><th>Result</th><th>For domain</th><th>Aligned with From</th><th>Detail</th><th>Source</th></tr></thead>
<tbody>
<% if (it.v.authRows.length === 0) { %><tr><td colspan="6" class="none">No Authentication-Results, ARC or Received-SPF headers, and no DKIM signature.</td></tr><% } %>
<% for (const a of it.v.authRows) { %>
<tr><td><%= a.method %></td><td class="<%= a.cls %>"><%= a.result %></td><td class="mono"><%= a.domain %></td><td><%= a.aligned %></td><td class="mono"><%= a.detail %></td><td class="note"><%= a.source %></td></tr>
<% } %>
</tbody>
</table>

<h2 id="hops">Relays <span class="note">(<%= it.r.hops.length %>, oldest first)</span></h2>
<% if (it.r.hops.length === 0) { %><p class="none">No Received headers.</p><% } else { %>
<table>
<thead><tr><th class="num">#</th><th>Time (UTC)</th><th class="num">Delay</th><th>From (HELO / rDNS [IP])</th><th>By</th><th>With</th><th>Notes</th></tr></thead>
<tbody>
<% for (const h of it.r.hops) { %>
<tr<% if (h.firstExternal) { %> class="ext"<% } %>><td class="num"><%= h.index %></td><td class="mono"><%= h.date || '—' %></td><td class="num"><%= it.v.delay(h.delaySeconds) %></td>
<td class="mono"><%= h.helo || h.from || '—' %> / <%= h.rdns || '—' %> [<%= h.ip || '—' %>]</td><td class="mono"><%= h.by || '—' %></td><td class="mono"><%= h.with || '' %></td>
<td><% if (h.firstExternal) { %><span class="flag bad">entry point: sender's server</span><% } %><% if (h.external && !h.firstExternal) { %><span class="flag">sender side</span><% } %><% if (h.scope) { %><span class="flag"><%= h.scope %></span><% } %><% for (const f of h.flags) { %><span class="flag"><%= f %></span><% } %></td></tr>
<% } %>
</tbody>
</table>
<% } %>

<h2 id="links">Links <span class="note">(<%= it.r.links.length %>; shown defanged, not clickable)</span></h2>
<% if (it.r.links.length === 0) { %><p class="none">No links.</p><% } else { %>
<table>
<thead><tr><th>Visible text</th><th>Real target</th><th>Host</th><th>Flags</th></tr></thead>
<tbody>
<% for (const l of it.r.links) { %>
<tr><td><%= l.text || '—' %></td><td class="mono"><%= it.v.defang(l.url) %></td><td class="mono"><%= l.host || '—' %></td><td><% for (const f of l.flags) { %><span class="flag bad"><%= f %></span><% } %><span class="note"><%= l.source %></span></td></tr>
<% } %>
</tbody>
</table>
<% } %>

<h2 id="attachments">Attachments <span class="note">(<%= it.r.attachments.length %>; never opened, only inspected)</span></h2>
<% if (it.r.attachments.length === 0) { %><p class="none">No attachments.</p><% } else { %>
<table>
<thead><tr><th>Name</th><th>Declared</th><th>Detected</th><th class="num">Size</th><th>Hashes</th><th>Flags</th></tr></thead>
<tbody>
<% for (const a of it.r.attachments) { %>
<tr><td class="mono"><%= [...a.path, a.filename].join(' › ') %></td><td class="mono"><%= a.declaredType %></td><td><%= a.detectedType %></td><td class="num"><%= a.size %></td>
<td class="mono">MD5 <%= a.md5 %><br>SHA-1 <%= a.sha1 %><br>SHA-256 <%= a.sha256 %></td>
<td><% for (const f of a.flags) { %><span class="flag bad"><%= f %></span><% } %></td></tr>
<% if (a.entries && a.entries.length) { %>
<tr><td colspan="6"><details><summary><%= a.entries.length %> archive entr<%= a.entries.length === 1 ? 'y' : 'ies' %><%= a.entriesOmitted ? ' (+' + a.entriesOmitted + ' not listed)' : '' %></summary>
<table><thead><tr><th>Entry</th><th class="num">Size</th><th class="num">Packed</th><th>Flags</th></tr></thead><tbody>
<% for (const e of a.entries.slice(0, 200)) { %><tr><td class="mono"><%= e.name %></td><td class="num"><%= e.size %></td><td class="num"><%= e.compressedSize %></td><td><% if (e.encrypted) { %><span class="flag bad">encrypted</span><% } %><% for (const f of e.flags) { %><span class="flag"><%= f %></span><% } %></td></tr><% } %>
</tbody></table></details></td></tr>
<% } %>
<% } %>
</tbody>
</table>
<% } %>

<h2 id="iocs">Indicators</h2>
<% if (it.v.iocRows.length === 0) { %><p class="none">No indicators.</p><% } else { %>
<table><thead><tr><th>Type</th><th>Values</th></tr></thead><tbody>
<% for (const row of it.v.iocRows) { %><tr><td><%= row.type %></td><td class="mono"><%= row.values.join('  ') %></td></tr><% } %>
</tbody></table>
<% } %>

<h2 id="enrichment">Enrichment</h2>
<% if (!it.r.enrichment) { %><p class="none">Not enriched (run with --enrich to look indicators up in the local feeds and configured providers).</p>
<% } else if (it.r.enrichment.length === 0) { %><p class="none">No provider knew any of the indicators.</p>
<% } else { %>
<table><thead><tr><th>Indicator</th><th>Role</th><th>Verdict</th><th class="num">Risk</th><th>Evidence</th></tr></thead><tbody>
<% for (const e of it.r.enrichment) { %><tr><td class="mono"><%= e.type %> <%= it.v.defang(e.value) %></td><td><%= e.role %></td><td class="<%= e.verdict === 'malicious' ? 'fail' : '' %>"><%= e.verdict %></td><td class="num"><%= e.score %></td><td><%= e.evidence.join('; ') %></td></tr><% } %>
</tbody></table>
<% } %>

<h2 id="body">Message body <span class="note">(source, escaped — never rendered)</span></h2>
<% if (it.r.html) { %><details><summary>HTML source (<%= it.r.html.length %> characters)</summary><pre><%= it.r.html %></pre></details><% } %>
<% if (it.r.text) { %><details<% if (!it.r.html) { %> open<% } %>><summary>Text part (<%= it.r.text.length %> characters)</summary><pre><%= it.r.text %></pre></details><% } %>
<% if (!it.r.html && !it.r.text) { %><p class="none">No body.</p><% } %>
</main>
</body>
</html>
`;
