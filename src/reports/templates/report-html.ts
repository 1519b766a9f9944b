// Eta template for the full HTML report. Data: `it.v` (ReportView), `it.css`, `it.facts`, `it.obs`
// (split observables), `it.statusClass`, `it.notLookedUpNote`. Every interpolation uses `<%= %>` (escaped); the only raw output (`<%~ %>`)
// is the stylesheet, which is a constant of this module, never data.
//
// The CSP meta tag is a second line of defence: even if an escape were ever missed, the browser
// would run no script and fetch nothing.

export const REPORT_HTML_TEMPLATE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Vigil">
<title><%= it.v.caseLabel %> [<%= it.v.severity %>] <%= it.v.title %></title>
<style><%~ it.css %></style>
</head>
<body>
<main class="report sev-<%= it.v.severity %>">
<header>
  <div class="kicker">Vigil · Incident report</div>
  <div class="title-row">
    <h1><span class="case-no"><%= it.v.caseLabel %></span> · <%= it.v.title || '(untitled case)' %></h1>
    <span class="badge big sev-<%= it.v.severity %>" title="Severity"><%= it.v.severity %></span>
  </div>
  <dl class="meta">
    <div><dt>Severity</dt><dd><span class="sev-text"><%= it.v.severity %></span> · score <%= it.v.assessment.score %></dd></div>
    <div><dt>Status</dt><dd><%= it.v.status || '—' %></dd></div>
    <div><dt>Created</dt><dd><%= it.v.createdAt || '—' %></dd></div>
    <div><dt>Updated</dt><dd><%= it.v.updatedAt || '—' %></dd></div>
    <div><dt>Case ID</dt><dd class="mono"><%= it.v.caseId || '—' %></dd></div>
<% if (it.v.caseUrl) { %>
    <div><dt>In Vigil</dt><dd><a href="<%= it.v.caseUrl %>"><%= it.v.caseUrl %></a></dd></div>
<% } %>
    <div><dt>Report generated</dt><dd><%= it.v.generatedAt || '—' %></dd></div>
  </dl>
<% if (it.v.tags.length) { %>
  <div class="tags"><% for (const t of it.v.tags) { %><span class="tag"><%= t %></span><% } %></div>
<% } %>
  <nav class="toc" aria-label="Contents">
    <a href="#summary">Summary</a><a href="#severity">Severity</a><a href="#timeline">Timeline</a><a href="#alerts">Alerts</a><a href="#observables">Observables</a><a href="#actions">Actions</a><a href="#tasks">Tasks</a><a href="#mitre">MITRE ATT&amp;CK</a>
  </nav>
</header>

<section id="summary">
  <h2>Summary</h2>
<% if (it.v.summary) { %>
  <p class="summary"><%= it.v.summary %></p>
<% } else { %>
  <p class="none">None</p>
<% } %>
  <ul class="facts">
<% for (const f of it.facts) { %>
    <li><strong><%= f.value %></strong> <%= f.label %></li>
<% } %>
  </ul>
</section>

<section id="severity">
  <h2>Severity and reasons</h2>
<% if (it.v.assessment.reasons.length === 0) { %>
  <p class="none">None</p>
<% } %>
  <table class="reasons">
    <thead><tr><th>Factor</th><th>Detail</th><th class="num">Points</th></tr></thead>
<% if (it.v.assessment.reasons.length) { %>
    <tbody>
<% for (const r of it.v.assessment.reasons) { %>
      <tr><td class="nowrap"><%= r.factor %></td><td class="wrap"><%= r.detail %></td><td class="num delta <%= r.tone %>"><%= r.delta %></td></tr>
<% } %>
    </tbody>
<% } %>
    <tfoot><tr><th colspan="2">Final score and band<% if (it.v.assessment.reasons.length) { %> <span class="note">(reasons sum to <%= it.v.assessment.reasonTotal %>)</span><% } %></th>
      <td class="num"><span class="final"><%= it.v.assessment.score %> <span class="badge sev-<%= it.v.assessment.severity %>"><%= it.v.assessment.severity %></span></span></td></tr></tfoot>
  </table>
</section>

<section id="timeline">
  <h2>Timeline <span class="count"><%= it.v.totals.timeline %></span></h2>
