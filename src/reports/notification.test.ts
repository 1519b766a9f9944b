import { describe, expect, it } from 'vitest';
import { HOSTILE, hostileCaseReport, sshBruteForceCaseReport } from './fixtures.js';
import { notificationSubject, renderNotification } from './notification.js';

describe('renderNotification', () => {
  const msg = renderNotification(sshBruteForceCaseReport());

  it('puts severity, case number and title in the subject', () => {
    expect(msg.subject).toBe('[HIGH] Case #3: SSH brute force from 185.220.101.4 on web-01');
  });

  it('tells the analyst what happened, why it is HIGH, what was found and done, and where to read more', () => {
    const t = msg.text;
    expect(t).toContain('What happened\n  Wazuh reported repeated failed SSH logins on web-01');
    expect(t).toContain('Severity: HIGH (score 80)');
    // The three strongest reasons, signed; the rest are counted, not dropped silently.
    expect(t).toContain('+40  rule-level: Wazuh rule 5712 at level 10 of 15');
    expect(t).toContain('+30  intel: 185.220.101.4 is malicious according to local-feeds (score 90)');
    expect(t).toContain('(2 more in the report)');
    expect(t).toContain('ipv4 185.220.101.4: malicious (risk 90) [local-feeds malicious 90]');
    expect(t).toContain('ipv4 10.0.1.15 (private)');
    expect(t).toMatch(/SIMULATED {2}block-ip 185\.220\.101\.4: dev-safe default/);
    expect(t).toMatch(/REFUSED {4}isolate-host web-01: host web-01 is allowlisted/);
    expect(t).toContain('Full report: reports/case-0003.html');
    expect(t).toContain('Markdown:    reports/case-0003.md');
    expect(t).not.toContain('RAW-PROVIDER-ANSWER');
  });

  it('links the case in Vigil when a public address is configured', () => {
    const m = renderNotification({ ...sshBruteForceCaseReport(), url: 'https://vigil.example.org/cases/3' });
    expect(m.text).toContain('\nIn Vigil:    https://vigil.example.org/cases/3\nFull report: reports/case-0003.html\n');
    expect(m.html).toContain('In Vigil: <a href="https://vigil.example.org/cases/3" style="color:#1d4ed8;">https://vigil.example.org/cases/3</a>');
    expect(msg.text).not.toContain('In Vigil');
  });

  it('points at the report files the pipeline names', () => {
    const r = sshBruteForceCaseReport();
    r.reportFiles = { html: 'vigil-out/reports/case-0003.html', markdown: 'vigil-out/reports/case-0003.md' };
    const m = renderNotification(r);
    expect(m.text).toContain('Full report: vigil-out/reports/case-0003.html');
    expect(m.html).toContain('vigil-out/reports/case-0003.html');
  });

  it('has an email-safe HTML body: inline styles only, nothing loaded, same content', () => {
    expect(msg.html).toMatch(/^<!DOCTYPE html>/);
    expect(msg.html).not.toMatch(/<style|<script|<link|<img|\bclass=|\bsrc=/i);
    expect(msg.html).toContain('SSH brute force from 185.220.101.4 on web-01');
    expect(msg.html).toContain('>+40</td>');
    expect(msg.html).toContain('>REFUSED</td>');
    expect(msg.html).toContain('host web-01 is allowlisted');
    expect(msg.html).toContain('reports/case-0003.html');
  });

  it('says None when there is nothing to list', () => {
    const r = sshBruteForceCaseReport();
    r.assessment.reasons = []; r.observables = []; r.actions = [];
    const m = renderNotification(r);
    expect(m.text).toContain('Severity: HIGH (score 80)\n  None');
    expect(m.text).toContain('Key observables\n  None');
    expect(m.text).toContain('Actions\n  None');
    expect(m.html.match(/>None<\/p>/g)).toHaveLength(3);
  });

  it('escapes hostile values in the HTML body and keeps the subject on one bounded line', () => {
    const r = hostileCaseReport();
    r.case.title = `${HOSTILE.script}\r\nBcc: victim@example.com ${'x'.repeat(400)}`;
    const m = renderNotification(r);
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject.startsWith('[HIGH] Case #3: <script>alert(1)</script> Bcc: victim@example.com')).toBe(true);
    expect(Array.from(m.subject).length).toBeLessThanOrEqual(160);
    expect(m.html).not.toMatch(/<script|<img/i);
    expect(m.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(m.html).toContain('http://evil.example/&lt;script&gt;');
    expect(m.text).not.toMatch(/\r/);
  });

  it('shows terminal escapes and invisible characters from the text body as their escapes', () => {
    const r = sshBruteForceCaseReport();
    r.case.title = 'login \u001b[2Jcleared as invoice\u202Efdp.exe';
    expect(notificationSubject(r)).toBe('[HIGH] Case #3: login \\u001B[2Jcleared as invoice\\u202Efdp.exe');
  });
});
