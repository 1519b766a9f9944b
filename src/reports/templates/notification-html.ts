// Eta template for the notification's HTML body. Mail clients strip <style> blocks and ignore
// most layout CSS, so this uses a single-column table and inline styles only; colours come from
// fixed maps in notification.ts, never from data. Every interpolation is escaped (`<%= %>`).

export const NOTIFICATION_HTML_TEMPLATE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.subject %></title>
</head>
<body style="margin:0;padding:0;background:#ffffff;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">
<tr><td style="padding:16px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;max-width:600px;width:100%;font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5;color:#111827;border:1px solid #e5e7eb;border-top:4px solid <%= it.colour %>;">
<tr><td style="padding:16px 20px 8px;">
  <span style="display:inline-block;padding:2px 10px;border:2px solid <%= it.colour %>;color:<%= it.colour %>;font-weight:bold;font-size:12px;letter-spacing:1px;"><%= it.v.severity %></span>
  <span style="color:#6b7280;font-size:12px;">&nbsp;<%= it.v.caseLabel %> · score <%= it.v.assessment.score %> · <%= it.v.status %></span>
  <h1 style="margin:8px 0 0;font-size:18px;line-height:1.3;font-weight:bold;"><%= it.v.title || '(untitled case)' %></h1>
</td></tr>
<tr><td style="padding:8px 20px;">
  <p style="margin:0;"><%= it.v.summary || 'No summary.' %></p>
</td></tr>
<tr><td style="padding:8px 20px;">
  <p style="margin:0 0 4px;font-weight:bold;">Why <%= it.v.severity %></p>
<% if (it.reasons.length === 0) { %>
  <p style="margin:0;color:#6b7280;">None</p>
<% } else { %>
  <table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:13px;">
<% for (const r of it.reasons) { %>
    <tr><td style="padding:1px 10px 1px 0;font-family:Consolas,Menlo,monospace;font-weight:bold;text-align:right;vertical-align:top;white-space:nowrap;"><%= r.delta %></td><td style="padding:1px 0;"><strong><%= r.factor %></strong>: <%= r.detail %></td></tr>
<% } %>
  </table>
<% } %>
</td></tr>
<tr><td style="padding:8px 20px;">
  <p style="margin:0 0 4px;font-weight:bold;">Key observables</p>
<% if (it.observables.length === 0) { %>
  <p style="margin:0;color:#6b7280;">None</p>
<% } else { %>
  <table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:13px;">
<% for (const o of it.observables) { %>
    <tr><td style="padding:1px 10px 1px 0;color:#6b7280;vertical-align:top;white-space:nowrap;"><%= o.type %></td><td style="padding:1px 10px 1px 0;font-family:Consolas,Menlo,monospace;word-break:break-all;vertical-align:top;"><%= o.value %></td><td style="padding:1px 0;vertical-align:top;white-space:nowrap;"><span style="font-weight:bold;color:<%= o.colour %>;"><%= o.verdict %></span><% if (o.score) { %> (<%= o.score %>)<% } %></td></tr>
<% } %>
  </table>
<% if (it.moreObservables > 0) { %>
  <p style="margin:2px 0 0;color:#6b7280;font-size:12px;">and <%= it.moreObservables %> more in the report</p>
<% } %>
<% } %>
</td></tr>
<% if (it.v.approvals.length) { %>
<tr><td style="padding:8px 20px;background:#fffbeb;">
  <p style="margin:0 0 4px;font-weight:bold;">Waiting for approval</p>
<% for (const a of it.v.approvals) { %>
  <p style="margin:0 0 6px;font-size:13px;"><strong><%= a.action || a.step %></strong><% if (a.targets.length) { %> on <span style="font-family:Consolas,Menlo,monospace;"><%= a.targets.join(', ') %></span><% } %> (step <%= a.step %> of <%= a.playbook %>), until <%= a.expiresAt %><br><span style="color:#4b5563;"><%= a.message %></span><br><span style="color:#4b5563;">Decide in Vigil<% if (it.v.caseUrl) { %> (<a href="<%= it.v.caseUrl %>" style="color:#1d4ed8;"><%= it.v.caseUrl %></a>)<% } %> or: <span style="font-family:Consolas,Menlo,monospace;"><%= a.decide %></span></span></p>
<% } %>
</td></tr>
<% } %>
<tr><td style="padding:8px 20px;">
  <p style="margin:0 0 4px;font-weight:bold;">Actions</p>
<% if (it.v.actions.length === 0) { %>
  <p style="margin:0;color:#6b7280;">None</p>
<% } else { %>
  <table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:13px;">
<% for (const a of it.v.actions) { %>
    <tr><td style="padding:1px 10px 1px 0;font-weight:bold;vertical-align:top;white-space:nowrap;color:<%= it.statusColour(a.status) %>;"><%= a.status.toUpperCase() %></td><td style="padding:1px 0;vertical-align:top;"><%= a.action %> <span style="font-family:Consolas,Menlo,monospace;"><%= a.target %></span><% if (a.reason) { %><span style="color:#4b5563;">: <%= a.reason %></span><% } %></td></tr>
<% } %>
  </table>
<% } %>
</td></tr>
<tr><td style="padding:8px 20px 16px;font-size:13px;color:#4b5563;border-top:1px solid #e5e7eb;">
  <%= it.counts %><br>
<% if (it.v.caseUrl) { %>
  In Vigil: <a href="<%= it.v.caseUrl %>" style="color:#1d4ed8;"><%= it.v.caseUrl %></a><br>
<% } %>
  Full report: <span style="font-family:Consolas,Menlo,monospace;"><%= it.reportHtml %></span><% if (it.reportMd) { %> (Markdown: <span style="font-family:Consolas,Menlo,monospace;"><%= it.reportMd %></span>)<% } %>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