<% if (it.notes.timeline) { %>  <p class="muted"><%= it.notes.timeline %></p>
<% } %>
<% if (it.v.timeline.length === 0) { %>
  <p class="none">None</p>
<% } else { %>
  <table>
    <thead><tr><th>Time</th><th>Event</th><th>Details</th><th>By</th></tr></thead>
    <tbody>
<% for (const t of it.v.timeline) { %>
      <tr><td class="nowrap"><%= t.at %></td><td class="nowrap"><%= t.kind %></td><td class="wrap"><%= t.message %></td><td class="nowrap"><%= t.actor %></td></tr>
<% } %>
    </tbody>
  </table>
<% } %>
</section>

<section id="alerts">
  <h2>Alerts <span class="count"><%= it.v.totals.alerts %></span></h2>
<% if (it.notes.alerts) { %>  <p class="muted"><%= it.notes.alerts %></p>
<% } %>
<% if (it.v.alerts.length === 0) { %>
  <p class="none">None</p>
<% } else { %>
  <table>
    <thead><tr><th>Time</th><th>Title</th><th>Rule</th><th>Host</th><th>Source</th><th class="num">Severity</th></tr></thead>
    <tbody>
<% for (const a of it.v.alerts) { %>
      <tr>
        <td class="nowrap"><%= a.time %></td>
        <td class="wrap"><%= a.title %></td>
        <td class="nowrap"><span class="mono"><%= a.ruleId %></span> <span class="muted">level <%= a.ruleLevel %></span></td>
        <td class="wrap"><%= a.host %></td>
        <td class="wrap"><%= a.source %><br><span class="mono muted"><%= a.sourceRef %></span></td>
        <td class="num"><span class="badge sev-<%= a.severity %>"><%= a.severity %></span><br><span class="muted">score <%= a.score %></span></td>
      </tr>
<% } %>
    </tbody>
  </table>
<% } %>
</section>

<section id="observables">
  <h2>Observables and enrichment <span class="count"><%= it.v.totals.observables %></span></h2>
<% if (it.notes.observables) { %>  <p class="muted"><%= it.notes.observables %></p>
<% } %>
<% if (it.v.observables.length === 0) { %>
  <p class="none">None</p>
<% } %>
<% for (const o of it.obs.enriched) { %>
  <article class="obs">
    <div class="obs-head">
      <span class="type"><%= o.type %></span>
      <span class="value"><%= o.value %></span>
<% if (o.scope) { %>      <span class="attr">scope: <%= o.scope %></span>
<% } %>
<% if (o.role) { %>      <span class="attr">role: <%= o.role %></span>
<% } %>
<% if (o.found) { %>      <span class="attr">found: <%= o.found %></span>
<% } %>
      <span class="risk">risk <% if (o.risk) { %><span class="pill v-<%= o.risk.verdict %>"><%= o.risk.verdict %></span> <strong><%= o.risk.score %></strong>/100<% } else { %><span class="pill v-unknown">not assessed</span><% } %></span>
    </div>
<% if (o.intel.length === 0) { %>
    <p class="none">No provider results</p>
<% } else { %>
    <table>
      <thead><tr><th>Provider</th><th>Verdict</th><th class="num">Score</th><th>Evidence</th></tr></thead>
      <tbody>
<% for (const r of o.intel) { %>
        <tr>
          <td class="nowrap"><%= r.provider %></td>
          <td><span class="pill v-<%= r.verdict %>"><%= r.verdict %></span></td>
          <td class="num"><%= r.score %></td>
          <td>
<% if (r.evidence.length) { %>
            <ul class="evidence"><% for (const e of r.evidence) { %><li><%= e %></li><% } %></ul>
<% } else { %>
            <span class="muted">no evidence lines</span>
<% } %>
<% if (r.tags.length) { %>            <div class="muted">tags: <%= r.tags.join(', ') %></div>
<% } %>
<% if (r.seen) { %>            <div class="muted"><%= r.seen %></div>
<% } %>
<% if (r.degraded) { %>            <div class="muted">degraded answer: <%= r.degraded %></div>
<% } %>
          </td>
        </tr>
<% } %>
      </tbody>
    </table>
<% } %>
  </article>
<% } %>
<% if (it.obs.plain.length) { %>
  <h3 class="sub">Not enriched <span class="count"><%= it.obs.plain.length %></span></h3>
  <table>
    <thead><tr><th>Type</th><th>Value</th><th>Scope</th><th>Role</th><th>Intelligence</th></tr></thead>
    <tbody>
<% for (const o of it.obs.plain) { %>
      <tr><td class="nowrap"><%= o.type %></td><td class="mono"><%= o.value %></td><td><%= o.scope || '—' %></td><td><%= o.role || '—' %></td><td class="muted"><%= it.notLookedUpNote(o) %></td></tr>
<% } %>
    </tbody>
  </table>
<% } %>
</section>

