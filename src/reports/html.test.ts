import { describe, expect, it } from 'vitest';
import { HOSTILE, hostileCaseReport, sshBruteForceCaseReport } from './fixtures.js';
import { renderReportHtml } from './html.js';
import type { CaseReport } from './model.js';

// What a reader sees: tags gone, entities decoded, whitespace collapsed.
function visibleText(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

function emptyReport(): CaseReport {
  const r = sshBruteForceCaseReport();
  r.case.summary = '';
  r.assessment.reasons = [];
  r.timeline = [];
  r.alerts = [];
  r.observables = [];
  r.actions = [];
  r.tasks = [];
  r.mitre = [];
  return r;
}

describe('renderReportHtml', () => {
  const html = renderReportHtml(sshBruteForceCaseReport());
  const text = visibleText(html);

  it('is one self-contained document that loads nothing and runs nothing', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|\bsrc=/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    for (const href of hrefs) expect(href).toMatch(/^(#[a-z]+|https:\/\/attack\.mitre\.org\/techniques\/T\d{4}\/)$/);
  });

  it('links the case in Vigil when a public address is configured, and never a non-http(s) one', () => {
    const linked = renderReportHtml({ ...sshBruteForceCaseReport(), url: 'https://vigil.example.org/cases/3' });
    expect(linked).toContain('<dt>In Vigil</dt><dd><a href="https://vigil.example.org/cases/3">https://vigil.example.org/cases/3</a></dd>');
    expect(html).not.toContain('In Vigil');
    for (const url of ['javascript:alert(1)', 'https://x.example/"onmouseover="alert(1)', 'data:text/html,x']) {
      expect(renderReportHtml({ ...sshBruteForceCaseReport(), url })).not.toContain('In Vigil');
    }
  });

  it('prints well: print rules, page-break rules and no dark badge backgrounds on paper', () => {
    expect(html).toContain('@media print');
    expect(html).toMatch(/break-inside: avoid/);
    expect(html).toMatch(/thead \{ display: table-header-group; \}/);
    const print = html.slice(html.indexOf('@media print'));
    expect(print).toMatch(/\.badge \{ background: #fff;/);
    expect(print).toMatch(/body \{ background: #fff;/);
  });

  it('shows the header: case number, title, severity badge, status and times', () => {
    expect(html).toContain('<title>Case #3 [HIGH] SSH brute force from 185.220.101.4 on web-01</title>');
    expect(text).toContain('Case #3 · SSH brute force from 185.220.101.4 on web-01');
    expect(html).toContain('<span class="badge big sev-HIGH" title="Severity">HIGH</span>');
    expect(text).toContain('Status New');
    expect(text).toContain('Created 2025-03-14 09:12:04 UTC');
    expect(text).toContain('Updated 2025-03-14 09:14:00 UTC');
  });

  it('has every section heading in reading order', () => {
    const headings = [...html.matchAll(/<h2>([^<]*)/g)].map((m) => m[1]!.trim());
    expect(headings).toEqual([
      'Summary', 'Severity and reasons', 'Timeline', 'Alerts', 'Observables and enrichment',
      'Actions taken or refused', 'Tasks', 'MITRE ATT&amp;CK techniques',
    ]);
  });

  it('lists severity reasons with signed points and the final score and band', () => {
    expect(text).toContain('rule-level Wazuh rule 5712 at level 10 of 15 +40');
    expect(text).toContain('no authentication_success in the case: no evidence the attempts worked -5');
    expect(html).toContain('<td class="num delta down">-5</td>');
    expect(text).toContain('Final score and band (reasons sum to +80) 80 HIGH');
  });

  it('shows the alerts, timeline and tasks', () => {
    expect(text).toContain('sshd: brute force trying to get access to the system. Non existent user. 5712 level 10 web-01 wazuh 1741943638.1060342 HIGH score 80');
    expect(text).toContain('2025-03-14 09:13:59 UTC action.refused isolate-host web-01 refused: host is allowlisted');
    expect(text).toContain('Check web-01 auth logs for a successful login from 185.220.101.4');
    expect(text).toContain('Confirm the block of 185.220.101.4 on the perimeter firewall');
  });

  it('shows each enriched observable with scope, unified risk and per-provider verdict, score and evidence', () => {
    expect(text).toContain('ipv4 185.220.101.4 scope: public role: src risk malicious 90 /100');
    expect(text).toContain('local-feeds malicious 90 185.220.101.4 is listed in feed blocklist-ssh');
    expect(text).toContain('first seen 2025-03-10 00:00:00 UTC · last seen 2025-03-14 06:00:00 UTC');
    expect(text).toContain('ipv4 10.0.1.15 private dst private address, not looked up');
  });

  it('keeps raw provider answers out', () => {
    expect(html).not.toContain('RAW-PROVIDER-ANSWER');
  });

  it('shows the simulated action and the refused one with its reason and artifact', () => {
    expect(text).toContain('simulated block-ip playbook high-severity 185.220.101.4');
    expect(html).toContain('<tr class="refused">');
    expect(text).toContain('refused isolate-host playbook high-severity web-01 host web-01 is allowlisted');
    expect(text).toContain('actions/case-0003-isolate-host-web-01.json');
  });

  it('links MITRE techniques to attack.mitre.org as plain links', () => {
    expect(html).toContain('<a href="https://attack.mitre.org/techniques/T1110/" rel="noopener noreferrer">T1110</a>');
    expect(text).toContain('T1110 Credential Access Brute Force');
  });

  it('says None for empty sections instead of dropping them', () => {
    const empty = renderReportHtml(emptyReport());
    expect(empty.match(/<p class="none">None<\/p>/g)).toHaveLength(8);
    expect(empty).toContain('<h2>Actions taken or refused');
    expect(visibleText(empty)).toContain('Final score and band 80 HIGH');
  });

  it('escapes hostile alert titles, observable values and every other field', () => {
    const hostile = renderReportHtml(hostileCaseReport());
    expect(hostile).not.toMatch(/<script/i);
    expect(hostile).not.toMatch(/<img/i);
    expect(hostile).not.toContain('<b>g</b>');
    expect(hostile).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(hostile).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    // The observable value is shown whole, as text.
    expect(visibleText(hostile)).toContain(`http://evil.example/${HOSTILE.script}?q=|x|&y=\`z\``);
    expect(hostile).not.toContain('href="javascript');
    expect(visibleText(hostile)).toContain('javascript:alert(3)');
    expect(hostile).not.toContain('second line\r');
  });
});
