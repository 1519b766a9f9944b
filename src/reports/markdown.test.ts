import { describe, expect, it } from 'vitest';
import { HOSTILE, hostileCaseReport, sshBruteForceCaseReport } from './fixtures.js';
import { mdBlock, mdCell, mdCode, mdInline, renderReportMarkdown } from './markdown.js';

// GFM splits a table row on pipes that are not backslash-escaped.
function cells(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim());
}

// Every table's rows must have as many cells as its header, or GFM shifts the columns.
function tables(md: string): string[][] {
  const out: string[][] = [];
  let current: string[] | undefined;
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) (current ??= (out.push([]), out[out.length - 1]!)).push(line);
    else current = undefined;
  }
  return out;
}

// Removes code spans the way CommonMark finds them: an unescaped backtick run up to the next run
// of the same length. What is left is what GFM would parse as Markdown and inline HTML.
function stripCodeSpans(md: string): string {
  let out = '';
  let i = 0;
  while (i < md.length) {
    if (md[i] === '\\') { out += md.slice(i, i + 2); i += 2; continue; }
    if (md[i] !== '`') { out += md[i]; i += 1; continue; }
    let n = 0;
    while (md[i + n] === '`') n += 1;
    const fence = '`'.repeat(n);
    let j = i + n;
    let close = -1;
    while ((j = md.indexOf(fence, j)) !== -1) {
      if (md[j - 1] !== '`' && md[j + n] !== '`') { close = j; break; }
      j += 1;
    }
    if (close === -1) { out += fence; i += n; continue; }
    i = close + n;
  }
  return out;
}