<% if (it.v.approvals.length) { %>
<section id="approvals" class="approvals">
  <h2>Waiting for approval <span class="count"><%= it.v.approvals.length %></span></h2>
  <ul>
<% for (const a of it.v.approvals) { %>
    <li><strong><%= a.action || a.step %></strong><% if (a.targets.length) { %> on <span class="mono"><%= a.targets.join(', ') %></span><% } %> — step <%= a.step %> of playbook <%= a.playbook %>, asked <%= a.requestedAt %>, expires <%= a.expiresAt %>.<br><%= a.message %><br><span class="muted">Decide in Vigil<% if (it.v.caseUrl) { %> (<a href="<%= it.v.caseUrl %>"><%= it.v.caseUrl %></a>)<% } %> or: <span class="mono"><%= a.decide %></span></span></li>
<% } %>
  </ul>
</section>
<% } %>

<section id="actions">
  <h2>Actions taken or refused <span class="count"><%= it.v.actions.length %></span></h2>
<% if (it.v.actions.length === 0) { %>
  <p class="none">None</p>
<% } else { %>
  <table>
    <thead><tr><th>Status</th><th>Action</th><th>Target</th><th>Reason</th><th>Artifact</th><th>Time</th></tr></thead>
    <tbody>
<% for (const a of it.v.actions) { const cls = it.statusClass(a.status); %>
      <tr class="<%= cls %>">
        <td><span class="pill s-<%= cls %>"><%= a.status %></span></td>
        <td class="nowrap"><strong><%= a.action %></strong><% if (a.playbook) { %><br><span class="muted">playbook <%= a.playbook %></span><% } %></td>
        <td class="mono"><%= a.target || '—' %></td>
        <td class="wrap"><%= a.reason || '—' %></td>
        <td class="mono"><%= a.artifact || '—' %></td>
        <td class="nowrap"><%= a.at %></td>
      </tr>
<% } %>
    </tbody>
  </table>
<% } %>
</section>

<section id="tasks">
  <h2>Tasks <span class="count"><%= it.v.tasks.length %></span></h2>
<% if (it.v.tasks.length === 0) { %>
  <p class="none">None</p>
<% } else { %>
  <table>
    <thead><tr><th>Status</th><th>Task</th><th>Group</th><th>Created by</th><th>Created</th></tr></thead>
    <tbody>
<% for (const t of it.v.tasks) { %>
      <tr>
        <td class="nowrap"><%= t.status %></td>
        <td class="wrap"><strong><%= t.title %></strong><% if (t.description) { %><div class="task-desc"><%= t.description %></div><% } %></td>
        <td class="nowrap"><%= t.group %></td>
        <td class="nowrap"><%= t.createdBy %></td>
        <td class="nowrap"><%= t.createdAt %></td>
      </tr>
<% } %>
    </tbody>
  </table>
<% } %>
</section>

<section id="mitre">
  <h2>MITRE ATT&amp;CK techniques <span class="count"><%= it.v.mitre.length %></span></h2>
<% if (it.v.mitre.length === 0) { %>
  <p class="none">None</p>
<% } else { %>
  <table>
    <thead><tr><th>ID</th><th>Tactic</th><th>Technique</th></tr></thead>
    <tbody>
<% for (const m of it.v.mitre) { %>
      <tr>
        <td class="nowrap mono"><% if (m.url) { %><a href="<%= m.url %>" rel="noopener noreferrer"><%= m.id %></a><% } else { %><%= m.id %><% } %></td>
        <td><%= m.tactic || '—' %></td>
        <td><%= m.technique || '—' %></td>
      </tr>
<% } %>
    </tbody>
  </table>
<% } %>
</section>

<footer>
  Generated by Vigil at <%= it.v.generatedAt || 'an unknown time' %> for <%= it.v.caseLabel %>.
  Values come from alerts and threat-intelligence providers and are shown as text only; raw provider answers are not included.
</footer>
</main>
</body>
</html>
`;