describe('renderReportMarkdown', () => {
  const md = renderReportMarkdown(sshBruteForceCaseReport());

  it('links the case in Vigil when a public address is configured', () => {
    const linked = renderReportMarkdown({ ...sshBruteForceCaseReport(), url: 'https://vigil.example.org/cases/3' });
    expect(linked).toContain('\n**In Vigil:** <https://vigil.example.org/cases/3>\n');
    expect(md).not.toContain('In Vigil');
    expect(renderReportMarkdown({ ...sshBruteForceCaseReport(), url: 'https://x.example/> [click](javascript:alert(1))' })).not.toContain('In Vigil');
  });

  it('has the title and every section heading in reading order', () => {
    expect(md.startsWith('# Case #3: SSH brute force from 185.220.101.4 on web-01\n')).toBe(true);
    expect([...md.matchAll(/^## (.*)$/gm)].map((m) => m[1])).toEqual([
      'Summary', 'Severity and reasons', 'Timeline', 'Alerts', 'Observables and enrichment',
      'Actions taken or refused', 'Tasks', 'MITRE ATT&CK techniques',
    ]);
    expect(md).toContain('**Severity:** HIGH (score 80) · **Status:** New');
  });

  it('lists reasons with signed points and the final score and band', () => {
    expect(md).toContain('| rule-level | Wazuh rule 5712 at level 10 of 15 | **+40** |');
    expect(md).toMatch(/\| \*\*-5\*\* \|$/m);
    expect(md).toContain('**Final score:** 80 → **HIGH** (reasons sum to +80)');
  });

  it('shows observables with provider verdicts and evidence, but not raw answers', () => {
    expect(md).toContain('### `185.220.101.4`');
    expect(md).toContain('**Risk:** malicious (90/100)');
    expect(md).toContain('| local-feeds | malicious | 90 | 185.220.101.4 is listed in feed blocklist-ssh');
    expect(md).toContain('| ipv4 | `10.0.1.15` | private | dst | private address, not looked up |');
    expect(md).not.toContain('RAW-PROVIDER-ANSWER');
  });

  it('shows the refused action with its reason and artifact', () => {
    expect(md).toContain('| **REFUSED** | isolate-host | `web-01` | host web-01 is allowlisted');
    expect(md).toContain('`actions/case-0003-isolate-host-web-01.json`');
    expect(md).toContain('| **SIMULATED** | block-ip | `185.220.101.4` |');
  });

  it('links the ATT&CK technique', () => {
    expect(md).toContain('| [T1110](https://attack.mitre.org/techniques/T1110/) | Credential Access | Brute Force |');
  });

  it('keeps every table rectangular', () => {
    for (const t of tables(md)) {
      const width = cells(t[0]!).length;
      for (const row of t) expect(cells(row)).toHaveLength(width);
    }
  });

  it('says None for empty sections', () => {
    const r = sshBruteForceCaseReport();
    r.case.summary = '';
    r.assessment.reasons = [];
    r.timeline = []; r.alerts = []; r.observables = []; r.actions = []; r.tasks = []; r.mitre = [];
    const empty = renderReportMarkdown(r);
    expect(empty.match(/^_None_$/gm)).toHaveLength(8);
    expect(empty).toContain('## Tasks\n\n_None_');
  });

  it('escapes hostile values so they neither break tables nor become HTML, links or emphasis', () => {
    const hostile = renderReportMarkdown(hostileCaseReport());
    for (const t of tables(hostile)) {
      const width = cells(t[0]!).length;
      for (const row of t) expect(cells(row)).toHaveLength(width);
    }
    // Outside code spans no tag survives unescaped.
    const withoutCode = stripCodeSpans(hostile);
    expect(withoutCode).not.toMatch(/(?<!\\)<(script|img|b)\b/i);
    expect(hostile).toContain('\\<script\\>alert(1)\\</script\\>');
    expect(hostile).toContain('a \\| b \\`c\\` \\*d\\* \\_e\\_ \\[f\\](https://evil.example) \\<b\\>g\\</b\\> \\~h\\~ \\\\');
    // The hostile summary's "# not a heading" stays text, and its lines cannot start new blocks.
    expect(hostile).not.toMatch(/^# not a heading/m);
    expect(hostile).toContain('\\# not a heading');
    // Observable values are verbatim in code spans; pipes escaped inside a table, backticks out-fenced.
    expect(hostile).toContain(`### \`\` http://evil.example/${HOSTILE.script}?q=|x|&y=\`z\` \`\``);
    expect(hostile).toContain('`web-01<script>alert(1)</script>`');
    expect(hostile).not.toContain('](javascript');
    expect(hostile).toContain('| javascript:alert(3) |');
  });
});

describe('Markdown escaping helpers', () => {
  it('mdInline escapes inline metacharacters and entity look-alikes', () => {
    expect(mdInline('a|b')).toBe('a\\|b');
    expect(mdInline('`x` *y* _z_ [l](u) <i> ~s~ \\')).toBe('\\`x\\` \\*y\\* \\_z\\_ \\[l\\](u) \\<i\\> \\~s\\~ \\\\');
    expect(mdInline('&lt;b&gt; & R&D')).toBe('&amp;lt;b&amp;gt; & R&D');
    expect(mdInline('two\nlines')).toBe('two lines');
  });

  it('mdBlock stops a value from opening a heading, quote, list or rule', () => {
    expect(mdBlock('# h')).toBe('\\# h');
    expect(mdBlock('> q')).toBe('\\> q');
    expect(mdBlock('- item')).toBe('\\- item');
    expect(mdBlock('+ item')).toBe('\\+ item');
    expect(mdBlock('1. item')).toBe('1\\. item');
    expect(mdBlock('2) item')).toBe('2\\) item');
    expect(mdBlock('plain')).toBe('plain');
  });

  it('mdCell never leaves a cell empty', () => {
    expect(mdCell('')).toBe('—');
    expect(mdCell(undefined)).toBe('—');
  });

  it('mdCode fences past any backtick run and escapes pipes only inside tables', () => {
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
    expect(mdCode('a|b')).toBe('`a|b`');
    expect(mdCode('a|b', true)).toBe('`a\\|b`');
    expect(mdCode('')).toBe('—');
  });
});
